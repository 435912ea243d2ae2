"""Atomic visibility of one source file's rows: new files, one commit, then clean-up.

A file's rows span one Parquet file per partition value (per genre for the bookstore), and
S3 cannot replace several objects at once: a job that died between two uploads would leave
some partitions new and others old or missing.
So a load never overwrites what readers see:

1. :func:`begin` records the load (its id and partition values) under ``loads-pending/<stem>/``;
2. it uploads its data files under names of its own, ``<stem>.<load id>.parquet``;
3. :func:`commit` replaces one object, the source's marker ``loads/<stem>.parquet`` (a row
   of the ``<table>_loads`` table naming the load) — a single PUT, atomic in S3;
4. :func:`stale_keys` names what to delete: the files of the load the marker named before
   (its partition values are in that marker) and of older attempts that never committed
   (their pending records): no listing of the table's partitions. A run that dies after its
   commit but before this clean-up leaves the replaced load's files behind, and no pending record
   names them; so each marker also lists the loads it replaced (in the Parquet file's
   metadata, the last ``REPLACED_KEPT``), and the next commit deletes their files again.

The curated view (``sql/athena/curated_sales.sql``) shows a row only when the marker names its
load, so an uncommitted load (a crash mid-write) is never visible and a replaced one vanishes
at the commit, all partitions at once.

Concurrent runs for the same key: load ids sort by (upload time, job start); the commit is a
compare-and-swap (S3 conditional PUT, ``If-Match``/``If-None-Match``), and a run never
replaces the marker of a newer load — it deletes its own files instead. Clean-up only touches
loads older than the committed one, which can no longer commit. The latest upload wins.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import secrets
from collections.abc import Sequence
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.parquet as pq
from botocore.exceptions import ClientError

from pipeline_src import naming
from pipeline_src.etl.table import LOADS_SCHEMA

LOAD_ID = re.compile(r"^[0-9]{14}-[0-9]{20}-[0-9a-f]{6}$")
COMMIT_ATTEMPTS = 5
REPLACED_KEPT = 3  # loads a marker lists as replaced: clean-ups that may not have run
REPLACED_METADATA = b"retail_kit.replaced"  # Parquet key-value metadata of a marker
_CONFLICT_CODES = ("PreconditionFailed", "ConditionalRequestConflict", "412", "409")
_MISSING_CODES = ("NoSuchKey", "404")


def new_load_id(uploaded_at: dt.datetime, started: dt.datetime, token: str | None = None) -> str:
    """``<upload time>-<job start, µs>-<random>``: sorts as uploads, then runs, happened."""
    token = token or secrets.token_hex(3)
    return f"{uploaded_at:%Y%m%d%H%M%S}-{started:%Y%m%d%H%M%S%f}-{token}"


class Marker(NamedTuple):
    load_id: str | None  # None: nothing committed yet
    etag: str | None
    partitions: list[str]  # the load's partition values
    replaced: tuple[tuple[str, list[str]], ...] = ()  # (load id, values) maybe not cleaned up


class Commit(NamedTuple):
    committed: bool  # False: a newer load of the same source was committed first
    previous: Marker  # what the marker named before
    current: str  # the load the marker names now


def data_keys(source_key: str, load_id: str, column: str, values: list[str]) -> list[str]:
    """The data files of a load: one per value of the partition ``column``."""
    return [naming.data_key(source_key, column, value, load_id) for value in values]


def begin(s3: Any, bucket: str, source_key: str, load_id: str, partitions: list[str]) -> None:
    """Record a load before it writes anything, so a crashed attempt can be cleaned up."""
    body = json.dumps({"load_id": load_id, "partitions": sorted(partitions)}).encode()
    s3.put_object(Bucket=bucket, Key=naming.pending_key(source_key, load_id), Body=body)


def marker_body(
    source_key: str,
    version: str,
    load_id: str,
    rows: int,
    partitions: list[str],
    replaced: Sequence[tuple[str, list[str]]] = (),
) -> bytes:
    """The one-row Parquet commit marker; the loads it replaces go in the file's metadata."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    columns = [[source_key], [version], [load_id], [rows], [now], [json.dumps(sorted(partitions))]]
    schema = LOADS_SCHEMA.with_metadata({REPLACED_METADATA: json.dumps(list(replaced))})
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns, schema=schema), buffer, compression="snappy")
    return buffer.getvalue()


def replaced_by(marker: Marker) -> list[tuple[str, list[str]]]:
    """What a commit over ``marker`` replaces: its load, then the loads it replaced."""
    if marker.load_id is None:
        return []
    return [(marker.load_id, marker.partitions), *marker.replaced][:REPLACED_KEPT]


def read_marker(s3: Any, bucket: str, source_key: str) -> Marker:
    """The source's committed load, its marker's ETag and the load's partition values."""
    try:
        got = s3.get_object(Bucket=bucket, Key=naming.load_marker_key(source_key))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _MISSING_CODES:
            return Marker(None, None, [])
        raise
    table = pq.read_table(pa.BufferReader(got["Body"].read()))
    row = table.to_pylist()[0]
    replaced = json.loads((table.schema.metadata or {}).get(REPLACED_METADATA, b"[]"))
    return Marker(
        row["load_id"],
        got["ETag"],
        # "genres": the markers of kits before contracts
        json.loads(row.get("partitions") or row.get("genres") or "[]"),
        tuple((load, list(values)) for load, values in replaced),
    )


def commit(
    s3: Any,
    bucket: str,
    source_key: str,
    version: str,
    load_id: str,
    rows: int,
    partitions: list[str],
) -> Commit:
    """Point the source's marker at ``load_id`` unless a newer load holds it (see module)."""
    key = naming.load_marker_key(source_key)
    for _ in range(COMMIT_ATTEMPTS):
        marker = read_marker(s3, bucket, source_key)
        if marker.load_id is not None and marker.load_id > load_id:
            return Commit(False, marker, marker.load_id)
        body = marker_body(source_key, version, load_id, rows, partitions, replaced_by(marker))
        try:
            conditional_put(s3, bucket, key, body, marker.etag)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _CONFLICT_CODES:
                continue  # another run committed meanwhile: look again
            raise
        return Commit(True, marker, load_id)
    raise RuntimeError(f"could not commit {load_id} of {source_key}: the marker kept changing")


def conditional_put(s3: Any, bucket: str, key: str, body: bytes, etag: str | None) -> None:
    """PutObject only if the object is still ``etag`` (absent when ``etag`` is None).

    An older botocore (Glue's runtime may have one) lacks the IfMatch/IfNoneMatch parameters:
    the same S3 headers are then added to the request directly.
    """
    if supports_conditional_put(s3):
        condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
        s3.put_object(Bucket=bucket, Key=key, Body=body, **condition)
        return
    headers = {"If-Match": etag} if etag else {"If-None-Match": "*"}

    def add_headers(request: Any, **_: Any) -> None:
        for name, value in headers.items():
            request.headers[name] = value

    event, handler_id = "before-sign.s3.PutObject", "retail-kit-conditional-put"
    s3.meta.events.register(event, add_headers, unique_id=handler_id)
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    finally:
        s3.meta.events.unregister(event, unique_id=handler_id)


def supports_conditional_put(s3: Any) -> bool:
    """Whether this botocore knows PutObject's IfMatch/IfNoneMatch parameters."""
    members = s3.meta.service_model.operation_model("PutObject").input_shape.members
    return "IfMatch" in members and "IfNoneMatch" in members


def stale_keys(
    s3: Any,
    bucket: str,
    source_key: str,
    load_id: str,
    column: str,
    partitions: list[str],
    done: Commit,
) -> list[str]:
    """What to delete after this load's commit attempt: data files and pending records."""
    if not done.committed:  # superseded: this load never shows
        return [
            *data_keys(source_key, load_id, column, partitions),
            naming.pending_key(source_key, load_id),
        ]
    stale = [
        key
        for old, old_values in replaced_by(done.previous)
        if old != load_id
        for key in data_keys(source_key, old, column, old_values)
    ]
    prefix = naming.pending_prefix(source_key)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    for key in (obj["Key"] for page in pages for obj in page.get("Contents", [])):
        other = key[len(prefix) :].rsplit(".", 1)[0]
        if other == load_id:
            stale.append(key)
        elif LOAD_ID.match(other) and other < load_id:  # an attempt that never committed
            record = _pending_record(s3, bucket, key)
            if record is not None:
                values = record.get("partitions", record.get("genres", []))
                stale += [*data_keys(source_key, other, column, values), key]
    return stale


def _pending_record(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """A pending load's record; None when a concurrent run has removed it since the listing
    (that run deletes the load's files in the same request, so there is nothing left to do)."""
    try:
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _MISSING_CODES:
            return None
        raise


def delete_keys(s3: Any, bucket: str, keys: list[str]) -> None:
    """DeleteObjects in batches of 1,000 (keys that do not exist are fine)."""
    unique = sorted(set(keys))
    for start in range(0, len(unique), 1000):
        chunk = unique[start : start + 1000]
        s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
        )
