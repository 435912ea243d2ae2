"""Remember the de-duplication keys seen in one file, in bounded memory where the key allows.

A contract whose key is one text column with a pattern such as ``T[0-9]{8}`` (a fixed prefix
and a run of digits; ``T[0-9]{8,12}`` too) gets a bitmap for the ids of the shortest length:
10^n bits for n ≤ 8 digits (12.5 MB for 8), whatever the file's size. The Glue job marks whole
batches through the same buffer with numpy (:attr:`CompactLane.bits`). The bitmap is an
anonymous memory map: the system hands out zeroed pages only when an id first touches them,
so a 100-row file costs a few pages. Every other key (longer ids, several columns, free text)
is kept in a set.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Hashable
from typing import Any

from pipeline_src.contracts.model import Contract

MAX_COMPACT_DIGITS = 8
_DIGIT_RUN = re.compile(r"([A-Za-z]*)\[0-9\]\{(\d+)(?:,(\d+))?\}")


class CompactLane:
    """Ids of exactly ``prefix`` + ``digits`` digits, as a bitmap (bit ``n`` is id ``n``)."""

    def __init__(self, prefix: str, digits: int) -> None:
        self.prefix = prefix
        self.digits = digits
        self.length = len(prefix) + digits
        self.pattern = f"^{re.escape(prefix)}[0-9]{{{digits}}}$"
        self._bits: mmap.mmap | None = None

    @property
    def bits(self) -> mmap.mmap:
        """The writable bitmap, mapped on first use."""
        if self._bits is None:
            self._bits = mmap.mmap(-1, max(1, 10**self.digits // 8 + 1))
        return self._bits

    def fits(self, value: str) -> bool:
        return len(value) == self.length and value.startswith(self.prefix)

    def add(self, value: str) -> bool:
        number = int(value[len(self.prefix) :])
        byte, mask = number >> 3, 1 << (number & 7)
        bits = self.bits
        if bits[byte] & mask:
            return False
        bits[byte] |= mask
        return True


def compact_lane(contract: Contract) -> CompactLane | None:
    """The bitmap lane the contract's key allows, if any."""
    if len(contract.dedup_key) != 1:
        return None
    column = contract.column(contract.dedup_key[0])
    match = _DIGIT_RUN.fullmatch(column.pattern or "") if column.is_text else None
    if match is None or column.case or column.canonical or column.allowed:
        return None
    digits = int(match.group(2))
    return CompactLane(match.group(1), digits) if 1 <= digits <= MAX_COMPACT_DIGITS else None


class SeenKeys:
    """The set of valid rows' keys seen so far in one file."""

    def __init__(self, contract: Contract) -> None:
        self.compact = compact_lane(contract)
        self.others: set[Hashable] = set()

    def add(self, key: Any) -> bool:
        """Mark a valid row's key as seen; False when it had been seen before (a duplicate)."""
        if self.compact is not None and isinstance(key, str) and self.compact.fits(key):
            return self.compact.add(key)
        if key in self.others:
            return False
        self.others.add(key)
        return True
