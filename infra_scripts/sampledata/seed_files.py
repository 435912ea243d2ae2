"""The committed sample files: six seed-format files and three weeks of extended files.

``sample_data/seed/``: six daily files in the original format (2 CSV, 2 JSON, 2 XLSX, 100 rows
each), like the original bookstore files. ``sample_data/extended/``: 21 days x 3 stores with
the optional columns; each store's till exports its own format (S01 and S03 CSV, S02 JSON
Lines). Transaction ids are unique across all of them. Another business's seed files
(``contract="cafe"``) come from its settings (``till_files``).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import numpy as np

from infra_scripts.sampledata import business, story
from infra_scripts.sampledata.catalog import STORES
from infra_scripts.sampledata.generate import GenerateResult
from infra_scripts.sampledata.ids import TransactionIds
from infra_scripts.sampledata.rows import sample_chunk
from infra_scripts.sampledata.schema import EXTENDED_COLUMNS, SEED_COLUMNS
from infra_scripts.sampledata.writers import open_writer

DEFAULT_SEED = 2026
SEED_START = date(2026, 10, 26)
SEED_FORMATS: tuple[str, ...] = ("csv", "csv", "json", "json", "xlsx", "xlsx")
SEED_ROWS = 100
EXTENDED_START = date(2026, 11, 2)  # a Monday: three full weeks
EXTENDED_DAYS = 21
STORE_FORMATS: dict[str, str] = {"S01": "csv", "S02": "jsonl", "S03": "csv"}
STORE_BASE_ROWS = 120  # sale lines on an average day in a store of traffic 1.0
DAY_NOISE = 0.08


def write_seed_files(
    root: Path, seed: int | None = None, contract: str = business.SPECIALISED
) -> GenerateResult:
    """Write ``root/seed/*`` (and the bookstore's ``root/extended/*``); same seed, same bytes.

    ``seed`` defaults to the business's own (the bookstore's :data:`DEFAULT_SEED`).
    """
    if contract != business.SPECIALISED:
        from infra_scripts.sampledata import till_files  # imports generate, like this module

        return till_files.write_seed_files(business.load(contract), root, seed)
    seed = DEFAULT_SEED if seed is None else seed
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    ids = TransactionIds(seed)
    result = GenerateResult()
    (root / "seed").mkdir(parents=True, exist_ok=True)
    (root / "extended").mkdir(parents=True, exist_ok=True)

    for day, fmt in zip(story.day_list(SEED_START, len(SEED_FORMATS)), SEED_FORMATS, strict=True):
        writer = open_writer(root / "seed" / f"sales_{day}.{fmt}", fmt, SEED_COLUMNS)
        writer.write(sample_chunk(rng, SEED_ROWS, day, 0, 1, ids, result.rows))
        result.rows += SEED_ROWS
        result.bytes += writer.close()
        result.files.append(writer.path)

    weights = story.day_weights(EXTENDED_START, EXTENDED_DAYS)
    days = story.day_list(EXTENDED_START, EXTENDED_DAYS)
    for index, (day, weight) in enumerate(zip(days, weights, strict=True)):
        noise = rng.normal(1.0, DAY_NOISE, len(STORES))
        for store, (store_id, _, traffic) in enumerate(STORES):
            count = max(1, round(STORE_BASE_ROWS * traffic * weight * noise[store]))
            fmt = STORE_FORMATS[store_id]
            path = root / "extended" / f"sales_{day}_{store_id}.{fmt}"
            writer = open_writer(path, fmt, EXTENDED_COLUMNS)
            chunk = sample_chunk(rng, count, day, index, EXTENDED_DAYS, ids, result.rows, store)
            writer.write(chunk)
            result.rows += count
            result.bytes += writer.close()
            result.files.append(path)
    result.seconds = time.perf_counter() - started
    return result
