"""Benchmarks: batched blackboxes from architectures to metrics, one interface for all."""

from nas_gym.benchmarks.base import Benchmark
from nas_gym.benchmarks.nb201 import NB201Benchmark

__all__ = ["Benchmark", "NB201Benchmark"]
