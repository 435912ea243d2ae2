"""Transform one sales file into typed Parquet partitions and a rejects file (pyarrow).

Two ways in, one way out:

- **CSV fast path**: pyarrow's multi-threaded CSV reader in batches. Low-cardinality columns
  are read dictionary-encoded and each *distinct* value is checked once with the same pure
  rules as the validator (:func:`pipeline_src.schema.check_value`); transaction ids are
  checked with a vectorised regex (the few that fail are checked exactly). Rows that fail go
  through :func:`pipeline_src.schema.check_row` for their exact reason code.
- **Record path** (JSON, JSON Lines, XLSX, and any CSV the fast path cannot read exactly:
  ragged rows, a header spanning lines, ...): the validator's own record reader and checks.

Both give the same rows with the same numbers; accepted rows are de-duplicated by
transaction_id (first kept), and written per genre with lineage columns. Memory stays
bounded: one batch at a time plus at most ``MIN_ROWS_PER_GROUP`` buffered rows per genre.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import queue
import re
import threading
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipeline_src import naming
from pipeline_src.dedup import SeenIds
from pipeline_src.etl.table import (
    BATCH_SCHEMA,
    DATA_FIELDS,
    FILE_SCHEMA,
    MIN_ROWS_PER_GROUP,
    PARTITION_COLUMN,
)
from pipeline_src.readers import FileProblem, detect_delimiter
from pipeline_src.schema import (
    COLUMNS,
    FORMULA_PREFIXES,
    REQUIRED_COLUMNS,
    check_row,
    check_value,
    normalise_column_name,
    row_message,
)
from pipeline_src.validation import checked_rows, open_sales_file

CSV_BLOCK_BYTES = 4 << 20
READ_AHEAD = 2  # parsed CSV batches waiting for the checks
READ_AHEAD_STOP_S = 30.0  # wait for the read-ahead thread to end (a daemon thread after)
READ_AHEAD_WAIT_S = 300.0  # one CSV block (4 MiB) takes milliseconds to parse
WRITER_THREADS = 2
RECORD_BATCH_ROWS = 50_000
# Dictionary pages only where values repeat, min/max statistics where queries filter: both
# cost time on unique text such as transaction_id.
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "snappy",
    # No ARROW:schema in the files: they are written with dictionary-typed lineage columns
    # (see WRITE_SCHEMA), and without it every reader sees exactly FILE_SCHEMA's types.
    "store_schema": False,
    "use_dictionary": [
        "title",
        "price",
        "age_group",
        "book_id",
        "store_id",
        "quantity",
        "payment_method",
        "sale_date",
        "source_key",
        "source_version",
        "ingested_at",
        "load_id",
    ],
    "write_statistics": [
        "price",
        "age_group",
        "sold_at",
        "store_id",
        "quantity",
        "sale_date",
        "source_row",
        "ingested_at",
    ],
}
# The lineage columns are one value per row group (sale_date: a few): handed to the Parquet
# writer already dictionary-encoded, it writes them without hashing every row (~1/3 of the
# encoding time of the seed format's files).
_DICTIONARY_LINEAGE = ("sale_date", "source_key", "source_version", "ingested_at", "load_id")
WRITE_SCHEMA = pa.schema(
    [
        pa.field(f.name, pa.dictionary(pa.int32(), f.type)) if f.name in _DICTIONARY_LINEAGE else f
        for f in FILE_SCHEMA
    ]
)
_TYPES = {field.name: field.type for field in (*DATA_FIELDS, BATCH_SCHEMA.field("genre"))}
_TRANSACTION_ID = r"^T[0-9]{8}$"
REJECT_COLUMNS = ("row", "reason_code", "reason", "column", *COLUMNS, "record")


class SourceInfo(NamedTuple):
    """The uploaded object the rows come from, and the load that writes them."""

    bucket: str
    key: str
    version_id: str
    uploaded_at: dt.datetime
    load_id: str = ""


class Rejected(NamedTuple):
    row: int
    code: str
    column: str | None
    values: dict[str, Any]
    raw: str | None = None


class Batch(NamedTuple):
    """Accepted rows per genre (``BATCH_SCHEMA`` less genre), rejected rows, rows read."""

    groups: dict[str, pa.Table]
    rejected: list[Rejected]
    rows_read: int


class TransformResult(NamedTuple):
    files: dict[str, str]  # genre → local Parquet path
    rejects_path: str | None
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rejected_by_reason: dict[str, int]
    duplicates_dropped: int
    rows_by_genre: dict[str, int]
    fast_path: bool
    date_source: str


class FastPathUnavailable(Exception):
    """The CSV is valid but needs the exact record reader (ragged rows, odd header, ...)."""


# --- the transform ----------------------------------------------------------------------------


def transform_file(
    path: str,
    fmt: str,
    source: SourceInfo,
    out_dir: str,
    *,
    ingested_at: dt.datetime | None = None,
) -> TransformResult:
    """Transform the local file ``path`` (format ``fmt``) into ``out_dir``."""
    ingested_at = ingested_at or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    fallback_date, date_source = default_sale_date(source)
    fast = fmt == "csv"
    if fast:
        try:
            return _run(
                _csv_fast_batches(path),
                source,
                out_dir,
                ingested_at,
                fallback_date,
                True,
                date_source,
            )
        except FastPathUnavailable:
            fast = False
    return _run(
        _record_batches(path, fmt), source, out_dir, ingested_at, fallback_date, False, date_source
    )


def default_sale_date(source: SourceInfo) -> tuple[dt.date, str]:
    """The sale date of rows without sold_at: the date in the key, else the upload date."""
    in_key = naming.date_in_key(source.key)
    if in_key is not None:
        return in_key, "key"
    return source.uploaded_at.date(), "upload"


def _run(
    batches: Iterator[Batch],
    source: SourceInfo,
    out_dir: str,
    ingested_at: dt.datetime,
    fallback_date: dt.date,
    fast: bool,
    date_source: str,
) -> TransformResult:
    os.makedirs(out_dir, exist_ok=True)
    writer = PartitionWriter(out_dir, source, ingested_at, fallback_date)
    rejects = RejectWriter(os.path.join(out_dir, "rejects.csv"))
    rows_read = 0
    by_reason: dict[str, int] = {}
    try:
        for batch in batches:
            rows_read += batch.rows_read
            writer.write(batch.groups)
            rejects.write(batch.rejected)
            for rejected in batch.rejected:
                by_reason[rejected.code] = by_reason.get(rejected.code, 0) + 1
    except BaseException:
        writer.abort()
        rejects.abort()
        raise
    files = writer.close()
    rejects.close()
    rows_rejected = sum(by_reason.values())
    return TransformResult(
        files=files,
        rejects_path=rejects.path if rows_rejected else None,
        rows_read=rows_read,
        rows_accepted=sum(writer.rows_by_genre.values()),
        rows_rejected=rows_rejected,
        rejected_by_reason=by_reason,
        duplicates_dropped=by_reason.get("DUPLICATE_TRANSACTION_ID", 0),
        rows_by_genre=dict(writer.rows_by_genre),
        fast_path=fast,
        date_source=date_source,
    )


# --- record path (any format) -------------------------------------------------------------


def _record_batches(path: str, fmt: str) -> Iterator[Batch]:
    with open(path, "rb") as stream:
        sales = open_sales_file(stream, fmt)
        columns: dict[str, list[Any]] = {name: [] for name in BATCH_SCHEMA.names}
        rejected: list[Rejected] = []
        rows = 0
        for checked in checked_rows(sales.records()):
            rows += 1
            if checked.code is not None:
                record = checked.record
                rejected.append(
                    Rejected(checked.row, checked.code, checked.column, record.values, record.raw)
                )
            else:
                for name in COLUMNS:
                    columns[name].append(checked.values.get(name))
                columns["source_row"].append(checked.row)
            if rows >= RECORD_BATCH_ROWS:
                yield Batch(group_by_genre(_table(columns)), rejected, rows)
                columns = {name: [] for name in BATCH_SCHEMA.names}
                rejected, rows = [], 0
        yield Batch(group_by_genre(_table(columns)), rejected, rows)


def group_by_genre(table: pa.Table) -> dict[str, pa.Table]:
    """Split a ``BATCH_SCHEMA`` table by genre (the genre column removed)."""
    if table.num_rows == 0:
        return {}
    genres = pc.dictionary_encode(table.column(PARTITION_COLUMN)).combine_chunks()
    codes = genres.indices.to_numpy()
    data = table.drop_columns([PARTITION_COLUMN])
    return {
        genre: data.take(pa.array(np.flatnonzero(codes == code)))
        for code, genre in enumerate(genres.dictionary.to_pylist())
    }


def _table(columns: dict[str, list[Any]]) -> pa.Table:
    return pa.table(
        [pa.array(columns[field.name], field.type) for field in BATCH_SCHEMA], schema=BATCH_SCHEMA
    )


# --- CSV fast path ------------------------------------------------------------------------


class _Header(NamedTuple):
    delimiter: str
    names: list[str]  # normalised, one per file column


def read_header(path: str) -> _Header:
    """The header of a CSV the fast path can read: first line, no quotes, known delimiter."""
    with open(path, "rb") as stream:
        line = stream.readline(1 << 20)
    text = line.decode("utf-8-sig", errors="strict").rstrip("\r\n")
    if not text.strip() or '"' in text or len(line) >= 1 << 20:
        raise FastPathUnavailable("the header is not a plain first line")
    delimiter = detect_delimiter(text)
    names = [normalise_column_name(name) for name in text.split(delimiter)]
    named = [n for n in names if n]
    if len(set(named)) != len(named) or any(c not in names for c in REQUIRED_COLUMNS):
        raise FileProblem("MISSING_COLUMNS", "the header does not match the sales columns")
    return _Header(delimiter, names)


class _ValueCache:
    """Per column, each distinct raw text checked once: ok, typed value and empty flags."""

    def __init__(self, column: str) -> None:
        self.column = column
        self.known = column in _TYPES
        self._raw: list[str] = []
        self._ok: list[bool] = []
        self._values: list[Any] = []
        self._empty: list[bool] = []
        self._arrays: tuple[pa.Array, np.ndarray, pa.Array, np.ndarray] | None = None

    def verdicts(self, dictionary: pa.Array) -> tuple[np.ndarray, pa.Array, np.ndarray]:
        """For each dictionary entry: ok (numpy), typed value (Arrow), empty (numpy)."""
        raw_array = self._state()[0]
        position = pc.index_in(dictionary, value_set=raw_array)
        if position.null_count:
            new = dictionary.filter(pc.is_null(position)).to_pylist()
            for raw in new:
                self._add(raw)
            self._arrays = None
            raw_array = self._state()[0]
            position = pc.index_in(dictionary, value_set=raw_array)
        _, ok, values, empty = self._state()
        where = position.to_numpy(zero_copy_only=False)
        return ok[where], values.take(position), empty[where]

    def _add(self, raw: str) -> None:
        if self.known:
            check = check_value(self.column, raw)
            self._ok.append(check.code is None)
            self._values.append(check.value)
        else:
            self._ok.append(True)
            self._values.append(None)
        self._raw.append(raw)
        self._empty.append(not raw.strip(" "))

    def _state(self) -> tuple[pa.Array, np.ndarray, pa.Array, np.ndarray]:
        if self._arrays is None:
            self._arrays = (
                pa.array(self._raw, pa.string()),
                np.array(self._ok, dtype=bool),
                pa.array(self._values, _TYPES.get(self.column, pa.null())),
                np.array(self._empty, dtype=bool),
            )
        return self._arrays


class _GenreCodes:
    """A small integer per canonical genre, stable across batches."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._codes: dict[str, int] = {}

    def codes(self, canonical: pa.Array) -> np.ndarray:
        out = np.zeros(len(canonical), dtype=np.int32)
        for i, name in enumerate(canonical.to_pylist()):
            if name is None:
                continue
            if name not in self._codes:
                self._codes[name] = len(self.names)
                self.names.append(name)
            out[i] = self._codes[name]
        return out


class _FastState:
    def __init__(self, header: _Header) -> None:
        self.header = header
        self.caches = {name: _ValueCache(name) for name in header.names if name}
        self.genres = _GenreCodes()
        self.bitmap = np.frombuffer(SeenIds().bits, dtype=np.uint8)
        self.next_row = 1


def _csv_fast_batches(path: str) -> Iterator[Batch]:
    state = _FastState(read_header(path))
    try:
        for record_batch in _read_ahead(_open_csv(path, state.header)):
            batch = _fast_batch(record_batch, state)
            if batch.rows_read:
                yield batch
    except pa.ArrowInvalid as exc:  # ragged rows, a field beyond the block size, ...
        raise FastPathUnavailable(str(exc)) from exc


def _read_ahead(reader: pacsv.CSVStreamingReader) -> Iterator[pa.RecordBatch]:
    """The reader's batches, parsed on a thread of their own while the caller checks the
    previous ones (pyarrow releases the GIL while it parses). At most ``READ_AHEAD`` parsed
    batches wait; the reader's errors are raised here, in order."""
    ready: queue.Queue[pa.RecordBatch | BaseException | None] = queue.Queue(READ_AHEAD)
    stop = threading.Event()

    def offer(item: pa.RecordBatch | BaseException | None) -> bool:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                ready.put(item, timeout=0.1)
                return True
        return False

    def parse() -> None:
        try:
            for record_batch in reader:
                if not offer(record_batch):
                    return
            offer(None)
        except BaseException as exc:  # handed to the consumer
            offer(exc)

    thread = threading.Thread(target=parse, name="csv-read-ahead", daemon=True)
    thread.start()
    try:
        while (item := _next_parsed(ready)) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()  # the consumer stopped early (an error): let the thread end
        thread.join(READ_AHEAD_STOP_S)  # it ends once the block it parses is done


def _next_parsed(ready: queue.Queue) -> Any:
    try:
        return ready.get(timeout=READ_AHEAD_WAIT_S)
    except queue.Empty:
        raise RuntimeError(
            f"the CSV reader parsed nothing for {READ_AHEAD_WAIT_S:g} s (is the machine "
            "overloaded, or the file on a stalled disk?); the job can be retried"
        ) from None


def _open_csv(path: str, header: _Header) -> pacsv.CSVStreamingReader:
    """pyarrow's streaming reader: every column as (dictionary-encoded) text."""
    names = [f"c{i}" for i in range(len(header.names))]
    dictionary = pa.dictionary(pa.int32(), pa.string())
    types = {name: dictionary for name in names}
    types[names[header.names.index("transaction_id")]] = pa.string()
    return pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            column_names=names, skip_rows=1, block_size=CSV_BLOCK_BYTES, use_threads=True
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=header.delimiter, newlines_in_values=True, ignore_empty_lines=True
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )


def _fast_batch(record_batch: pa.RecordBatch, state: _FastState) -> Batch:
    count = record_batch.num_rows
    ok = np.ones(count, dtype=bool)
    empty = np.ones(count, dtype=bool)
    typed: dict[str, tuple[pa.Array, np.ndarray]] = {}  # dictionary values, row → entry
    raw_columns: dict[str, pa.Array] = {}
    tid_rescued: dict[int, Any] = {}
    for i, name in enumerate(state.header.names):
        column = record_batch.column(i)
        if name == "transaction_id":
            raw_columns[name] = column
            tid_ok = pc.match_substring_regex(column, _TRANSACTION_ID).to_numpy(
                zero_copy_only=False
            )
            tid_empty = np.zeros(count, dtype=bool)
            for index in np.flatnonzero(~tid_ok):
                raw = column[int(index)].as_py()
                check = check_value(name, raw)
                tid_ok[index] = check.code is None
                tid_empty[index] = not raw.strip(" ")
                if check.code is None and check.value != raw:
                    tid_rescued[int(index)] = check.value
            ok &= tid_ok
            empty &= tid_empty
            continue
        if not name:
            name = f"#{i}"  # an unnamed column: only its emptiness matters
        cache = state.caches.setdefault(name, _ValueCache(name))
        entry_ok, values, entry_empty = cache.verdicts(column.dictionary)
        indices = column.indices.to_numpy(zero_copy_only=False)
        empty &= entry_empty[indices]
        if cache.known:
            raw_columns[name] = column
            ok &= entry_ok[indices]
            typed[name] = (values, indices)
    keep = np.flatnonzero(~empty)  # all-empty rows are skipped and not numbered
    rows = np.zeros(count, dtype=np.int64)
    rows[keep] = np.arange(state.next_row, state.next_row + len(keep), dtype=np.int64)
    state.next_row += len(keep)
    good = np.flatnonzero(ok & ~empty)
    rejected = [
        _reject_from(raw_columns, int(i), int(rows[i]), exact=True)
        for i in np.flatnonzero(~ok & ~empty)
    ]
    tid = raw_columns["transaction_id"]
    if tid_rescued:
        mask = np.zeros(count, dtype=bool)
        mask[list(tid_rescued)] = True
        tid = pc.replace_with_mask(tid, pa.array(mask), pa.array(list(tid_rescued.values())))
    duplicate = _mark_duplicates(tid.take(pa.array(good)), state.bitmap)
    for i in good[duplicate]:
        rejected.append(_reject_from(raw_columns, int(i), int(rows[i]), exact=False))
    rejected.sort(key=lambda r: r.row)
    accepted = good[~duplicate]
    genre_values, genre_indices = typed.pop("genre")
    genre_codes = state.genres.codes(genre_values)[genre_indices[accepted]]
    order = np.argsort(genre_codes.astype(np.int16), kind="stable")
    final = accepted[order]
    final_index = pa.array(final)
    arrays = []
    for field in BATCH_SCHEMA:
        if field.name == "transaction_id":
            arrays.append(tid.take(final_index))
        elif field.name == "source_row":
            arrays.append(pa.array(rows[final], pa.int64()))
        elif field.name == PARTITION_COLUMN:
            arrays.append(pa.nulls(len(final), pa.string()))  # the groups carry the genre
        elif field.name in typed:
            values, indices = typed[field.name]
            arrays.append(values.take(pa.array(indices[final])))
        else:
            default = 1 if field.name == "quantity" else None
            arrays.append(
                pa.array(np.full(len(final), default), field.type)
                if default
                else pa.nulls(len(final), field.type)
            )
    table = pa.Table.from_arrays(arrays, schema=BATCH_SCHEMA).drop_columns([PARTITION_COLUMN])
    groups: dict[str, pa.Table] = {}
    counts = np.bincount(genre_codes, minlength=len(state.genres.names))
    offset = 0
    for code, size in enumerate(counts):
        if size:
            groups[state.genres.names[code]] = table.slice(offset, int(size))
            offset += int(size)
    return Batch(groups, rejected, len(keep))


def _reject_from(raw_columns: dict[str, pa.Array], index: int, row: int, exact: bool) -> Rejected:
    values = {name: column[index].as_py() for name, column in raw_columns.items()}
    if not exact:
        return Rejected(row, "DUPLICATE_TRANSACTION_ID", "transaction_id", values)
    verdict = check_row(values)
    if verdict.code is None:  # cannot happen: the fast checks are the same rules
        raise AssertionError(f"row {row} failed a fast check but passes check_row")
    return Rejected(row, verdict.code, verdict.column, values)


def _mark_duplicates(transaction_ids: pa.Array, bitmap: np.ndarray) -> np.ndarray:
    """Which ids were seen before (earlier batch, or earlier in this one); marks the rest."""
    if len(transaction_ids) == 0:
        return np.zeros(0, dtype=bool)
    ids = pc.cast(pc.utf8_slice_codeunits(transaction_ids, 1), pa.int32()).to_numpy()
    duplicate = ((bitmap[ids >> 3] >> (ids & 7).astype(np.uint8)) & 1).astype(bool)
    fresh = np.sort(ids)
    if (fresh[1:] == fresh[:-1]).any():  # repeats inside the batch: keep the first
        _, first = np.unique(ids, return_index=True)
        repeat = np.ones(len(ids), dtype=bool)
        repeat[first] = False
        duplicate |= repeat
    if duplicate.any():
        fresh = np.sort(ids[~duplicate])
    if len(fresh):
        byte = fresh >> 3
        bits = (1 << (fresh & 7)).astype(np.uint8)
        starts = np.flatnonzero(np.r_[True, byte[1:] != byte[:-1]])
        bitmap[byte[starts]] |= np.bitwise_or.reduceat(bits, starts)
    return duplicate


# --- writers ------------------------------------------------------------------------------


class PartitionWriter:
    """One Parquet file per genre, Snappy, row groups of at least ``min_rows_per_group`` rows.

    Row groups are encoded and written on background threads (pyarrow releases the GIL),
    so parsing the next batch overlaps with writing the previous one. The threads start with
    the first full row group: a small file is written at :meth:`close` on the calling
    thread, without their start-up and hand-overs.
    """

    def __init__(
        self,
        out_dir: str,
        source: SourceInfo,
        ingested_at: dt.datetime,
        fallback_date: dt.date,
        min_rows_per_group: int = MIN_ROWS_PER_GROUP,
    ) -> None:
        self.out_dir = out_dir
        self.source = source
        self.ingested_at = ingested_at
        self.fallback_date = fallback_date
        self.min_rows = min_rows_per_group
        self.rows_by_genre: dict[str, int] = {}
        self._buffers: dict[str, list[pa.Table]] = {}
        self._buffered: dict[str, int] = {}
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._paths: dict[str, str] = {}
        self._errors: list[BaseException] = []
        self._queues: list[queue.Queue[tuple[str, pa.Table] | None]] = []
        self._threads: list[threading.Thread] = []
        self._lane: dict[str, int] = {}  # genre → writer thread (a genre's groups stay in order)

    def _start_threads(self) -> None:
        for lane in range(WRITER_THREADS):
            self._queues.append(queue.Queue(maxsize=2))
            thread = threading.Thread(target=self._write_loop, args=(lane,), name="parquet-writer")
            thread.daemon = True
            thread.start()
            self._threads.append(thread)

    def write(self, groups: dict[str, pa.Table]) -> None:
        for genre, table in groups.items():
            if table.num_rows == 0:
                continue
            self._buffers.setdefault(genre, []).append(table)
            self._buffered[genre] = self._buffered.get(genre, 0) + table.num_rows
            self.rows_by_genre[genre] = self.rows_by_genre.get(genre, 0) + table.num_rows
            if self._buffered[genre] >= self.min_rows:
                self._flush(genre)

    def _flush(self, genre: str, inline: bool = False) -> None:
        parts = self._buffers.pop(genre, [])
        self._buffered[genre] = 0
        if parts:
            self._raise_writer_error()
            if genre not in self._paths:  # flat local names: the S3 keys are made by the load
                self._paths[genre] = os.path.join(
                    self.out_dir, f"part-{len(self._paths):04d}.parquet"
                )
            if inline:
                self._write_row_group(genre, pa.concat_tables(parts))
                return
            if not self._threads:
                self._start_threads()
            lane = self._lane.setdefault(genre, len(self._lane) % WRITER_THREADS)
            self._queues[lane].put((genre, pa.concat_tables(parts)))

    def _write_loop(self, lane: int) -> None:
        while True:
            item = self._queues[lane].get()
            if item is None:
                return
            if self._errors:
                continue  # drain after a failure
            genre, table = item
            try:
                self._write_row_group(genre, table)
            except BaseException as exc:
                self._errors.append(exc)

    def _write_row_group(self, genre: str, table: pa.Table) -> None:
        table = self._with_lineage(table)
        writer = self._writers.get(genre)
        if writer is None:
            writer = pq.ParquetWriter(self._paths[genre], WRITE_SCHEMA, **PARQUET_OPTIONS)
            self._writers[genre] = writer
        writer.write_table(table, row_group_size=table.num_rows)

    def _raise_writer_error(self) -> None:
        if self._errors:
            raise self._errors[0]

    def _with_lineage(self, table: pa.Table) -> pa.Table:
        """``table`` with the lineage columns, in ``WRITE_SCHEMA``."""
        count = table.num_rows
        sold_at = table.column("sold_at")
        if sold_at.null_count == count:
            sale_date = _repeated(self.fallback_date, pa.date32(), count)
        else:
            fallback = pa.scalar(self.fallback_date, pa.date32())
            sale_date = pc.dictionary_encode(
                pc.coalesce(pc.cast(sold_at, pa.date32()), fallback).combine_chunks()
            )
        lineage = {
            "sale_date": sale_date,
            "source_key": _repeated(self.source.key, pa.string(), count),
            "source_version": _repeated(self.source.version_id or "", pa.string(), count),
            "ingested_at": _repeated(self.ingested_at, pa.timestamp("us"), count),
            "load_id": _repeated(self.source.load_id, pa.string(), count),
        }
        arrays = [
            lineage[field.name] if field.name in lineage else table.column(field.name)
            for field in FILE_SCHEMA
        ]
        return pa.Table.from_arrays(arrays, schema=WRITE_SCHEMA)

    def _stop(self) -> None:
        for lane, thread in enumerate(self._threads):
            if thread.is_alive():
                self._queues[lane].put(None)
                thread.join()

    def close(self) -> dict[str, str]:
        """Write what is buffered, close every file; genre → local path."""
        inline = not self._threads  # nothing was handed to a thread: no order to keep
        try:
            for genre in list(self._buffers):
                self._flush(genre, inline)
        finally:
            self._stop()
        self._raise_writer_error()
        for writer in self._writers.values():
            writer.close()
        return dict(self._paths)

    def abort(self) -> None:
        """Close and delete what was written (a failed or abandoned attempt)."""
        self._buffers.clear()
        self._stop()
        for genre, writer in self._writers.items():
            with contextlib.suppress(Exception):  # already failing: report the first error
                writer.close()
            _remove(self._paths[genre])


class RejectWriter:
    """Rejected rows as UTF-8 CSV: row, code, reason, column, the values, the raw record.

    Values that a spreadsheet would run as a formula get a leading apostrophe, so opening the
    rejects file in Excel is safe (the original stays untouched in the raw bucket).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._file: io.TextIOWrapper | None = None
        self._csv: Any = None

    def write(self, rejected: list[Rejected]) -> None:
        if not rejected:
            return
        if self._file is None:
            self._file = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed in close())
            self._csv = csv.writer(self._file)
            self._csv.writerow(REJECT_COLUMNS)
        for item in rejected:
            values = [_cell(item.values.get(column)) for column in COLUMNS]
            reason = row_message(item.code, item.column)
            self._csv.writerow(
                [item.row, item.code, reason, item.column or "", *values, _cell(item.raw)]
            )

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

    def abort(self) -> None:
        self.close()
        if self._file is not None:
            _remove(self.path)


def _repeated(value: Any, value_type: pa.DataType, count: int) -> pa.DictionaryArray:
    """``value`` ``count`` times, as a one-entry dictionary."""
    indices = pa.array(np.zeros(count, dtype=np.int32))
    return pa.DictionaryArray.from_arrays(indices, pa.array([value], value_type))


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


_LONG_VALUE = 200
FORMULA_SAFE_PREFIX = "'"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value) if not isinstance(value, str) else value
    if len(text) > _LONG_VALUE * 5:
        text = f"{text[:_LONG_VALUE]}... ({len(text):,} characters)"
    if text.startswith(FORMULA_PREFIXES):
        text = FORMULA_SAFE_PREFIX + text
    return re.sub(r"[\x00]", "", text)
