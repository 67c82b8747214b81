"""Train one NB201 architecture with the NB201 recipe and measure it: the work behind a trained reward.

Fast path on CUDA: the whole dataset lives on the GPU as uint8, augmentation is one gather per
batch on the GPU, mixed precision (bf16 where supported, else fp16 with loss scaling), channels_last
and cuDNN autotuning; ``torch.compile`` is opt-in (every architecture is a new graph, so its compile
time is paid per query). On CPU the same code runs in float32; use a small :class:`TrainConfig`.

Randomness comes only from ``seed``: a private ``torch.Generator`` draws the batch order and the
augmentation on the CPU, and the weights are initialised under a forked RNG, so the global torch
RNG is left untouched. On CPU the same seed gives the same result bit for bit.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from nas_gym.models.nb201_net import NB201Network, count_parameters
from nas_gym.spaces.nb201 import codes_to_strings
from nas_gym.training.config import TrainConfig
from nas_gym.training.data import PAD, ImageSplits, augment, normalize, subset_rows

EVAL_BATCH = 1024
STATUSES = ("ok", "nan", "oom")
"""``ok``; ``nan``: the training loss became NaN/inf; ``oom``: the device ran out of memory."""


@dataclass(frozen=True)
class TrainResult:
    """Outcome of one training run. Accuracies in percent; NaN when not measured (or failed)."""

    arch: str
    status: str
    val_acc: float
    test_acc: float
    train_acc: float
    train_loss: float
    params: int
    train_seconds: float
    device: str
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but CUDA is not available; use device='auto' or 'cpu'")
    return dev


def _is_oom(err: BaseException) -> bool:
    if isinstance(err, torch.cuda.OutOfMemoryError):
        return True
    text = str(err).lower()
    return isinstance(err, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


class Trainer:
    """Trains architectures on one :class:`ImageSplits`, keeping the data on ``device``.

    Args:
        data: the dataset splits.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...
        amp: mixed precision; default on for CUDA, always off on CPU.
        channels_last: NHWC memory format; default on for CUDA.
        compile: wrap the model in ``torch.compile`` (off by default; see the module docstring).
    """

    def __init__(
        self,
        data: ImageSplits,
        device: str | torch.device = "auto",
        amp: bool | None = None,
        channels_last: bool | None = None,
        compile: bool = False,
    ):
        self.data = data
        self.device = resolve_device(device)
        cuda = self.device.type == "cuda"
        if amp and not cuda:
            raise ValueError("amp=True needs a CUDA device; on CPU training runs in float32")
        self.amp = cuda if amp is None else amp
        self.amp_dtype = torch.bfloat16 if cuda and torch.cuda.is_bf16_supported() else torch.float16
        self.channels_last = cuda if channels_last is None else channels_last
        self.compile = compile
        self._tensors: dict[tuple[str, int | None], tuple[torch.Tensor, torch.Tensor]] = {}
        if cuda:
            torch.backends.cudnn.benchmark = True

    def _split(self, part: str, size: int | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Images and labels of a split (subset), uploaded to the device once."""
        key = (part, size)
        if key not in self._tensors:
            images, labels = getattr(self.data, f"{part}_images"), getattr(self.data, f"{part}_labels")
            rows = subset_rows(len(labels), size)
            self._tensors[key] = (
                torch.tensor(images[rows], device=self.device),
                torch.tensor(labels[rows].astype(np.int64), device=self.device),
            )
        return self._tensors[key]

    def build(self, codes: Sequence[int], config: TrainConfig, seed: int) -> nn.Module:
        """The network of ``codes``, initialised from ``seed`` without touching the global RNG."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = NB201Network(codes, self.data.num_classes, config.channels, config.cells_per_stage)
        model = model.to(self.device)
        if self.channels_last:
            model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # torch's stub lacks it
        return model

    def _autocast(self):
        if not self.amp:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)

    def train(self, codes: Sequence[int], config: TrainConfig, seed: int, evaluate_test: bool = False) -> TrainResult:
        """Train ``codes`` with ``config`` from ``seed``; validate, and test when ``evaluate_test``.

        Never raises for a failed run: NaN loss and out-of-memory come back as ``status``.
        """
        arch = codes_to_strings(np.asarray(codes, dtype=np.int64)[None])[0]
        start = time.perf_counter()
        params = 0
        try:
            model = self.build(codes, config, seed)
            params = count_parameters(model)
            train_acc, train_loss = self.fit(model, config, seed)
            if not math.isfinite(train_loss):
                return self._failed(arch, "nan", params, start, f"training loss became {train_loss}")
            val_acc = self.accuracy(model, "valid", config.eval_subset)
            test_acc = self.accuracy(model, "test", config.eval_subset) if evaluate_test else math.nan
        except (RuntimeError, MemoryError) as err:
            if not (isinstance(err, MemoryError) or _is_oom(err)):
                raise
            del err  # drop the traceback's references to device tensors before freeing the cache
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
            return self._failed(arch, "oom", params, start, f"out of memory on {self.device}")
        return TrainResult(
            arch, "ok", val_acc, test_acc, train_acc, train_loss, params, time.perf_counter() - start, str(self.device)
        )

    def _failed(self, arch: str, status: str, params: int, start: float, error: str) -> TrainResult:
        nan = math.nan
        return TrainResult(
            arch, status, nan, nan, nan, nan, params, time.perf_counter() - start, str(self.device), error
        )

    def fit(self, model: nn.Module, config: TrainConfig, seed: int) -> tuple[float, float]:
        """The NB201 schedule; returns (train accuracy %, mean loss) of the last epoch."""
        images, labels = self._split("train", config.train_subset)
        n = len(labels)
        steps_per_epoch = math.ceil(n / config.batch_size)
        total_steps = config.epochs * steps_per_epoch
        optimizer = torch.optim.SGD(
            model.parameters(),
            lr=config.lr,
            momentum=config.momentum,
            nesterov=config.nesterov,
            weight_decay=config.weight_decay,
        )
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * step / total_steps))
        )
        scaler = torch.amp.GradScaler(self.device.type, enabled=self.amp and self.amp_dtype == torch.float16)
        step_fn = torch.compile(model) if self.compile else model
        loss_fn = nn.CrossEntropyLoss()
        gen = torch.Generator().manual_seed(seed)
        model.train()
        for _ in range(config.epochs):
            order = torch.randperm(n, generator=gen).to(self.device, non_blocking=True)
            offsets = torch.randint(0, 2 * PAD + 1, (n, 2), generator=gen).to(self.device, non_blocking=True)
            flips = (torch.rand(n, generator=gen) < 0.5).to(self.device, non_blocking=True)
            loss_sum = torch.zeros((), device=self.device)
            correct = torch.zeros((), device=self.device, dtype=torch.int64)
            for begin in range(0, n, config.batch_size):
                idx = order[begin : begin + config.batch_size]
                x = normalize(augment(images[idx], offsets[idx], flips[idx]))
                x = x.contiguous(memory_format=torch.channels_last if self.channels_last else torch.contiguous_format)
                y = labels[idx]
                with self._autocast():
                    logits = step_fn(x)
                    loss = loss_fn(logits.float(), y)
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                schedule.step()
                loss_sum += loss.detach() * len(idx)
                correct += (logits.argmax(1) == y).sum()
            mean_loss = float(loss_sum) / n
            if not math.isfinite(mean_loss):  # one sync per epoch, not per step
                return math.nan, mean_loss
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return 100.0 * float(correct) / n, mean_loss

    @torch.no_grad()
    def accuracy(self, model: nn.Module, part: str, subset: int | None = None) -> float:
        """Top-1 accuracy (%) of ``model`` on ``part`` (``"valid"`` or ``"test"``), BN in eval mode."""
        images, labels = self._split(part, subset)
        model.eval()
        correct = torch.zeros((), device=self.device, dtype=torch.int64)
        for begin in range(0, len(labels), EVAL_BATCH):
            x = normalize(images[begin : begin + EVAL_BATCH])
            x = x.contiguous(memory_format=torch.channels_last if self.channels_last else torch.contiguous_format)
            with self._autocast():
                correct += (model(x).argmax(1) == labels[begin : begin + EVAL_BATCH]).sum()
        model.train()
        return 100.0 * float(correct) / len(labels)
