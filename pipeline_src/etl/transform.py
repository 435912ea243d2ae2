"""Transform one sales file into typed Parquet partitions and a rejects file (pyarrow).

Two ways in, one way out:

- **CSV fast path**: pyarrow's multi-threaded CSV reader in batches. Low-cardinality columns
  are read dictionary-encoded and each *distinct* value is checked once with the same pure
  rules as the validator (:meth:`pipeline_src.schema.Schema.check_value`); the
  de-duplication key's columns are read as plain text (an id such as ``T`` + 8 digits is
  checked with one vectorised regex, the few that fail exactly). Rows that fail go through
  :meth:`~pipeline_src.schema.Schema.check_row` for their exact reason code. A contract
  whose key has a non-text column (an integer id) reads every CSV the record path's way.
- **Record path** (JSON, JSON Lines, XLSX, and any CSV the fast path cannot read exactly:
  ragged rows, a header spanning lines, ...): the validator's own record reader and checks.

Both give the same rows with the same numbers; accepted rows are de-duplicated by the
contract's key (first kept), and written per partition value with lineage columns. Memory
stays bounded: one batch at a time plus at most ``MIN_ROWS_PER_GROUP`` buffered rows per
partition value (and the keys seen: a bitmap for ids such as ``T`` + 8 digits, else a set).
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
from pipeline_src.dedup import SeenKeys
from pipeline_src.etl.table import MIN_ROWS_PER_GROUP, batch_schema, file_schema
from pipeline_src.readers import FileProblem, detect_delimiter
from pipeline_src.schema import Schema, deployed, normalise_column_name
from pipeline_src.validation import checked_rows, open_sales_file

CSV_BLOCK_BYTES = 4 << 20
READ_AHEAD = 2  # parsed CSV batches waiting for the checks
READ_AHEAD_STOP_S = 30.0  # wait for the read-ahead thread to end (a daemon thread after)
READ_AHEAD_WAIT_S = 300.0  # one CSV block (4 MiB) takes milliseconds to parse
WRITER_THREADS = 2
RECORD_BATCH_ROWS = 50_000
# The lineage columns are one value per row group (sale_date: a few): handed to the Parquet
# writer already dictionary-encoded, it writes them without hashing every row (~1/3 of the
# encoding time of the seed format's files).
_DICTIONARY_LINEAGE = ("sale_date", "source_key", "source_version", "ingested_at", "load_id")


class Layout:
    """What the transform writes for one contract: Arrow schemas and Parquet options."""

    def __init__(self, schema: Schema) -> None:
        contract = schema.contract
        self.schema = schema
        self.partition = schema.partition
        self.batch_schema = batch_schema(contract)
        self.file_schema = file_schema(contract)
        self.write_schema = pa.schema(
            [
                pa.field(f.name, pa.dictionary(pa.int32(), f.type))
                if f.name in _DICTIONARY_LINEAGE
                else f
                for f in self.file_schema
            ]
        )
        self.types = {f.name: f.type for f in self.batch_schema}
        self.sale_date_column = contract.sale_date_column
        self.reject_columns = ("row", "reason_code", "reason", "column", *schema.columns, "record")
        keys = set(contract.dedup_key)
        stored = [c for c in contract.data_columns]
        # Dictionary pages only where values repeat, min/max statistics where queries filter:
        # both cost time on unique text such as a transaction id.
        self.parquet_options: dict[str, Any] = {
            "compression": "snappy",
            # No ARROW:schema in the files: they are written with dictionary-typed lineage
            # columns (see write_schema), and without it every reader sees file_schema's types.
            "store_schema": False,
            "use_dictionary": [
                c.name for c in stored if c.name not in keys and c.type != "timestamp"
            ]
            + ["sale_date", "source_key", "source_version", "ingested_at", "load_id"],
            "write_statistics": [
                c.name
                for c in stored
                if not c.is_text or c.allowed or not (c.required or c.pattern)
            ]
            + ["sale_date", "source_row", "ingested_at"],
        }


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
    """Accepted rows per partition value (the batch schema less the partition column),
    rejected rows, rows read."""

    groups: dict[str, pa.Table]
    rejected: list[Rejected]
    rows_read: int


class TransformResult(NamedTuple):
    files: dict[str, str]  # partition value → local Parquet path
    rejects_path: str | None
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rejected_by_reason: dict[str, int]
    duplicates_dropped: int
    rows_by_partition: dict[str, int]
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
    schema: Schema | None = None,
    *,
    ingested_at: dt.datetime | None = None,
) -> TransformResult:
    """Transform the local file ``path`` (format ``fmt``) into ``out_dir``.

    ``schema``: the contract's rules (default: the contract this code was deployed with).
    """
    layout = Layout(schema or deployed())
    ingested_at = ingested_at or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    fallback_date, date_source = default_sale_date(source, layout.schema.contract)
    run = (source, out_dir, ingested_at, fallback_date, date_source, layout)
    if fmt == "csv":
        try:
            return _run(_csv_fast_batches(path, layout), True, *run)
        except FastPathUnavailable:
            pass
    return _run(_record_batches(path, fmt, layout), False, *run)


def default_sale_date(source: SourceInfo, contract: Any = None) -> tuple[dt.date, str]:
    """The sale date of rows without a sale-date value: the contract's fall-backs in their
    order (``file_name_date``: a date in the key; ``upload_date``), the upload date last."""
    fallbacks = contract.sale_date_fallbacks if contract is not None else ("file_name_date",)
    for fallback in fallbacks:
        in_key = naming.date_in_key(source.key) if fallback == "file_name_date" else None
        if in_key is not None:
            return in_key, "key"
        if fallback == "upload_date":
            break
    return source.uploaded_at.date(), "upload"


def _run(
    batches: Iterator[Batch],
    fast: bool,
    source: SourceInfo,
    out_dir: str,
    ingested_at: dt.datetime,
    fallback_date: dt.date,
    date_source: str,
    layout: Layout,
) -> TransformResult:
    os.makedirs(out_dir, exist_ok=True)
    writer = PartitionWriter(out_dir, source, ingested_at, fallback_date, layout)
    rejects = RejectWriter(os.path.join(out_dir, "rejects.csv"), layout)
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
        rows_accepted=sum(writer.rows_by_partition.values()),
        rows_rejected=rows_rejected,
        rejected_by_reason=by_reason,
        duplicates_dropped=by_reason.get(layout.schema.duplicate_code, 0),
        rows_by_partition=dict(writer.rows_by_partition),
        fast_path=fast,
        date_source=date_source,
    )


# --- record path (any format) -------------------------------------------------------------


def _record_batches(path: str, fmt: str, layout: Layout) -> Iterator[Batch]:
    schema = layout.schema
    names = layout.batch_schema.names
    with open(path, "rb") as stream:
        sales = open_sales_file(stream, fmt, schema)
        columns: dict[str, list[Any]] = {name: [] for name in names}
        rejected: list[Rejected] = []
        rows = 0
        for checked in checked_rows(sales.records(), schema):
            rows += 1
            if checked.code is not None:
                record = checked.record
                rejected.append(
                    Rejected(checked.row, checked.code, checked.column, record.values, record.raw)
                )
            else:
                for name in schema.columns:
                    columns[name].append(checked.values.get(name))
                columns["source_row"].append(checked.row)
            if rows >= RECORD_BATCH_ROWS:
                yield Batch(group_by_partition(_table(columns, layout), layout), rejected, rows)
                columns = {name: [] for name in names}
                rejected, rows = [], 0
        yield Batch(group_by_partition(_table(columns, layout), layout), rejected, rows)


def group_by_partition(table: pa.Table, layout: Layout) -> dict[str, pa.Table]:
    """Split a batch-schema table by partition value (the partition column removed)."""
    if table.num_rows == 0:
        return {}
    values = pc.dictionary_encode(table.column(layout.partition)).combine_chunks()
    codes = values.indices.to_numpy()
    data = table.drop_columns([layout.partition])
    return {
        value: data.take(pa.array(np.flatnonzero(codes == code)))
        for code, value in enumerate(values.dictionary.to_pylist())
    }


def _table(columns: dict[str, list[Any]], layout: Layout) -> pa.Table:
    return pa.table(
        [pa.array(columns[field.name], field.type) for field in layout.batch_schema],
        schema=layout.batch_schema,
    )


# --- CSV fast path ------------------------------------------------------------------------


class _Header(NamedTuple):
    delimiter: str
    names: list[str]  # normalised, one per file column


def read_header(path: str, schema: Schema) -> _Header:
    """The header of a CSV the fast path can read: first line, no quotes, known delimiter."""
    with open(path, "rb") as stream:
        line = stream.readline(1 << 20)
    text = line.decode("utf-8-sig", errors="strict").rstrip("\r\n")
    if not text.strip() or '"' in text or len(line) >= 1 << 20:
        raise FastPathUnavailable("the header is not a plain first line")
    delimiter = detect_delimiter(text)
    names = [normalise_column_name(name) for name in text.split(delimiter)]
    named = [n for n in names if n]
    if len(set(named)) != len(named) or any(c not in names for c in schema.required):
        raise FileProblem("MISSING_COLUMNS", "the header does not match the sales columns")
    return _Header(delimiter, names)


class _ValueCache:
    """Per column, each distinct raw text checked once: ok, typed value and empty flags."""

    def __init__(self, column: str, layout: Layout) -> None:
        self.column = column
        self.schema = layout.schema
        self.known = column in self.schema.columns
        self.type = layout.types.get(column, pa.null())
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
            check = self.schema.check_value(self.column, raw)
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
                pa.array(self._values, self.type),
                np.array(self._empty, dtype=bool),
            )
        return self._arrays


class _PartitionCodes:
    """A small integer per partition value, stable across batches."""

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
    def __init__(self, header: _Header, layout: Layout) -> None:
        self.header = header
        self.layout = layout
        self.keys = layout.schema.dedup_key  # read as plain text: unique values
        self.caches = {
            name: _ValueCache(name, layout)
            for name in header.names
            if name and name not in self.keys
        }
        self.partitions = _PartitionCodes()
        self.seen = SeenKeys(layout.schema.contract)
        self.next_row = 1


def _fast_path_fits(layout: Layout) -> bool:
    """The fast path reads de-duplication key columns as plain text: they must be text."""
    contract = layout.schema.contract
    keys = contract.dedup_key
    return layout.partition not in keys and all(contract.column(k).is_text for k in keys)


def _csv_fast_batches(path: str, layout: Layout) -> Iterator[Batch]:
    if not _fast_path_fits(layout):
        raise FastPathUnavailable("a de-duplication key column is not text")
    state = _FastState(read_header(path, layout.schema), layout)
    try:
        for record_batch in _read_ahead(_open_csv(path, state)):
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


def _open_csv(path: str, state: _FastState) -> pacsv.CSVStreamingReader:
    """pyarrow's streaming reader: every column as (dictionary-encoded) text."""
    header = state.header
    names = [f"c{i}" for i in range(len(header.names))]
    dictionary = pa.dictionary(pa.int32(), pa.string())
    types = {name: dictionary for name in names}
    for key in state.keys:
        if key in header.names:
            types[names[header.names.index(key)]] = pa.string()
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


def _key_checks(
    name: str, column: pa.Array, state: _FastState
) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """A key column's checks: ok and empty per row, and its typed (normalised) values.

    Ids of the key's bitmap lane are checked with one vectorised regex; the others exactly.
    """
    count = len(column)
    lane = state.seen.compact
    if lane is not None:
        ok = pc.match_substring_regex(column, lane.pattern).to_numpy(zero_copy_only=False)
    else:
        ok = np.zeros(count, dtype=bool)
    empty = np.zeros(count, dtype=bool)
    rescued: dict[int, Any] = {}
    schema = state.layout.schema
    for index in np.flatnonzero(~ok):
        raw = column[int(index)].as_py()
        check = schema.check_value(name, raw)
        ok[index] = check.code is None
        empty[index] = not raw.strip(" ")
        if check.code is None and check.value != raw:
            rescued[int(index)] = check.value
    if rescued:
        mask = np.zeros(count, dtype=bool)
        mask[list(rescued)] = True
        column = pc.replace_with_mask(column, pa.array(mask), pa.array(list(rescued.values())))
    return ok, empty, column


def _fast_batch(record_batch: pa.RecordBatch, state: _FastState) -> Batch:
    layout = state.layout
    count = record_batch.num_rows
    ok = np.ones(count, dtype=bool)
    empty = np.ones(count, dtype=bool)
    typed: dict[str, tuple[pa.Array, np.ndarray]] = {}  # dictionary values, row → entry
    raw_columns: dict[str, pa.Array] = {}
    keys: dict[str, pa.Array] = {}  # key column → typed values (plain text)
    for i, name in enumerate(state.header.names):
        column = record_batch.column(i)
        if name in state.keys:
            raw_columns[name] = column
            key_ok, key_empty, keys[name] = _key_checks(name, column, state)
            ok &= key_ok
            empty &= key_empty
            continue
        if not name:
            name = f"#{i}"  # an unnamed column: only its emptiness matters
        cache = state.caches.setdefault(name, _ValueCache(name, layout))
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
        _reject_from(raw_columns, int(i), int(rows[i]), layout, exact=True)
        for i in np.flatnonzero(~ok & ~empty)
    ]
    good_index = pa.array(good)
    duplicate = _mark_duplicates([keys[k].take(good_index) for k in state.keys], state.seen)
    for i in good[duplicate]:
        rejected.append(_reject_from(raw_columns, int(i), int(rows[i]), layout, exact=False))
    rejected.sort(key=lambda r: r.row)
    accepted = good[~duplicate]
    partition_values, partition_indices = typed.pop(layout.partition)
    partition_codes = state.partitions.codes(partition_values)[partition_indices[accepted]]
    # a stable sort of int16 is a radix sort (≈10× faster than of int32): while the codes fit
    codes = partition_codes.astype(np.int16) if len(state.partitions.names) < 2**15 else None
    order = np.argsort(partition_codes if codes is None else codes, kind="stable")
    final = accepted[order]
    final_index = pa.array(final)
    arrays = []
    for field in layout.batch_schema:
        if field.name in keys:
            arrays.append(keys[field.name].take(final_index))
        elif field.name == "source_row":
            arrays.append(pa.array(rows[final], pa.int64()))
        elif field.name == layout.partition:
            arrays.append(pa.nulls(len(final), pa.string()))  # the groups carry the value
        elif field.name in typed:
            values, indices = typed[field.name]
            arrays.append(values.take(pa.array(indices[final])))
        else:  # an optional column the file does not have: its default, else nulls
            default = layout.schema.check_value(field.name, None).value
            arrays.append(
                pa.nulls(len(final), field.type)
                if default is None
                else pa.repeat(pa.scalar(default, field.type), len(final))
            )
    table = pa.Table.from_arrays(arrays, schema=layout.batch_schema)
    table = table.drop_columns([layout.partition])
    groups: dict[str, pa.Table] = {}
    counts = np.bincount(partition_codes, minlength=len(state.partitions.names))
    offset = 0
    for code, size in enumerate(counts):
        if size:
            groups[state.partitions.names[code]] = table.slice(offset, int(size))
            offset += int(size)
    return Batch(groups, rejected, len(keep))


def _reject_from(
    raw_columns: dict[str, pa.Array], index: int, row: int, layout: Layout, exact: bool
) -> Rejected:
    values = {name: column[index].as_py() for name, column in raw_columns.items()}
    schema = layout.schema
    if not exact:
        return Rejected(row, schema.duplicate_code, schema.dedup_key[0], values)
    verdict = schema.check_row(values)
    if verdict.code is None:  # cannot happen: the fast checks are the same rules
        raise AssertionError(f"row {row} failed a fast check but passes check_row")
    return Rejected(row, verdict.code, verdict.column, values)


def _mark_duplicates(keys: list[pa.Array], seen: SeenKeys) -> np.ndarray:
    """Which rows' keys were seen before (earlier batch, or earlier in this one); marks the
    rest. ``keys``: one array per key column, the batch's valid rows."""
    count = len(keys[0]) if keys else 0
    if count == 0:
        return np.zeros(0, dtype=bool)
    duplicate = np.zeros(count, dtype=bool)
    lane = seen.compact
    in_lane = np.zeros(count, dtype=bool)
    if lane is not None:
        in_lane = pc.equal(pc.utf8_length(keys[0]), lane.length).to_numpy(zero_copy_only=False)
        every = bool(in_lane.all())  # the usual case: no take needed
        where = np.flatnonzero(in_lane)
        if len(where):
            ids = keys[0] if every else keys[0].take(pa.array(where))
            # ids of at most MAX_COMPACT_DIGITS (8) digits fit int32, which sorts faster
            numbers = pc.cast(pc.utf8_slice_codeunits(ids, len(lane.prefix)), pa.int32())
            marked = _mark_in_bitmap(numbers.to_numpy(), lane.bits)
            if every:
                return marked
            duplicate[where] = marked
    rest = np.flatnonzero(~in_lane)
    if len(rest):
        columns = [k.take(pa.array(rest)).to_pylist() for k in keys]
        values = columns[0] if len(columns) == 1 else list(zip(*columns))
        for position, value in zip(rest, values):
            duplicate[position] = not seen.add(value)
    return duplicate


def _mark_in_bitmap(ids: np.ndarray, bits: Any) -> np.ndarray:
    """Which ids the bitmap (or an earlier equal id in ``ids``) holds; marks the rest."""
    bitmap = np.frombuffer(bits, dtype=np.uint8)
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
        bit = (1 << (fresh & 7)).astype(np.uint8)
        starts = np.flatnonzero(np.r_[True, byte[1:] != byte[:-1]])
        bitmap[byte[starts]] |= np.bitwise_or.reduceat(bit, starts)
    return duplicate


# --- writers ------------------------------------------------------------------------------


class PartitionWriter:
    """One Parquet file per partition value, Snappy, row groups of ``min_rows_per_group`` rows
    or more.

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
        layout: Layout,
        min_rows_per_group: int = MIN_ROWS_PER_GROUP,
    ) -> None:
        self.layout = layout
        self.out_dir = out_dir
        self.source = source
        self.ingested_at = ingested_at
        self.fallback_date = fallback_date
        self.min_rows = min_rows_per_group
        self.rows_by_partition: dict[str, int] = {}
        self._buffers: dict[str, list[pa.Table]] = {}
        self._buffered: dict[str, int] = {}
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._paths: dict[str, str] = {}
        self._errors: list[BaseException] = []
        self._queues: list[queue.Queue[tuple[str, pa.Table] | None]] = []
        self._threads: list[threading.Thread] = []
        self._lane: dict[str, int] = {}  # value → writer thread (its groups stay in order)

    def _start_threads(self) -> None:
        for lane in range(WRITER_THREADS):
            self._queues.append(queue.Queue(maxsize=2))
            thread = threading.Thread(target=self._write_loop, args=(lane,), name="parquet-writer")
            thread.daemon = True
            thread.start()
            self._threads.append(thread)

    def write(self, groups: dict[str, pa.Table]) -> None:
        for value, table in groups.items():
            if table.num_rows == 0:
                continue
            self._buffers.setdefault(value, []).append(table)
            self._buffered[value] = self._buffered.get(value, 0) + table.num_rows
            self.rows_by_partition[value] = self.rows_by_partition.get(value, 0) + table.num_rows
            if self._buffered[value] >= self.min_rows:
                self._flush(value)

    def _flush(self, value: str, inline: bool = False) -> None:
        parts = self._buffers.pop(value, [])
        self._buffered[value] = 0
        if parts:
            self._raise_writer_error()
            if value not in self._paths:  # flat local names: the S3 keys are made by the load
                self._paths[value] = os.path.join(
                    self.out_dir, f"part-{len(self._paths):04d}.parquet"
                )
            if inline:
                self._write_row_group(value, pa.concat_tables(parts))
                return
            if not self._threads:
                self._start_threads()
            lane = self._lane.setdefault(value, len(self._lane) % WRITER_THREADS)
            self._queues[lane].put((value, pa.concat_tables(parts)))

    def _write_loop(self, lane: int) -> None:
        while True:
            item = self._queues[lane].get()
            if item is None:
                return
            if self._errors:
                continue  # drain after a failure
            value, table = item
            try:
                self._write_row_group(value, table)
            except BaseException as exc:
                self._errors.append(exc)

    def _write_row_group(self, value: str, table: pa.Table) -> None:
        table = self._with_lineage(table)
        writer = self._writers.get(value)
        if writer is None:
            layout = self.layout
            writer = pq.ParquetWriter(
                self._paths[value], layout.write_schema, **layout.parquet_options
            )
            self._writers[value] = writer
        writer.write_table(table, row_group_size=table.num_rows)

    def _raise_writer_error(self) -> None:
        if self._errors:
            raise self._errors[0]

    def _with_lineage(self, table: pa.Table) -> pa.Table:
        """``table`` with the lineage columns, in the layout's write schema."""
        count = table.num_rows
        column = self.layout.sale_date_column
        sale_at = table.column(column) if column else None
        if sale_at is None or sale_at.null_count == count:
            sale_date = _repeated(self.fallback_date, pa.date32(), count)
        else:
            fallback = pa.scalar(self.fallback_date, pa.date32())
            sale_date = pc.dictionary_encode(
                pc.coalesce(pc.cast(sale_at, pa.date32()), fallback).combine_chunks()
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
            for field in self.layout.file_schema
        ]
        return pa.Table.from_arrays(arrays, schema=self.layout.write_schema)

    def _stop(self) -> None:
        for lane, thread in enumerate(self._threads):
            if thread.is_alive():
                self._queues[lane].put(None)
                thread.join()

    def close(self) -> dict[str, str]:
        """Write what is buffered, close every file; partition value → local path."""
        inline = not self._threads  # nothing was handed to a thread: no order to keep
        try:
            for value in list(self._buffers):
                self._flush(value, inline)
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
        for value, writer in self._writers.items():
            with contextlib.suppress(Exception):  # already failing: report the first error
                writer.close()
            _remove(self._paths[value])


class RejectWriter:
    """Rejected rows as UTF-8 CSV: row, code, reason, column, the values, the raw record.

    Values that a spreadsheet would run as a formula get a leading apostrophe, so opening the
    rejects file in Excel is safe (the original stays untouched in the raw bucket).
    """

    def __init__(self, path: str, layout: Layout) -> None:
        self.path = path
        self.layout = layout
        self._file: io.TextIOWrapper | None = None
        self._csv: Any = None

    def write(self, rejected: list[Rejected]) -> None:
        if not rejected:
            return
        if self._file is None:
            self._file = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed in close())
            self._csv = csv.writer(self._file)
            self._csv.writerow(self.layout.reject_columns)
        schema = self.layout.schema
        for item in rejected:
            values = [_cell(item.values.get(column)) for column in schema.columns]
            reason = schema.row_message(item.code, item.column)
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
#: What a spreadsheet runs as a formula (whatever the contract's own formula rule).
SPREADSHEET_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value) if not isinstance(value, str) else value
    if len(text) > _LONG_VALUE * 5:
        text = f"{text[:_LONG_VALUE]}... ({len(text):,} characters)"
    if text.startswith(SPREADSHEET_FORMULA_PREFIXES):
        text = FORMULA_SAFE_PREFIX + text
    return re.sub(r"[\x00]", "", text)
