"""Image data for training: the splits as uint8 arrays, and GPU/CPU batch augmentation in torch."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch

from nas_gym.data import cifar10 as cifar10_data
from nas_gym.data.store import load_arrays

# NB201's CIFAR normalisation (xautodl: mean [125.3, 123.0, 113.9] / 255, std [63.0, 62.1, 66.7] / 255).
CIFAR_MEAN = (125.3 / 255, 123.0 / 255, 113.9 / 255)
CIFAR_STD = (63.0 / 255, 62.1 / 255, 66.7 / 255)
PAD = 4
SUBSET_SEED = 0


@dataclass(frozen=True)
class ImageSplits:
    """Train / validation / test images (NHWC uint8) and labels of one dataset."""

    name: str
    num_classes: int
    train_images: np.ndarray
    train_labels: np.ndarray
    valid_images: np.ndarray
    valid_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray

    def __post_init__(self):
        for part in ("train", "valid", "test"):
            x, y = getattr(self, f"{part}_images"), getattr(self, f"{part}_labels")
            if x.dtype != np.uint8 or x.ndim != 4 or x.shape[3] != 3 or len(x) != len(y):
                raise ValueError(f"{part}: need NHWC uint8 RGB images with one label each, got {x.shape} {x.dtype}")


def cifar10_splits(cache: str | os.PathLike | None = None) -> ImageSplits:
    """CIFAR-10 with NB201's ``cifar10-valid`` protocol: train 25k, validate on the other 25k, test on 10k."""
    a = load_arrays("cifar10", cifar10_data.ARRAYS, cache)
    train, valid = a["search_train"], a["search_valid"]
    return ImageSplits(
        name="cifar10",
        num_classes=len(cifar10_data.CLASSES),
        train_images=a["train_images"][train],
        train_labels=a["train_labels"][train],
        valid_images=a["train_images"][valid],
        valid_labels=a["train_labels"][valid],
        test_images=a["test_images"],
        test_labels=a["test_labels"],
    )


def subset_rows(n: int, size: int | None) -> np.ndarray:
    """Rows of a fixed random subset of ``size`` out of ``n`` (all rows when ``size`` is None or >= n).

    The subset depends only on ``n`` and ``size``, never on the training seed, so seeds are comparable.
    """
    if size is None or size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(SUBSET_SEED).permutation(n)[:size])


def normalize(images: torch.Tensor) -> torch.Tensor:
    """uint8 NHWC -> float32 NCHW (a channels_last view), normalised with the CIFAR statistics."""
    mean = torch.tensor(CIFAR_MEAN, device=images.device)
    std = torch.tensor(CIFAR_STD, device=images.device)
    return ((images.float() / 255.0 - mean) / std).permute(0, 3, 1, 2)


def augment(images: torch.Tensor, offsets: torch.Tensor, flips: torch.Tensor) -> torch.Tensor:
    """Random crop with zero padding 4 and horizontal flip of a uint8 NHWC batch, in one gather.

    ``offsets`` ``(B, 2)`` in ``0..8`` are the crop corners in the padded image, ``flips`` ``(B,)``
    booleans; both are drawn by the caller (from its seeded generator), so this runs on any device.
    """
    b, h, w, _ = images.shape
    padded = torch.nn.functional.pad(images, (0, 0, PAD, PAD, PAD, PAD))
    rows = torch.arange(h, device=images.device)
    cols = torch.arange(w, device=images.device)
    ys = offsets[:, :1] + rows
    xs = offsets[:, 1:] + torch.where(flips[:, None], w - 1 - cols, cols)
    batch = torch.arange(b, device=images.device)[:, None, None]
    return padded[batch, ys[:, :, None], xs[:, None, :]]
