"""Remember transaction ids seen in one file, in bounded memory.

A valid transaction id is ``T`` + 8 digits, so the ids of a file fit a bitmap of 10^8 bits
(12.5 MB) whatever the file's size. The Glue job marks whole batches through the same
buffer with numpy (``bits``). The bitmap is an anonymous memory map: the system hands out
zeroed pages only when an id first touches them, so a 100-row file costs a few pages, not
12.5 MB of zeroing (as ``bytearray(n)`` would).
"""

from __future__ import annotations

import mmap

ID_SPACE = 100_000_000


class SeenIds:
    """A set of transaction ids ``T00000000`` ... ``T99999999`` as a bitmap."""

    def __init__(self) -> None:
        self._bits: mmap.mmap | None = None

    @property
    def bits(self) -> mmap.mmap:
        """The writable bitmap, mapped on first use (bit ``n`` is id ``n``)."""
        if self._bits is None:
            self._bits = mmap.mmap(-1, ID_SPACE // 8)
        return self._bits

    def add(self, transaction_id: str) -> bool:
        """Mark a valid id as seen; False when it had been seen before (a duplicate)."""
        number = int(transaction_id[1:])
        byte, mask = number >> 3, 1 << (number & 7)
        bits = self.bits
        if bits[byte] & mask:
            return False
        bits[byte] |= mask
        return True
