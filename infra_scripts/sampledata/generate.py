"""Generate sales files of any size, streaming chunk by chunk with bounded memory.

``GenerateOptions.contract`` names the business: the bookstore has its own vectorised
generator (below); every other business is generated from its settings (``till_files``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TextIO

import numpy as np

from infra_scripts.sampledata import business, story
from infra_scripts.sampledata.ids import ID_SPACE, TransactionIds
from infra_scripts.sampledata.rows import sample_chunk
from infra_scripts.sampledata.schema import FORMATS, columns_for
from infra_scripts.sampledata.writers import SalesWriter, open_writer

CHUNK_ROWS = 100_000  # part of the output's definition: changing it changes the rows
PROGRESS_EVERY = 1_000_000
XLSX_MAX_ROWS = 1_048_575  # an Excel sheet holds 1,048,576 rows, one is the header
DEFAULT_START = date(2026, 11, 2)


@dataclass(frozen=True)
class GenerateOptions:
    """What to generate; the same options and seed always give the same bytes."""

    rows: int
    out: Path
    fmt: str = "csv"
    schema: str = "seed"
    seed: int = 42
    daily: bool = False
    days: int = 1
    start: date = DEFAULT_START
    contract: str = business.SPECIALISED

    def validate(self) -> None:
        """Raise ValueError for impossible options."""
        if self.contract == business.SPECIALISED:
            columns_for(self.schema)
        else:
            business.load(self.contract)
        if self.fmt not in FORMATS:
            raise ValueError(f"unknown format {self.fmt!r}; expected one of {list(FORMATS)}")
        if not 0 <= self.rows <= ID_SPACE:
            raise ValueError(f"rows must be between 0 and {ID_SPACE:,}")
        if self.days < 1:
            raise ValueError("days must be at least 1")
        if self.daily and self.rows < self.days:
            raise ValueError("--daily needs at least one row per day (rows >= days)")


@dataclass
class GenerateResult:
    """What was written."""

    rows: int = 0
    files: list[Path] = field(default_factory=list)
    bytes: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line: rows, files, bytes, seconds, rows/s."""
        rate = self.rows / self.seconds if self.seconds > 0 else 0.0
        return (
            f"generated {self.rows:,} rows in {len(self.files)} file(s), {self.bytes:,} bytes, "
            f"{self.seconds:.2f} s ({rate:,.0f} rows/s)"
        )


def file_name(fmt: str, first: date, last: date) -> str:
    """``sales_<first>.<fmt>``, or ``sales_<first>_to_<last>.<fmt>`` for several days."""
    span = first.isoformat() if first == last else f"{first}_to_{last}"
    return f"sales_{span}.{fmt}"


class Progress:
    """Progress lines on a stream every PROGRESS_EVERY rows."""

    def __init__(self, total: int, stream: TextIO | None) -> None:
        self.total, self.stream, self.started = total, stream, time.perf_counter()
        self._next = PROGRESS_EVERY

    def update(self, done: int) -> None:
        if self.stream is None or done < self._next:
            return
        self._next = (done // PROGRESS_EVERY + 1) * PROGRESS_EVERY
        elapsed = time.perf_counter() - self.started
        self.stream.write(f"  {done:,} / {self.total:,} rows ({elapsed:.1f} s)\n")
        self.stream.flush()


def generate(options: GenerateOptions, progress: TextIO | None = None) -> GenerateResult:
    """Write the sales files described by ``options``; report progress to ``progress``."""
    options.validate()
    if options.contract != business.SPECIALISED:
        from infra_scripts.sampledata import till_files  # imports this module

        return till_files.generate(business.load(options.contract), options, progress)
    started = time.perf_counter()
    columns = columns_for(options.schema)
    days = story.day_list(options.start, options.days)
    counts = story.allocate(options.rows, story.day_weights(options.start, options.days))
    per_file = max(counts) if options.daily else options.rows
    if options.fmt == "xlsx" and per_file > XLSX_MAX_ROWS:
        raise ValueError(f"an XLSX sheet holds at most {XLSX_MAX_ROWS:,} rows; use --daily")
    rng = np.random.default_rng(options.seed)
    ids = TransactionIds(options.seed)
    options.out.mkdir(parents=True, exist_ok=True)
    result = GenerateResult()
    meter = Progress(options.rows, progress)
    writer: SalesWriter | None = None

    def finish(current: SalesWriter | None) -> None:
        if current is not None:
            result.bytes += current.close()
            result.files.append(current.path)

    for index, (day, count) in enumerate(zip(days, counts, strict=True)):
        if writer is None or options.daily:
            finish(writer)
            last = day if options.daily else days[-1]
            name = file_name(options.fmt, day, last)
            writer = open_writer(options.out / name, options.fmt, columns)
        for offset in range(0, count, CHUNK_ROWS):
            size = min(CHUNK_ROWS, count - offset)
            chunk = sample_chunk(rng, size, day, index, options.days, ids, result.rows)
            writer.write(chunk)
            result.rows += size
            meter.update(result.rows)
    finish(writer)
    result.seconds = time.perf_counter() - started
    return result
