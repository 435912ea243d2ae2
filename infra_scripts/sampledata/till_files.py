"""Sales files of a business described by settings: the committed seed files and bulk output.

``write_seed_files``: one file per day from the settings' first seed day, each in its listed
format, every contract column, as many orders as the calendar gives the day (file names
``sales_YYYY-MM-DD.<ext>``, so the sale-date fallback to the key works too). ``generate``:
the ``sample-data generate`` command for such a business (exact row counts, chunked).
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import TextIO

import numpy as np

from infra_scripts.sampledata import story
from infra_scripts.sampledata.business import Settings
from infra_scripts.sampledata.generate import (
    CHUNK_ROWS,
    XLSX_MAX_ROWS,
    GenerateOptions,
    GenerateResult,
    Progress,
    file_name,
)
from infra_scripts.sampledata.orders import Counters, OrderSampler
from infra_scripts.sampledata.record_files import RecordWriter


def columns_of(settings: Settings, schema: str) -> tuple[str, ...]:
    """``seed``: the contract's required columns; ``extended``: every column."""
    if schema == "seed":
        return settings.contract.required
    if schema == "extended":
        return settings.contract.names
    raise ValueError(f"unknown schema {schema!r}; expected one of ['extended', 'seed']")


def write_seed_files(settings: Settings, root: Path, seed: int | None = None) -> GenerateResult:
    """Write ``root/seed/sales_<day>.<ext>``; the same seed gives the same bytes."""
    started = time.perf_counter()
    sampler = _sampler(settings, settings.seed if seed is None else seed)
    result = GenerateResult()
    (root / "seed").mkdir(parents=True, exist_ok=True)
    days = story.day_list(settings.seed_start, len(settings.seed_formats))
    for day, fmt in zip(days, settings.seed_formats, strict=True):
        writer = RecordWriter(root / "seed" / f"sales_{day}.{fmt}", fmt, settings.contract.names)
        records = sampler.orders(day, sampler.day_orders(day))
        writer.write(records)
        result.rows += len(records)
        result.bytes += writer.close()
        result.files.append(writer.path)
    result.seconds = time.perf_counter() - started
    return result


def generate(
    settings: Settings, options: GenerateOptions, progress: TextIO | None = None
) -> GenerateResult:
    """Write the files ``options`` describe (rows are sale lines) for a settings business."""
    started = time.perf_counter()
    columns = columns_of(settings, options.schema)
    days = story.day_list(options.start, options.days)
    weights = np.array([settings.weekday_factors[day.weekday()] for day in days])
    counts = story.allocate(options.rows, weights)
    per_file = max(counts) if options.daily else options.rows
    if options.fmt == "xlsx" and per_file > XLSX_MAX_ROWS:
        raise ValueError(f"an XLSX sheet holds at most {XLSX_MAX_ROWS:,} rows; use --daily")
    sampler = _sampler(settings, options.seed)
    options.out.mkdir(parents=True, exist_ok=True)
    result = GenerateResult()
    meter = Progress(options.rows, progress)
    writer: RecordWriter | None = None
    for day, count in zip(days, counts, strict=True):
        if writer is None or options.daily:
            _finish(writer, result)
            name = file_name(options.fmt, day, day if options.daily else days[-1])
            writer = RecordWriter(options.out / name, options.fmt, columns)
        for offset in range(0, count, CHUNK_ROWS):
            lines = sampler.lines(day, min(CHUNK_ROWS, count - offset))
            writer.write(lines)
            result.rows += len(lines)
            meter.update(result.rows)
    _finish(writer, result)
    result.seconds = time.perf_counter() - started
    return result


def _sampler(settings: Settings, seed: int) -> OrderSampler:
    return OrderSampler(settings, random.Random(seed), Counters(settings))


def _finish(writer: RecordWriter | None, result: GenerateResult) -> None:
    if writer is not None:
        result.bytes += writer.close()
        result.files.append(writer.path)
