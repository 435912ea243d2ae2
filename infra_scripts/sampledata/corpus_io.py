"""Small-file helpers for hand-made sample files: good records and format encoders.

Unlike the streaming writers these build whole (small) files in memory, which makes it easy
to damage one value, one line or one byte on purpose.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import numpy as np

from infra_scripts.sampledata import xlsx
from infra_scripts.sampledata.ids import TransactionIds
from infra_scripts.sampledata.rows import chunk_records, sample_chunk
from infra_scripts.sampledata.schema import EXTENDED_COLUMNS, SEED_COLUMNS

CORPUS_SEED = 6
CORPUS_DAY = date(2026, 11, 2)
Record = dict[str, Any]


def good_records(name: str, count: int, extended: bool = False) -> list[Record]:
    """``count`` valid rows, seeded by ``name`` so each file has its own stable rows."""
    seed = zlib.crc32(name.encode())
    rng = np.random.default_rng([CORPUS_SEED, seed])
    ids = TransactionIds(CORPUS_SEED * 2**32 + seed)
    chunk = sample_chunk(rng, count, CORPUS_DAY, 0, 1, ids, 0)
    return chunk_records(chunk, EXTENDED_COLUMNS if extended else SEED_COLUMNS)


def text_value(value: Any) -> str:
    """A value as CSV text: floats like the originals (``12.8``), None as empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_csv(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    delimiter: str = ",",
    line_end: str = "\n",
) -> str:
    """CSV text with minimal quoting."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows([text_value(v) for v in row] for row in rows)
    return buffer.getvalue()


def records_csv(records: list[Record], **kwargs: Any) -> str:
    """CSV text of records, the header taken from the first record's keys."""
    header = list(records[0])
    return to_csv(header, ([r.get(c) for c in header] for r in records), **kwargs)


def to_json(value: Any) -> str:
    """JSON formatted like the original files (indent 2, no final newline)."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def to_jsonl(values: Iterable[Any]) -> str:
    """JSON Lines: compact, one value per line."""
    return "".join(json.dumps(v, ensure_ascii=False, separators=(",", ":")) + "\n" for v in values)


def to_xlsx(header: Sequence[str] | None, rows: Iterable[Sequence[Any]]) -> bytes:
    """A reproducible one-sheet workbook."""
    buffer = io.BytesIO()
    xlsx.write_rows(buffer, header, rows)
    return buffer.getvalue()


def records_xlsx(records: list[Record]) -> bytes:
    """Workbook of records, header from the first record's keys."""
    header = list(records[0])
    return to_xlsx(header, ([r.get(c) for c in header] for r in records))
