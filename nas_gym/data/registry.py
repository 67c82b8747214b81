"""Every dataset the data layer knows, by name. Each space adds its spec here."""

from __future__ import annotations

from nas_gym.data import cifar10, nb201, nb301, ofa
from nas_gym.data.sources import DatasetSpec

DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in (nb201.SPEC, cifar10.SPEC, nb301.SPEC, ofa.SPEC)}


def get_spec(name: str) -> DatasetSpec:
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}") from None
