"""The NAS-Bench-201 network (Dong & Yang, ICLR 2020) for one cell, in plain PyTorch.

Macro skeleton, as in NB201's ``TinyNetwork`` / NATS's ``infer`` model:

* stem: 3x3 conv (no bias) + BN, ``C`` channels;
* 3 stages of ``N`` cells with ``C``, ``2C``, ``4C`` channels, separated by a residual
  reduction block (two ReLU-Conv3x3-BN, the first with stride 2; shortcut 2x2 avg pool + 1x1 conv);
* BN + ReLU, global average pool, linear classifier.

The cell is the 4-node DAG of :mod:`nas_gym.spaces.nb201`: node ``j`` is the sum of its incoming
edges, each edge one op. ``none`` contributes zeros, so it is left out of the sum (a node with
only ``none`` inputs is a zero tensor): the same function as NB201's ``x * 0`` without its work.
Every module NB201 builds is built here too, so the parameter count equals the published one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from nas_gym.spaces.nb201 import EDGES, OPS

NONE, SKIP, CONV1X1, CONV3X3, AVG_POOL = range(len(OPS))


class ReLUConvBN(nn.Sequential):
    """ReLU -> Conv (no bias) -> BN: NB201's ``nor_conv_*`` op and the reduction block's halves."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out),
        )


class ResidualReduction(nn.Module):
    """NB201's ``ResNetBasicblock`` with stride 2: halves the resolution, changes the width."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride=2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3)
        self.shortcut = nn.Sequential(nn.AvgPool2d(2, stride=2), nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


def make_op(op: int, channels: int) -> nn.Module | None:
    """The module of one cell edge (all cell edges keep width and resolution); ``None`` for ``none``."""
    if op == NONE:
        return None
    if op == SKIP:
        return nn.Identity()
    if op == CONV1X1:
        return ReLUConvBN(channels, channels, 1)
    if op == CONV3X3:
        return ReLUConvBN(channels, channels, 3)
    if op == AVG_POOL:
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f"unknown NB201 op code {op}; codes are 0..{len(OPS) - 1} ({', '.join(OPS)})")


class NB201Cell(nn.Module):
    """One cell: ``codes[e]`` is the op on edge ``EDGES[e]`` (NB201 string order)."""

    def __init__(self, codes: Sequence[int], channels: int):
        super().__init__()
        self.edges = nn.ModuleDict()
        self.inputs: dict[int, list[tuple[int, str]]] = {1: [], 2: [], 3: []}
        for (src, dst), op in zip(EDGES, codes, strict=True):
            module = make_op(int(op), channels)
            if module is not None:
                name = f"{src}to{dst}"
                self.edges[name] = module
                self.inputs[dst].append((src, name))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes: list[torch.Tensor | None] = [x]
        for dst in (1, 2, 3):
            terms = [self.edges[name](nodes[src]) for src, name in self.inputs[dst] if nodes[src] is not None]
            nodes.append(sum(terms[1:], terms[0]) if terms else None)
        return nodes[3] if nodes[3] is not None else torch.zeros_like(x)


class NB201Network(nn.Module):
    """The NB201 network of one cell.

    Args:
        codes: 6 op codes (:mod:`nas_gym.spaces.nb201` order) shared by every cell.
        num_classes: 10 (CIFAR-10), 100 (CIFAR-100) or 120 (ImageNet16-120).
        channels: ``C``, the width of the first stage (NB201: 16).
        cells_per_stage: ``N`` (NB201: 5).
    """

    def __init__(self, codes: Sequence[int], num_classes: int = 10, channels: int = 16, cells_per_stage: int = 5):
        super().__init__()
        codes = [int(c) for c in np.asarray(codes).reshape(-1)]
        if len(codes) != len(EDGES):
            raise ValueError(f"an NB201 cell has {len(EDGES)} op codes, got {len(codes)}")
        if channels < 1 or cells_per_stage < 1 or num_classes < 2:
            raise ValueError(
                f"need channels >= 1, cells_per_stage >= 1, num_classes >= 2; "
                f"got {channels}, {cells_per_stage}, {num_classes}"
            )
        self.codes = tuple(codes)
        self.stem = nn.Sequential(nn.Conv2d(3, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
        layers: list[nn.Module] = []
        width = channels
        for stage in range(3):
            if stage > 0:
                layers.append(ResidualReduction(width, 2 * width))
                width *= 2
            layers.extend(NB201Cell(codes, width) for _ in range(cells_per_stage))
        self.cells = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.BatchNorm2d(width), nn.ReLU(inplace=False), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.head(self.cells(self.stem(x))))


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters (BN running statistics are buffers, not parameters), as NB201 counts them."""
    return sum(p.numel() for p in model.parameters())
