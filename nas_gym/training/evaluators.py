"""Where trainings run: in this process (``"local"``) or in parallel on a Ray cluster (``"ray"``).

An evaluator takes a batch of :class:`TrainJob` and yields ``(position, result)`` as each run
finishes, so the caller can store every result the moment it exists. Ray is an optional extra
(``pip install nas-gym[ray]``); ``ray.init`` is the caller's choice of cluster, and a local
one is started when none is running.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from nas_gym.training.config import TrainConfig
from nas_gym.training.data import ImageSplits
from nas_gym.training.trainer import Trainer, TrainResult


@dataclass(frozen=True)
class TrainJob:
    """One architecture to train: its op codes, the seed, the recipe and whether to test it."""

    codes: tuple[int, ...]
    seed: int
    config: TrainConfig
    evaluate_test: bool = False


class Evaluator(Protocol):
    def run(self, jobs: Sequence[TrainJob]) -> Iterator[tuple[int, TrainResult]]:
        """Train every job; yield ``(index into jobs, result)`` in completion order."""
        ...


class LocalEvaluator:
    """Trains one job after the other in this process, on ``device`` (``"auto"``: CUDA if present)."""

    def __init__(self, data: ImageSplits, device: str = "auto", **trainer_options):
        self.trainer = Trainer(data, device=device, **trainer_options)

    def run(self, jobs: Sequence[TrainJob]) -> Iterator[tuple[int, TrainResult]]:
        for i, job in enumerate(jobs):
            yield i, self.trainer.train(job.codes, job.config, job.seed, job.evaluate_test)


def _train_remote(data: ImageSplits, job: TrainJob, trainer_options: dict) -> TrainResult:
    """Runs in a Ray worker: ``device="auto"`` picks the GPU Ray assigned to the task, if any."""
    return Trainer(data, **trainer_options).train(job.codes, job.config, job.seed, job.evaluate_test)


class RayEvaluator:
    """Trains a batch in parallel as Ray tasks, one GPU (or ``num_cpus`` CPUs) per training.

    The dataset is put into the Ray object store once and shared by every worker on every node.

    Args:
        data: the dataset splits.
        num_gpus: GPUs per training (default 1 when the cluster has GPUs, else 0).
        num_cpus: CPUs per training.
        address: passed to ``ray.init`` when Ray is not yet initialised (``None``: a local cluster).
        trainer_options: :class:`Trainer` keyword arguments (``amp``, ``compile``, ...).
    """

    def __init__(
        self,
        data: ImageSplits,
        num_gpus: float | None = None,
        num_cpus: float = 1,
        address: str | None = None,
        **trainer_options,
    ):
        try:
            import ray
        except ImportError as err:
            raise ImportError("evaluator='ray' needs Ray: pip install 'nas-gym[ray]'") from err
        if not ray.is_initialized():
            # "local" starts a private Ray: a bare ray.init() would join any cluster already on the machine
            ray.init(address=address or "local", include_dashboard=False, log_to_driver=False)
        if num_gpus is None:
            num_gpus = 1 if ray.cluster_resources().get("GPU", 0) >= 1 else 0
        self._ray = ray
        self._data_ref = ray.put(data)
        self._task = ray.remote(num_gpus=num_gpus, num_cpus=num_cpus, max_retries=0)(_train_remote)
        self._options = trainer_options

    def run(self, jobs: Sequence[TrainJob]) -> Iterator[tuple[int, TrainResult]]:
        ray = self._ray
        pending = {self._task.remote(self._data_ref, job, self._options): i for i, job in enumerate(jobs)}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                yield pending.pop(ref), ray.get(ref)
