"""Stream the records of a sales file (CSV, JSON array, JSON Lines, XLSX) in bounded memory.

Standard library only (plus openpyxl for XLSX, imported when needed): the validation Lambda
and the Glue job read files through this module, so both see the same rows with the same
numbers. Rows are numbered from 1: CSV/XLSX data records after the header (blank rows
skipped, not counted), JSON array elements, non-blank JSON Lines.

A problem with the whole file raises :class:`FileProblem` with its reason code; a record
with a bad shape is yielded with ``shape`` set (``WRONG_FIELD_COUNT``,
``MALFORMED_JSON_LINE``, ``INVALID_RECORD``).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

from pipeline_src.schema import NESTED, Schema, deployed, normalise_column_name

FORMATS = ("csv", "json", "jsonl", "xlsx")
CHUNK_BYTES = 1 << 16
MAX_RECORD_CHARS = 16 << 20  # one record (line, CSV field, JSON element) at most 16 Mi chars
RAW_EXCERPT_CHARS = 2048  # how much of a bad record's text is kept for the rejects file
DELIMITERS = (",", ";", "\t")
_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
_LINE_END = re.compile(r"\r\n|\r|\n")


class FileProblem(Exception):
    """The whole file is rejected with ``code`` (a file-level reason code)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Record(NamedTuple):
    """One data record: its number, its values (normalised column → text/None/NESTED)."""

    row: int
    values: dict[str, Any]
    shape: str | None = None  # a record-shape reason code
    raw: str | None = None  # the record's text when its shape is wrong


def detect_format(key: str) -> str:
    """The format named by the key's extension (case-insensitive)."""
    name = key.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in FORMATS:
        shown = f".{extension}" if extension else "no extension"
        raise FileProblem(
            "UNSUPPORTED_FORMAT",
            f"{name}: {shown} is not a supported format; upload .csv, .json, .jsonl or .xlsx "
            f"(uncompressed)",
        )
    return extension


class SalesFile:
    """The records of one file; ``columns`` (names as matched) is known after the header."""

    def __init__(self, stream: IO[bytes], fmt: str, schema: Schema | None = None) -> None:
        self.stream = stream
        self.format = fmt
        self.schema = schema or deployed()
        self.columns: list[str] = []
        self.delimiter: str | None = None

    def records(self) -> Iterator[Record]:
        readers = {
            "csv": self._csv,
            "json": self._json_array,
            "jsonl": self._json_lines,
            "xlsx": self._xlsx,
        }
        return readers[self.format]()

    # --- CSV ----------------------------------------------------------------------------

    def _csv(self) -> Iterator[Record]:
        lines = _lines(_text_chunks(self.stream))
        header_line = next((line for line in lines if line.strip()), None)
        if header_line is None:
            raise FileProblem("EMPTY_FILE", "the file is empty")
        self.delimiter = detect_delimiter(header_line)
        csv.field_size_limit(MAX_RECORD_CHARS)
        reader = csv.reader(_chain(header_line, lines), delimiter=self.delimiter, strict=False)
        try:
            header = next(reader)
            index = self._set_columns(header)
            row = 0
            for fields in reader:
                if all(not field.strip(" ") for field in fields):
                    continue  # blank line or all-empty row: skipped, not counted
                row += 1
                if len(fields) != len(header):
                    raw = self.delimiter.join(fields)[:RAW_EXCERPT_CHARS]
                    yield Record(row, {}, "WRONG_FIELD_COUNT", raw)
                    continue
                yield Record(row, {column: fields[i] for column, i in index.items()})
        except csv.Error as exc:
            raise FileProblem("UNREADABLE_FILE", f"the CSV cannot be read: {exc}") from exc
        if row == 0:
            raise FileProblem("HEADER_ONLY", "the file has a header but no data rows")

    def _set_columns(self, header: list[Any]) -> dict[str, int]:
        """Match the header; the index of each known column. Raises for a bad header."""
        names = [normalise_column_name(name) for name in header]
        self.columns = names
        duplicates = sorted({n for n in names if n and names.count(n) > 1})
        if duplicates:
            raise FileProblem(
                "DUPLICATE_COLUMNS", f"the header repeats the column(s) {', '.join(duplicates)}"
            )
        missing = [column for column in self.schema.required if column not in names]
        if missing:
            raise FileProblem(
                "MISSING_COLUMNS",
                f"the header lacks the required column(s) {', '.join(missing)} "
                f"(found: {', '.join(n for n in names if n) or 'none'})",
            )
        return {name: i for i, name in enumerate(names) if name in self.schema.columns}

    # --- JSON -----------------------------------------------------------------------------

    def _json_array(self) -> Iterator[Record]:
        text = _JsonText(_text_chunks(self.stream))
        first = text.skip_whitespace()
        if first == "":
            raise FileProblem("EMPTY_FILE", "the file is empty")
        if first != "[":
            if first in '{"-0123456789tfn':
                raise FileProblem(
                    "NOT_A_JSON_ARRAY", "the JSON file is not an array of sales records"
                )
            raise FileProblem("MALFORMED_JSON", "the file is not valid JSON")
        text.advance(1)
        tracker = _KeyTracker(self.schema.required)
        row = 0
        if text.skip_whitespace() == "]":
            text.advance(1)
        else:
            while True:
                value = text.decode_value()
                row += 1
                yield tracker.record(row, value)
                following = text.skip_whitespace()
                if following == ",":
                    text.advance(1)
                    continue
                if following == "]":
                    text.advance(1)
                    break
                raise FileProblem(
                    "MALFORMED_JSON",
                    f"the JSON array is malformed after element {row} "
                    f"({'it ends too early' if following == '' else 'expected , or ]'})",
                )
        if text.skip_whitespace() != "":
            raise FileProblem("MALFORMED_JSON", "there is text after the JSON array")
        if row == 0:
            raise FileProblem("EMPTY_FILE", "the JSON array is empty")
        self.columns = tracker.columns
        tracker.check_required()

    def _json_lines(self) -> Iterator[Record]:
        tracker = _KeyTracker(self.schema.required)
        row = 0
        for line in _lines(_text_chunks(self.stream)):
            if not line.strip():
                continue
            row += 1
            try:
                value, end = _DECODER.raw_decode(line, len(line) - len(line.lstrip()))
                if line[end:].strip():
                    raise ValueError("extra data")
            except ValueError:
                yield Record(
                    row, {}, "MALFORMED_JSON_LINE", line.rstrip("\r\n")[:RAW_EXCERPT_CHARS]
                )
                continue
            yield tracker.record(row, value)
        if row == 0:
            raise FileProblem("EMPTY_FILE", "the file is empty")
        self.columns = tracker.columns
        tracker.check_required()

    # --- XLSX -----------------------------------------------------------------------------

    def _xlsx(self) -> Iterator[Record]:
        import zipfile

        import openpyxl  # bundled with the Lambda; passed to Glue as a job module

        try:
            workbook = openpyxl.load_workbook(self.stream, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
            raise FileProblem(
                "UNREADABLE_FILE", f"the file is not an Excel workbook (.xlsx): {exc}"
            ) from exc
        except Exception as exc:  # openpyxl's own errors (InvalidFileException, ...)
            raise FileProblem(
                "UNREADABLE_FILE", f"the workbook cannot be read: {type(exc).__name__}: {exc}"
            ) from exc
        try:
            yield from self._sheet_records(workbook.worksheets[0])
        finally:
            workbook.close()

    def _sheet_records(self, sheet: Any) -> Iterator[Record]:
        rows = sheet.iter_rows(min_row=1, values_only=True)
        header = next(rows, None)
        if header is None or _blank_cells(header):
            if header is None or all(_blank_cells(cells) for cells in rows):
                raise FileProblem("EMPTY_FILE", "the first sheet has no cells")
            raise FileProblem("MISSING_COLUMNS", "the first row of the first sheet is empty")
        index = self._set_columns([_cell_text(cell) or "" for cell in header])
        row = 0
        for cells in rows:
            if _blank_cells(cells):
                continue
            row += 1
            texts = [_cell_text(cell) for cell in cells]
            yield Record(row, {c: texts[i] if i < len(texts) else None for c, i in index.items()})
        if row == 0:
            raise FileProblem("HEADER_ONLY", "the first sheet has a header but no data rows")


def _blank_cells(cells: tuple[Any, ...]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip(" ")) for cell in cells)


def detect_delimiter(header_line: str) -> str:
    """The most frequent of comma, semicolon and tab in the header (ties in that order)."""
    counts = [(header_line.count(d), -i, d) for i, d in enumerate(DELIMITERS)]
    count, _, delimiter = max(counts)
    if count == 0:
        raise FileProblem(
            "DELIMITER_NOT_DETECTED",
            "the CSV header has no comma, semicolon or tab between its column names",
        )
    return delimiter


def _cell_text(cell: Any) -> str | None:
    """An XLSX cell value as text (numbers as Excel shows them, 15 significant digits)."""
    if cell is None or isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        return format(cell, ".15g")
    if isinstance(cell, (dt.datetime, dt.date, dt.time)):
        return cell.isoformat()
    return str(cell)


# --- text decoding ------------------------------------------------------------------------


def _text_chunks(stream: IO[bytes]) -> Iterator[str]:
    """Decode a UTF-8 byte stream chunk by chunk; reject other encodings and binary data."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    first = True
    while True:
        chunk = stream.read(CHUNK_BYTES)
        if first:
            first = False
            for bom, name in _OTHER_BOMS:
                if chunk.startswith(bom):
                    raise FileProblem(
                        "UNSUPPORTED_ENCODING", f"the text is {name}; save it as UTF-8"
                    )
            if chunk.startswith(_UTF8_BOM):
                chunk = chunk[len(_UTF8_BOM) :]
        if not chunk:
            break
        if b"\x00" in chunk:
            if _looks_utf16(chunk):
                raise FileProblem("UNSUPPORTED_ENCODING", "the text is UTF-16; save it as UTF-8")
            raise FileProblem("UNREADABLE_FILE", "the file holds binary data (NUL bytes), not text")
        try:
            yield decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise FileProblem(
                "UNSUPPORTED_ENCODING",
                f"the text is not UTF-8 (byte 0x{chunk[exc.start]:02x}); save it as UTF-8",
            ) from exc
    try:
        yield decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise FileProblem("UNSUPPORTED_ENCODING", "the text ends inside a UTF-8 character") from exc


def _looks_utf16(chunk: bytes) -> bool:
    """Most NULs on one parity: ASCII text encoded as UTF-16 without a byte-order mark."""
    even, odd = chunk[0::2].count(0), chunk[1::2].count(0)
    return max(even, odd) > len(chunk) // 4 and min(even, odd) < max(even, odd) // 10


def _lines(chunks: Iterator[str]) -> Iterator[str]:
    """Lines with their endings (LF, CRLF or CR), each at most MAX_RECORD_CHARS long."""
    pending = ""
    for chunk in chunks:
        pending += chunk
        start = 0
        for match in _LINE_END.finditer(pending):
            if match.group() == "\r" and match.end() == len(pending):
                break  # maybe the CR of a CRLF split across chunks
            yield pending[start : match.end()]
            start = match.end()
        pending = pending[start:]
        if len(pending) > MAX_RECORD_CHARS:
            raise FileProblem(
                "UNREADABLE_FILE", f"a line is longer than {MAX_RECORD_CHARS:,} characters"
            )
    if pending:
        yield pending


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


# --- JSON ---------------------------------------------------------------------------------


class _Object(list):  # type: ignore[type-arg]
    """A JSON object as its (key, value) pairs, told apart from a JSON array."""


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    return _Object(pairs)


# Numbers keep their text: a JSON 27.14 and "27.14" are validated alike, never via float.
_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_float=str, parse_int=str, parse_constant=str
)


def _json_scalar(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return NESTED  # an object or array


class _KeyTracker:
    """Turns JSON values into records and remembers which columns appeared at all."""

    def __init__(self, required: tuple[str, ...]) -> None:
        self.columns: list[str] = []
        self.required = required
        self._seen: set = set()

    def record(self, row: int, value: Any) -> Record:
        if not isinstance(value, _Object):
            return Record(row, {}, "INVALID_RECORD", json.dumps(value)[:RAW_EXCERPT_CHARS])
        values: dict[str, Any] = {}
        for key, item in value:
            name = normalise_column_name(key)
            if name in values:
                raw = json.dumps(dict(value))[:RAW_EXCERPT_CHARS]
                return Record(row, {}, "INVALID_RECORD", raw)
            values[name] = _json_scalar(item)
            if name not in self._seen:
                self._seen.add(name)
                self.columns.append(name)
        return Record(row, values)

    def check_required(self) -> None:
        missing = [c for c in self.required if c not in self._seen]
        if missing:
            raise FileProblem(
                "MISSING_COLUMNS", f"no record has the required key(s) {', '.join(missing)}"
            )


class _JsonText:
    """A sliding window over decoded text for an incremental JSON array parser."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self._buffer = ""
        self._pos = 0
        self._eof = False

    def _more(self) -> bool:
        if self._eof:
            return False
        for chunk in self._chunks:
            if chunk:
                self._buffer = self._buffer[self._pos :] + chunk
                self._pos = 0
                return True
        self._eof = True
        return False

    def skip_whitespace(self) -> str:
        """Skip whitespace; the next character ("" at the end of the text)."""
        while True:
            while self._pos < len(self._buffer) and self._buffer[self._pos] in " \t\r\n":
                self._pos += 1
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._more():
                return ""

    def advance(self, count: int) -> None:
        self._pos += count

    def decode_value(self) -> Any:
        """Decode the next JSON value, reading more text until it is complete."""
        self.skip_whitespace()
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buffer, self._pos)
            except ValueError as exc:
                if self._more():
                    self._check_size()
                    continue
                raise FileProblem("MALFORMED_JSON", f"the file is not valid JSON: {exc}") from exc
            if end == len(self._buffer) and not self._eof and self._more():
                continue  # a number or literal may go on in the next chunk
            self._pos = end
            return value

    def _check_size(self) -> None:
        if len(self._buffer) - self._pos > MAX_RECORD_CHARS:
            raise FileProblem(
                "MALFORMED_JSON", f"a JSON record is longer than {MAX_RECORD_CHARS:,} characters"
            )


def open_text(data: bytes) -> IO[bytes]:
    """A byte stream over ``data`` (for tests and small files)."""
    return io.BytesIO(data)
