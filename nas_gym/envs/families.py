"""Search-space families as data: which benchmark an env id builds, and that family's defaults.

One generic env (:class:`~nas_gym.envs.search_env.ArchSearchEnv`, and its vector form) serves
every family; a registered id names the family in its kwargs (``benchmark="nb201"``). The
keywords of a ``gym.make`` call are split here: the fields of
:class:`~nas_gym.envs.config.SearchConfig` shape the search, the benchmark's constructor
arguments build the benchmark, anything else is refused naming both sets.
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nas_gym.benchmarks.base import Benchmark
from nas_gym.envs.config import SEARCH_KWARGS


@dataclass(frozen=True)
class Family:
    """One search-space family.

    Attributes:
        benchmark: ``"module:Class"`` of its :class:`~nas_gym.benchmarks.base.Benchmark`
            (imported on first use, so ``import nas_gym`` stays light).
        defaults: the family's :class:`~nas_gym.envs.config.SearchConfig` defaults, the single
            place they are written (explicit kwargs override them).
    """

    benchmark: str
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def benchmark_class(self) -> type[Benchmark]:
        module, name = self.benchmark.split(":")
        return getattr(importlib.import_module(module), name)


FAMILIES: dict[str, Family] = {
    # NAS-Bench-201 tables; the paper's K = 64 and a 500-query search are SearchConfig's defaults.
    "nb201": Family("nas_gym.benchmarks.nb201:NB201Benchmark"),
    # DARTS on the NB301 surrogate: the paper's K = 500 and T = 20k queries.
    "nb301": Family("nas_gym.benchmarks.nb301:NB301Benchmark", {"top_k": 500, "max_queries": 20_000}),
    # OFA MobileNetV3 on its accuracy predictor: the paper's K = 500 and T = 10k queries.
    "ofa": Family("nas_gym.benchmarks.ofa:OFABenchmark", {"top_k": 500, "max_queries": 10_000}),
    # NB201 cells trained with PyTorch.
    "nb201-trained": Family("nas_gym.benchmarks.trained:TrainedNB201Benchmark"),
}


def benchmark_kwargs(cls: type[Benchmark]) -> frozenset[str]:
    """The keywords ``cls`` accepts: its constructor's named parameters plus its declared extras."""
    params = inspect.signature(cls).parameters.values()
    named = {p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    return frozenset(named) | cls.extra_kwargs()


def family(name: str) -> Family:
    """The registered family ``name``; a clear error naming the known ones otherwise."""
    if name not in FAMILIES:
        raise ValueError(f"unknown benchmark family {name!r}; choose one of {', '.join(FAMILIES)}")
    return FAMILIES[name]


def accepted_kwargs(name: str) -> frozenset[str]:
    """Every keyword an env of family ``name`` accepts: search kwargs, benchmark kwargs, ``render_mode``."""
    return SEARCH_KWARGS | benchmark_kwargs(family(name).benchmark_class()) | {"benchmark", "render_mode"}


def build(name: str | Benchmark, kwargs: Mapping[str, Any]) -> tuple[Benchmark, dict[str, Any]]:
    """The benchmark of family ``name`` and the search kwargs (family defaults applied).

    A ready :class:`Benchmark` is used as it is; then every kwarg must be a search kwarg.
    Raises ``TypeError`` (Python's error for an unexpected keyword) naming the known sets.
    """
    if isinstance(name, Benchmark):
        _refuse_unknown(set(kwargs) - SEARCH_KWARGS, type(name).__name__, frozenset())
        return name, dict(kwargs)
    fam = family(name)
    cls = fam.benchmark_class()
    accepted = benchmark_kwargs(cls)
    _refuse_unknown(set(kwargs) - SEARCH_KWARGS - accepted, name, accepted)
    cache = kwargs.get("cache")
    if cache is not None and not isinstance(cache, str | os.PathLike):
        raise TypeError(
            f"cache must be a folder path (str or os.PathLike) or None, got {cache!r} ({type(cache).__name__})"
        )
    bench = cls(**{k: v for k, v in kwargs.items() if k in accepted})
    search = {**fam.defaults, **{k: v for k, v in kwargs.items() if k in SEARCH_KWARGS}}
    return bench, search


def _refuse_unknown(unknown: set[str], family: str, accepted: frozenset[str]) -> None:
    if unknown:
        first = sorted(unknown)[0]
        raise TypeError(
            f"unexpected keyword argument {first!r} (all unknown: {sorted(unknown)}) for a {family} search env; "
            f"search kwargs: {', '.join(sorted(SEARCH_KWARGS))}; "
            f"benchmark kwargs: {', '.join(sorted(accepted)) or '(none)'}"
        )
