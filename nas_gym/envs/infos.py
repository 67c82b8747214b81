"""The per-search ``info`` dict of a step, shared by the single and the vector env.

The vector env builds the same dicts as the single env and batches them the way Gymnasium's
``SyncVectorEnv`` does (``VectorEnv._add_info``: one array per key plus a ``_key`` mask), so the
native vector env and N single envs report identical infos.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from nas_gym.spaces.base import SearchSpace


class StepInfos:
    """Turns the batched info arrays of :meth:`SearchCore.step` into one dict per search.

    Besides the scalars of the batch, each dict holds ``arch`` (the space's string form) and the
    space's structured form (DARTS ``genotype``, OFA ``arch_dict``), and the same forms of the
    best architecture so far under ``best_<key>``. The best forms are cached per search and only
    rebuilt when the best changes.
    """

    def __init__(self, space: SearchSpace, num_envs: int):
        self.space = space
        self._best_key: list[int | None] = [None] * num_envs
        self._best_forms: list[dict[str, Any]] = [self.forms(None)] * num_envs

    def reset(self, which: np.ndarray | None = None) -> None:
        """Forget the best of the searches in ``which`` (boolean mask; all when ``None``)."""
        for i in range(len(self._best_key)) if which is None else np.flatnonzero(which):
            self._best_key[i], self._best_forms[i] = None, self.forms(None)

    def forms(self, codes: np.ndarray | None) -> dict[str, Any]:
        """``arch`` (string) and the structured form of ``codes`` (one row); empty values for ``None``."""
        key = self.space.structured_key
        if codes is None:
            return {"arch": "", **({key: {}} if key else {})}
        codes = codes[None]
        return {"arch": self.space.to_string(codes)[0], **({key: self.space.to_structured(codes)[0]} if key else {})}

    def build(self, batch: dict[str, np.ndarray], rows: np.ndarray) -> list[dict[str, Any]]:
        """One info dict per entry of ``batch`` (which holds the searches ``rows``, in that order)."""
        infos = []
        for j, i in enumerate(rows.tolist()):
            info: dict[str, Any] = {k: v[j].item() if v.ndim == 1 else v[j] for k, v in batch.items()}
            info.update(self.forms(batch["codes"][j]))
            best_key = info["best_key"]  # keys may be any int64 (hashes): -inf signal marks "no best yet"
            if best_key != self._best_key[i] and not np.isneginf(info["best_signal_acc"]):
                self._best_key[i], self._best_forms[i] = best_key, self.forms(batch["best_codes"][j])
            info.update({f"best_{k}": copy.deepcopy(v) for k, v in self._best_forms[i].items()})  # never shared
            infos.append(info)
        return infos
