"""Unique, random-looking transaction ids (``T`` + 8 digits) without any lookup table.

A keyed Feistel network over ``[0, 10**8)`` (two halves of 4 decimal digits) is a bijection,
so row numbers ``0 .. 10**8 - 1`` map to distinct ids that look random, and a chunk of ids is
computed with a few vectorised numpy operations.
"""

from __future__ import annotations

import numpy as np

ID_SPACE = 10**8
_HALF = 10**4
_ROUNDS = 4


class TransactionIds:
    """Map row numbers to distinct transaction numbers, keyed by a seed."""

    def __init__(self, seed: int) -> None:
        keys = np.random.default_rng([seed, 0x7A11]).integers(1, 2**20, size=(_ROUNDS, 2))
        self._keys = keys.astype(np.uint64)

    def numbers(self, first_row: int, count: int) -> np.ndarray:
        """Return the transaction numbers (0 .. 10**8-1) of rows ``first_row .. +count``."""
        if first_row < 0 or first_row + count > ID_SPACE:
            raise ValueError(f"at most {ID_SPACE:,} distinct transaction ids per seed")
        rows = np.arange(first_row, first_row + count, dtype=np.uint64)
        left, right = rows // _HALF, rows % _HALF
        for mul, add in self._keys:
            mixed = (right * mul + add) * (right + add)
            left, right = right, (left + (mixed >> np.uint64(7))) % _HALF
        return left * _HALF + right


def render_ids(prefix: bytes, numbers: np.ndarray, width: int) -> np.ndarray:
    """Render numbers as fixed-width ``prefix + zero-padded digits`` byte strings (numpy S)."""
    count = len(numbers)
    out = np.empty((count, len(prefix) + width), dtype=np.uint8)
    out[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    values = numbers.astype(np.uint64)
    for pos in range(width - 1, -1, -1):
        out[:, len(prefix) + pos] = (values % 10).astype(np.uint8) + ord("0")
        values //= 10
    return out.view(f"S{len(prefix) + width}").ravel()
