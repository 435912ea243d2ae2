"""Glue Python-shell job: load one validated sales file into the processed table.

Arguments (Glue passes ``--name value`` pairs; ``getResolvedOptions`` is not needed):

``--source-bucket --source-key --source-version --uploaded-at`` the uploaded object,
``--processed-bucket --database --table`` where the rows go (job default arguments).

extract: download the exact object version; transform: typed Parquet per genre plus rejects
(:mod:`pipeline_src.etl.transform`); load: upload the files under names derived from the
source key, delete that source's stale files, register the partitions, write the
data-quality summary to ``summaries/<key>.json`` (the notification reads it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import time
from typing import Any

from pipeline_src import naming
from pipeline_src.etl.catalog import ensure_partitions, ensure_table
from pipeline_src.etl.transform import SourceInfo, TransformResult, transform_file
from pipeline_src.readers import detect_format

REQUIRED_ARGS = (
    "--source-bucket",
    "--source-key",
    "--processed-bucket",
    "--database",
    "--table",
)


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
    return SourceInfo(args["--source-bucket"], args["--source-key"], version, uploaded)


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
    s3.download_file(source.bucket, source.key, path, ExtraArgs=_version(source.version_id) or None)
    return path


def transform(path: str, source: SourceInfo, work_dir: str) -> TransformResult:
    out_dir = os.path.join(work_dir, "out")
    os.makedirs(out_dir, exist_ok=True)
    return transform_file(path, detect_format(source.key), source, out_dir)


def load(
    session: Any,
    result: TransformResult,
    source: SourceInfo,
    args: dict[str, str],
    started: float,
) -> dict[str, Any]:
    """Upload, replace this source's previous outputs, catalog, summary; the summary."""
    s3, glue = session.client("s3"), session.client("glue")
    bucket, database, table = args["--processed-bucket"], args["--database"], args["--table"]
    written: list[str] = []
    bytes_written = 0
    for genre, path in sorted(result.files.items()):
        key = naming.data_key(source.key, genre)
        s3.upload_file(path, bucket, key)
        written.append(key)
        bytes_written += os.path.getsize(path)
    stale = _stale_data_keys(s3, bucket, source.key, set(written))
    rejects_key = naming.rejects_key(source.key)
    if result.rejects_path:
        s3.upload_file(result.rejects_path, bucket, rejects_key)
        bytes_written += os.path.getsize(result.rejects_path)
    else:
        stale.append(rejects_key)
    _delete(s3, bucket, stale)
    table_change = ensure_table(glue, database, table, f"s3://{bucket}/{naming.TABLE_PREFIX}")
    added = ensure_partitions(glue, database, table, bucket, result.files)
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
        "partitions_written": sorted(result.files),
        "rows_by_genre": dict(sorted(result.rows_by_genre.items())),
        "files_written": [f"s3://{bucket}/{key}" for key in written],
        "bytes_written": bytes_written,
        "stale_files_deleted": len(stale) - (0 if result.rejects_path else 1),
        "rejects_uri": f"s3://{bucket}/{rejects_key}" if result.rejects_path else None,
        "table": f"{database}.{table}",
        "table_change": table_change,
        "partitions_added": added,
        "sale_date_source": result.date_source,
        "job_run_id": args.get("--JOB_RUN_ID", ""),
        "duration_s": round(time.monotonic() - started, 3),
    }
    s3.put_object(
        Bucket=bucket,
        Key=naming.summary_key(source.key),
        Body=json.dumps(summary, indent=2).encode("utf-8"),
        ContentType="application/json",
    )
    return summary


def _stale_data_keys(s3: Any, bucket: str, source_key: str, written: set) -> list[str]:
    """This source's data files in partitions it no longer has rows for."""
    stale = []
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=naming.TABLE_PREFIX, Delimiter="/"):
        for prefix in page.get("CommonPrefixes", []):
            key = prefix["Prefix"] + naming.output_stem(source_key) + ".parquet"
            if key not in written:
                stale.append(key)
    return stale


def _delete(s3: Any, bucket: str, keys: list[str]) -> None:
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        if chunk:
            s3.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
            )


def run(session: Any, args: dict[str, str]) -> dict[str, Any]:
    """The whole job for one file; returns the data-quality summary."""
    started = time.monotonic()
    s3 = session.client("s3")
    source = source_from_args(args, s3)
    with tempfile.TemporaryDirectory(prefix="retail-etl-") as work_dir:
        path = extract(s3, source, work_dir)
        result = transform(path, source, work_dir)
        summary = load(session, result, source, args, started)
    if result.rows_accepted == 0:
        raise RuntimeError(
            f"NO_VALID_ROWS: all {result.rows_read} rows of {source.key} were rejected "
            f"(see {summary['rejects_uri']})"
        )
    return summary


def main(argv: list[str] | None = None) -> None:
    import boto3

    args = parse_args(sys.argv[1:] if argv is None else argv)
    summary = run(boto3.session.Session(), args)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
