"""Records (column → typed value) as CSV, JSON array, JSON Lines or XLSX, as tills export them.

Typed values are written the way each format holds them: CSV text (decimals with their
scale, ``true``/``false``, ISO-8601 times), JSON numbers, booleans and ISO-8601 strings, XLSX
number, boolean and date-time cells. Any other value (a deliberately broken one in the bad
corpus: text in a number column, an object, None) is written as it is. ``None`` is an
empty CSV field, a JSON ``null`` and an empty cell; a key absent from a record is absent from
its JSON object (CSV and XLSX take the header from the first record).
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from infra_scripts.sampledata import xlsx

Record = dict[str, Any]
FORMATS: tuple[str, ...] = ("csv", "json", "jsonl", "xlsx")


def csv_text(value: Any) -> str:
    """A value as CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def json_value(value: Any) -> Any:
    """A value as a JSON value (decimals as numbers, times as ISO-8601 strings)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def cell_value(value: Any) -> Any:
    """A value as an XLSX cell value."""
    return float(value) if isinstance(value, Decimal) else value


def csv_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    delimiter: str = ",",
    line_end: str = "\n",
) -> bytes:
    """CSV with minimal quoting (``\\n`` line ends unless told otherwise)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows([csv_text(v) for v in row] for row in rows)
    return buffer.getvalue().encode()


def json_object(record: Record) -> dict[str, Any]:
    """A record as a JSON object."""
    return {name: json_value(value) for name, value in record.items()}


def encode(records: list[Record], fmt: str, **csv_options: Any) -> bytes:
    """A whole small file of records; the header (CSV, XLSX) from the first record's keys."""
    header = list(records[0]) if records else []
    rows = ([r.get(c) for c in header] for r in records)
    if fmt == "csv":
        return csv_bytes(header, rows, **csv_options)
    if fmt == "json":
        objects = [json_object(r) for r in records]
        return json.dumps(objects, indent=2, ensure_ascii=False).encode()
    if fmt == "jsonl":
        return b"".join(_jsonl_line(r) for r in records)
    if fmt == "xlsx":
        buffer = io.BytesIO()
        xlsx.write_rows(buffer, header, ([cell_value(v) for v in row] for row in rows))
        return buffer.getvalue()
    raise ValueError(f"unknown format {fmt!r}; expected one of {list(FORMATS)}")


def _jsonl_line(record: Record) -> bytes:
    text = json.dumps(json_object(record), ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode()


class RecordWriter:
    """Streams records of fixed columns into one file; ``close()`` returns its size."""

    def __init__(self, path: Path, fmt: str, columns: tuple[str, ...]) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; expected one of {list(FORMATS)}")
        self.path, self.fmt, self.columns = path, fmt, columns
        self.rows = 0
        if fmt == "xlsx":
            self._workbook, self._sheet = xlsx.new_workbook()
            self._sheet.append(xlsx.header_cells(self._sheet, columns))
            return
        self._file: IO[bytes] = open(path, "wb")  # noqa: SIM115 - closed in close()
        if fmt == "csv":
            self._file.write(csv_bytes(columns, []))

    def write(self, records: list[Record]) -> None:
        """Append records (only the writer's columns are written)."""
        rows = [{name: record.get(name) for name in self.columns} for record in records]
        if self.fmt == "xlsx":
            for row in rows:
                self._sheet.append([cell_value(v) for v in row.values()])
        elif self.fmt == "csv":
            self._file.write(csv_bytes(self.columns, (r.values() for r in rows)).split(b"\n", 1)[1])
        elif self.fmt == "jsonl":
            self._file.write(b"".join(_jsonl_line(r) for r in rows))
        else:
            self._write_json_items(rows)
        self.rows += len(rows)

    def _write_json_items(self, rows: list[Record]) -> None:
        for offset, row in enumerate(rows):
            item = json.dumps(json_object(row), indent=2, ensure_ascii=False)
            self._file.write(b",\n" if self.rows + offset else b"[\n")
            self._file.write(textwrap.indent(item, "  ").encode())

    def close(self) -> int:
        """Finish the file; return its size in bytes."""
        if self.fmt == "xlsx":
            xlsx.save(self._workbook, self.path)
        else:
            if self.fmt == "json":
                self._file.write(b"\n]" if self.rows else b"[]")
            self._file.close()
        return self.path.stat().st_size
