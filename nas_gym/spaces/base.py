"""The search-space contract every benchmark shares.

A search space knows how to turn the agent's continuous architecture hyperparameters
(``alpha``, one real weight per candidate operation, as in DARTS and L2NAS) into a discrete
architecture, and how to move that architecture between its encodings. Everything is batched:
the leading dimensions of every array are batch dimensions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class SearchSpace(ABC):
    """A discrete architecture space with a continuous relaxation.

    Attributes:
        name: short identifier, e.g. ``"nb201"``.
        alpha_shape: shape of one architecture-hyperparameter tensor (e.g. ``(6, 5)``).
        code_length: length of one architecture's integer op-code vector.
        code_nvec: number of options of each op-code position: every code in ``[0, code_nvec)``
            is an architecture, so codes double as a ``MultiDiscrete`` action and mutation-based
            searchers change one position at a time.
        num_archs: number of distinct architectures (a Python int: it may exceed int64).
        structured_key: ``info`` key of the space's structured form (DARTS ``"genotype"``, OFA
            ``"arch_dict"``), or ``None`` when the string form is all there is.
    """

    name: str
    alpha_shape: tuple[int, ...]
    code_length: int
    code_nvec: tuple[int, ...]
    num_archs: int
    structured_key: str | None = None

    @property
    def alpha_dim(self) -> int:
        """Number of entries in a flattened alpha (the size of the env action)."""
        return int(np.prod(self.alpha_shape))

    @abstractmethod
    def discretize(self, alpha: np.ndarray) -> np.ndarray:
        """Map alpha of shape ``(..., *alpha_shape)`` to op codes of shape ``(..., code_length)``."""

    @abstractmethod
    def one_hot(self, codes: np.ndarray) -> np.ndarray:
        """Map op codes ``(..., code_length)`` to the one-hot alpha ``(..., *alpha_shape)`` (float32)."""

    @abstractmethod
    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n`` architectures uniformly at random, as op codes ``(n, code_length)``."""

    @abstractmethod
    def key(self, codes: np.ndarray) -> np.ndarray:
        """A unique int64 key per architecture ``(...,)``: used for de-duplication and caching."""

    @abstractmethod
    def to_string(self, codes: np.ndarray) -> list[str]:
        """Human-readable, parseable text form of a batch of architectures ``(n, code_length)``."""

    def key_of_valid(self, codes: np.ndarray) -> np.ndarray:
        """:meth:`key` of codes already known to be valid (an env's decoded actions); spaces may skip their checks."""
        return self.key(codes)

    def all_codes(self) -> np.ndarray | None:
        """Every architecture's op codes in key order (``key(all_codes()) == arange(num_archs)``), or ``None``.

        Spaces small enough to list return them, so an env over a tabular benchmark can
        evaluate the whole space once and answer each step by lookup.
        """
        return None

    def describe(self, codes_row: np.ndarray) -> str:
        """Multi-line text of one architecture for ``render``; the string form unless a space says more."""
        return self.to_string(np.asarray(codes_row)[None])[0]

    def to_structured(self, codes: np.ndarray) -> list:
        """The structured form of a batch (under ``info[structured_key]``); spaces with one override it."""
        raise NotImplementedError(f"the {self.name} space has no structured form")
