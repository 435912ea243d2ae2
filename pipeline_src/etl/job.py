"""Glue Python-shell job: load one validated sales file into the processed table.

Arguments (Glue passes ``--name value`` pairs; ``getResolvedOptions`` is not needed):

``--source-bucket --source-key --source-version --uploaded-at`` the uploaded object,
``--processed-bucket --database --table`` where the rows go (job default arguments).

The contract (columns, rules, partition column) is the one the job's library zip carries
(:func:`pipeline_src.contracts.model.deployed`).

extract: download the exact object version; transform: typed Parquet per partition plus rejects
(:mod:`pipeline_src.etl.transform`); load: upload the files under names of this load, register
the partitions, commit the load (one atomic PUT: :mod:`pipeline_src.etl.commit`), delete the
source's older files, write the data-quality summary to ``summaries/<key>.json`` (the
notification reads it).

``--fault-injection`` is a test hook only (:mod:`pipeline_src.etl.faults`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, NamedTuple

from pipeline_src import naming, schema
from pipeline_src.etl.catalog import ensure_partitions, ensure_table
from pipeline_src.etl.commit import begin, commit, delete_keys, new_load_id, stale_keys
from pipeline_src.etl.faults import Faults
from pipeline_src.etl.table import curated_view_name, loads_table_name
from pipeline_src.etl.transform import SourceInfo, TransformResult, transform_file
from pipeline_src.readers import detect_format

REQUIRED_ARGS = (
    "--source-bucket",
    "--source-key",
    "--processed-bucket",
    "--database",
    "--table",
)


DOWNLOAD_CHUNK = 8 << 20
SINGLE_PUT_BYTES = 64 << 20
PARALLEL_REQUESTS = 8  # data files are uploaded (and listed) concurrently
#: Transient errors (throttling, 5xx, connection resets) are retried with backoff and jitter.
CLIENT_RETRIES = {"mode": "standard", "max_attempts": 5}


class Clients(NamedTuple):
    s3: Any
    glue: Any


def make_clients(session: Any) -> Clients:
    """The job's clients, created once, with explicit retries."""
    from botocore.config import Config

    config = Config(retries=dict(CLIENT_RETRIES), max_pool_connections=PARALLEL_REQUESTS * 2)
    return Clients(session.client("s3", config=config), session.client("glue", config=config))


def parse_args(argv: list[str]) -> dict[str, str]:
    """Glue's ``--name value`` pairs (a flag without a value gets "")."""
    args: dict[str, str] = {}
    i = 0
    while i < len(argv):
        name = argv[i]
        if name.startswith("--"):
            has_value = i + 1 < len(argv) and not argv[i + 1].startswith("--")
            args[name] = argv[i + 1] if has_value else ""
            i += 2 if has_value else 1
        else:
            i += 1
    missing = [name for name in REQUIRED_ARGS if not args.get(name)]
    if missing:
        raise ValueError(f"missing job argument(s): {', '.join(missing)}")
    return args


def source_from_args(args: dict[str, str], s3: Any) -> SourceInfo:
    version = args.get("--source-version") or ""
    if version in ("null", "None"):
        version = ""
    uploaded = _parse_time(args.get("--uploaded-at"))
    if uploaded is None:
        head = s3.head_object(
            Bucket=args["--source-bucket"], Key=args["--source-key"], **_version(version)
        )
        uploaded = head["LastModified"].astimezone(dt.timezone.utc).replace(tzinfo=None)
    started = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    load_id = new_load_id(uploaded, started)
    return SourceInfo(args["--source-bucket"], args["--source-key"], version, uploaded, load_id)


def _parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.strptime(text.replace("Z", "")[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    return value


def _version(version: str) -> dict[str, str]:
    return {"VersionId": version} if version else {}


# --- extract → transform → load ----------------------------------------------------------


def extract(s3: Any, source: SourceInfo, work_dir: str) -> str:
    """Download the exact uploaded version; the local path."""
    path = os.path.join(work_dir, "source." + detect_format(source.key))
    got = s3.get_object(Bucket=source.bucket, Key=source.key, **_version(source.version_id))
    with open(path, "wb") as out:
        for chunk in got["Body"].iter_chunks(DOWNLOAD_CHUNK):
            out.write(chunk)
    return path


def transform(
    path: str, source: SourceInfo, work_dir: str, rules: schema.Schema
) -> TransformResult:
    out_dir = os.path.join(work_dir, "out")
    os.makedirs(out_dir, exist_ok=True)
    return transform_file(path, detect_format(source.key), source, out_dir, rules)


def load(
    clients: Clients,
    result: TransformResult,
    source: SourceInfo,
    args: dict[str, str],
    started: float,
    faults: Faults,
    rules: schema.Schema,
) -> dict[str, Any]:
    """Upload under this load's names, catalog, commit, clean up; the summary.

    Nothing of this load is visible to the curated view before the commit (see
    :mod:`pipeline_src.etl.commit`): a crash before it leaves the previous load in place.
    """
    s3, glue = clients.s3, clients.glue
    bucket, database, table = args["--processed-bucket"], args["--database"], args["--table"]
    loads_table = loads_table_name(table)
    contract, column = rules.contract, rules.partition
    values = sorted(result.files)
    begin(s3, bucket, source.key, source.load_id, values)
    targets = {
        naming.data_key(source.key, column, value, source.load_id): path
        for value, path in result.files.items()
    }
    written = sorted(targets)
    bytes_written = 0
    with ThreadPoolExecutor(PARALLEL_REQUESTS) as pool:  # boto3 clients are thread-safe
        uploads = {pool.submit(_upload, s3, targets[k], bucket, k): k for k in written}
        for upload in as_completed(uploads):
            upload.result()
            bytes_written += os.path.getsize(targets[uploads[upload]])
            faults.after_data_file(s3, bucket, source.key)
    location = f"s3://{bucket}/{naming.TABLE_PREFIX}"
    table_change = ensure_table(glue, database, table, location, contract)
    loads_location = f"s3://{bucket}/{naming.LOADS_PREFIX}"
    ensure_table(glue, database, loads_table, loads_location, contract, loads=True)
    added = ensure_partitions(glue, database, table, bucket, contract, values)
    done = commit(
        s3, bucket, source.key, source.version_id, source.load_id, result.rows_accepted, values
    )
    stale = stale_keys(s3, bucket, source.key, source.load_id, column, values, done)
    rejects_key = naming.rejects_key(source.key)
    if done.committed and result.rejects_path:
        s3.upload_file(result.rejects_path, bucket, rejects_key)
        bytes_written += os.path.getsize(result.rejects_path)
    elif done.committed:
        stale.append(rejects_key)  # rejects of an earlier version of the file
    delete_keys(s3, bucket, stale)
    summary = {
        "source": {
            "bucket": source.bucket,
            "key": source.key,
            "version_id": source.version_id,
            "uploaded_at": source.uploaded_at.isoformat() + "Z",
        },
        "format": detect_format(source.key),
        "rows_read": result.rows_read,
        "rows_accepted": result.rows_accepted,
        "rows_rejected": result.rows_rejected,
        "rejected_by_reason": dict(sorted(result.rejected_by_reason.items())),
        "duplicates_dropped": result.duplicates_dropped,
        "contract": contract.name,
        "partition_column": column,
        "partitions_written": sorted(result.files),
        "rows_by_partition": dict(sorted(result.rows_by_partition.items())),
        "files_written": [f"s3://{bucket}/{key}" for key in written],
        "bytes_written": bytes_written,
        "load_id": source.load_id,
        "committed": done.committed,
        "replaced_load": done.previous.load_id if done.committed else None,
        "superseded_by": None if done.committed else done.current,
        "stale_objects_deleted": len(stale),
        "rejects_uri": f"s3://{bucket}/{rejects_key}" if result.rejects_path else None,
        "table": f"{database}.{table}",
        "curated_view": f"{database}.{curated_view_name(table)}",
        "table_change": table_change,
        "partitions_added": added,
        "sale_date_source": result.date_source,
        "job_run_id": args.get("--JOB_RUN_ID", ""),
        "duration_s": round(time.monotonic() - started, 3),
    }
    body = json.dumps(summary, indent=2).encode("utf-8")
    for key in (
        naming.upload_summary_key(source.key, source.version_id),
        naming.summary_key(source.key),
    ):
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
    return summary


def _upload(s3: Any, path: str, bucket: str, key: str) -> None:
    """One PutObject for a small file; multipart (s3transfer) above SINGLE_PUT_BYTES."""
    if os.path.getsize(path) > SINGLE_PUT_BYTES:
        s3.upload_file(path, bucket, key)
        return
    with open(path, "rb") as body:
        s3.put_object(Bucket=bucket, Key=key, Body=body)


def run(session: Any, args: dict[str, str]) -> dict[str, Any]:
    """The whole job for one file; returns the data-quality summary."""
    started = time.monotonic()
    clients = make_clients(session)
    source = source_from_args(args, clients.s3)
    faults = Faults.from_args(args, source.key)
    faults.install(clients.s3)
    rules = schema.deployed()
    with tempfile.TemporaryDirectory(prefix="retail-etl-") as work_dir:
        path = extract(clients.s3, source, work_dir)
        result = transform(path, source, work_dir, rules)
        if result.rows_accepted == 0:  # nothing to commit: the visible rows stay as they are
            raise RuntimeError(
                f"NO_VALID_ROWS: all {result.rows_read} rows of {source.key} were rejected"
            )
        summary = load(clients, result, source, args, started, faults, rules)
    return summary


def main(argv: list[str] | None = None) -> None:
    import boto3

    args = parse_args(sys.argv[1:] if argv is None else argv)
    summary = run(boto3.session.Session(), args)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
