"""Streaming file writers: each takes chunks and keeps no rows in memory."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Protocol

from infra_scripts.sampledata import render, xlsx
from infra_scripts.sampledata.rows import Chunk, chunk_records


class SalesWriter(Protocol):
    """Writes chunks of rows to one file."""

    path: Path

    def write(self, chunk: Chunk) -> None: ...

    def close(self) -> int:
        """Finish the file; return its size in bytes."""
        ...


class _TextWriter:
    """Base of the text formats: an open binary file and a row count."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        self.path = path
        self.columns = columns
        self.rows = 0
        self._file: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed in close()

    def _finish(self) -> None:
        """Write the file's tail (nothing by default)."""

    def close(self) -> int:
        self._finish()
        self._file.close()
        return self.path.stat().st_size


class CsvWriter(_TextWriter):
    """CSV like the originals: header line, ``\\n`` line ends, minimal quoting."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        super().__init__(path, columns)
        self._file.write((",".join(columns) + "\n").encode())

    def write(self, chunk: Chunk) -> None:
        self._file.write(render.array_bytes(render.csv_rows(chunk, self.columns)))
        self.rows += len(chunk)


class JsonArrayWriter(_TextWriter):
    """A top-level JSON array byte-identical to ``json.dumps(rows, indent=2)``."""

    def write(self, chunk: Chunk) -> None:
        data = render.array_bytes(render.json_array_items(chunk, self.columns))
        # Items start with ",\n"; the very first item starts the array instead.
        self._file.write(b"[\n" + bytes(data[2:]) if self.rows == 0 else data)
        self.rows += len(chunk)

    def _finish(self) -> None:
        self._file.write(b"\n]" if self.rows else b"[]")


class JsonLinesWriter(_TextWriter):
    """JSON Lines: one compact object per line."""

    def write(self, chunk: Chunk) -> None:
        self._file.write(render.array_bytes(render.jsonl_rows(chunk, self.columns)))
        self.rows += len(chunk)


class XlsxWriter:
    """XLSX through openpyxl's write-only mode (rows stream to a temporary sheet file)."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        self.path = path
        self.columns = columns
        self._workbook, self._sheet = xlsx.new_workbook()
        self._sheet.append(xlsx.header_cells(self._sheet, columns))

    def write(self, chunk: Chunk) -> None:
        for record in chunk_records(chunk, self.columns):
            self._sheet.append(list(record.values()))

    def close(self) -> int:
        xlsx.save(self._workbook, self.path)
        return self.path.stat().st_size


_WRITERS = {"csv": CsvWriter, "json": JsonArrayWriter, "jsonl": JsonLinesWriter, "xlsx": XlsxWriter}


def open_writer(path: Path, fmt: str, columns: tuple[str, ...]) -> SalesWriter:
    """Open a writer for a format: csv, json, jsonl or xlsx."""
    try:
        writer_class = _WRITERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; expected one of {sorted(_WRITERS)}") from None
    return writer_class(path, columns)
