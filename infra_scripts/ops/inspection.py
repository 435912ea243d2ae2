"""What the pipeline left to look at: execution inputs, log excerpts, mails, quarantine, summaries.

Every function returns a DataFrame so a notebook can show it as a table, and shows it whole
(:class:`~infra_scripts.ops.tables.WholeFrame`): a log line, a failure cause or a mail
subject is wrapped, never cut. Lambda's ``REPORT`` lines are parsed into columns
(:func:`parse_report_line`, :func:`lambda_reports`).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pandas as pd

from infra_scripts.config import Settings
from infra_scripts.localcloud.outbox import list_mail
from infra_scripts.ops.executions import execution_input, finished, poll_executions
from infra_scripts.ops.tables import LogEvents, WholeFrame, whole
from pipeline_src import naming

SUMMARY_COLUMNS = [
    "file",
    "format",
    "rows_read",
    "rows_accepted",
    "rows_rejected",
    "duplicates_dropped",
    "partitions",
    "rejected_by_reason",
    "sale_date_source",
    "duration_s",
]


def wait_for_started(
    session: boto3.Session,
    state_machine_arn: str,
    *,
    count: int,
    since: datetime,
    deadline_s: float = 30.0,
    poll_s: float = 0.25,
) -> pd.DataFrame:
    """Wait until ``count`` executions started after ``since`` exist (finished or not)."""
    return poll_executions(
        session,
        state_machine_arn,
        since=since,
        ready=lambda frame: len(frame) >= count,
        timeout_message=lambda frame: (
            f"{len(frame)} of {count} executions started within {deadline_s:.0f}s: is the "
            "upload rule enabled and the bucket sending events to EventBridge?"
        ),
        deadline_s=deadline_s,
        poll_s=poll_s,
    )


def wait_for_all(
    session: boto3.Session, state_machine_arn: str, *, deadline_s: float = 120.0
) -> pd.DataFrame:
    """Wait until no execution of the state machine is running; all of them, newest first."""

    def running(frame: pd.DataFrame) -> int:
        return len(frame) - len(finished(frame))

    return poll_executions(
        session,
        state_machine_arn,
        ready=lambda frame: running(frame) == 0,
        timeout_message=lambda frame: (
            f"{running(frame)} of {len(frame)} executions still running after {deadline_s:.0f}s;"
            " see `retailkit local logs` or the Step Functions console"
        ),
        deadline_s=deadline_s,
    )


def latest_per_file(executions: pd.DataFrame) -> pd.DataFrame:
    """The newest execution of each uploaded file, sorted by file."""
    newest = executions.sort_values("started", ascending=False).drop_duplicates("key")
    return whole(newest.sort_values("key", ignore_index=True))


def failure_details(session: boto3.Session, executions: pd.DataFrame) -> WholeFrame:
    """The error and the whole cause Step Functions recorded for each execution that failed."""
    sfn = session.client("stepfunctions")
    rows = []
    for run in executions[executions["status"] != "SUCCEEDED"].itertuples():
        described = sfn.describe_execution(executionArn=run.arn)
        rows.append(
            {
                "key": run.key,
                "status": run.status,
                "error": described.get("error"),
                "cause": described.get("cause") or "",
            }
        )
    return WholeFrame(rows, columns=["key", "status", "error", "cause"])


def execution_inputs(session: boto3.Session, executions: pd.DataFrame) -> pd.DataFrame:
    """The input each execution got from the upload rule (bucket, key, version, size)."""
    sfn = session.client("stepfunctions")
    rows = []
    for arn in executions["arn"]:
        rows.append({"execution": arn.rsplit(":", 1)[-1], **execution_input(sfn, arn)})
    return WholeFrame(rows)


def log_excerpts(
    session: boto3.Session,
    log_group: str,
    *,
    since: datetime | None = None,
    pattern: str | None = None,
    limit: int = 10,
    width: int | None = None,
) -> LogEvents:
    """The first ``limit`` events of a CloudWatch Logs group (optionally filtered).

    Each message is shown whole, its whitespace runs (tabs, line breaks) as single spaces;
    ``width`` cuts it to that many characters instead.
    """
    rows = [
        {
            "time": pd.to_datetime(e["timestamp"], unit="ms", utc=True),
            "stream": e["logStreamName"],
            "message": " ".join(e["message"].split())[:width],
        }
        for e in _log_events(session, log_group, since=since, pattern=pattern, limit=limit)
    ]
    return LogEvents(rows, columns=["time", "stream", "message"])


GLUE_OUTPUT_GROUP = "/aws-glue/python-jobs/output"  # a Python shell job's stdout, all jobs


def glue_job_output(session: boto3.Session, job_name: str, *, limit: int = 10) -> LogEvents:
    """What the runs of one Glue job printed (``/aws-glue/python-jobs/output``), whole.

    Every job of the account writes to that log group, one stream per job run: only the
    streams of ``job_name``'s latest 100 runs are read.
    """
    runs = session.client("glue").get_job_runs(JobName=job_name, MaxResults=100)["JobRuns"]
    if not runs:
        return LogEvents(columns=["time", "job_run", "message"])
    rows = [
        {
            "time": pd.to_datetime(e["timestamp"], unit="ms", utc=True),
            "job_run": e["logStreamName"],
            "message": e["message"].strip(),
        }
        for e in _log_events(
            session, GLUE_OUTPUT_GROUP, streams=[r["Id"] for r in runs], limit=limit
        )
    ]
    return LogEvents(rows, columns=["time", "job_run", "message"])


def _log_events(
    session: boto3.Session,
    log_group: str,
    *,
    since: datetime | None = None,
    pattern: str | None = None,
    streams: list[str] | None = None,
    limit: int,
) -> list[dict[str, Any]]:
    logs = session.client("logs")
    kwargs: dict = {"logGroupName": log_group, "limit": limit}
    if streams:
        kwargs["logStreamNames"] = streams[:100]
    if since is not None:
        kwargs["startTime"] = int(since.timestamp() * 1000)
    if pattern:
        kwargs["filterPattern"] = pattern
    try:
        events = logs.filter_log_events(**kwargs)["events"]
    except logs.exceptions.ResourceNotFoundException:
        events = []
    return events


# --- Lambda's REPORT lines ---------------------------------------------------------------
# Lambda ends every invocation's log with one line (text log format), e.g.
#   REPORT RequestId: <id>\tDuration: 3.41 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\t
#   Max Memory Used: 62 MB\tInit Duration: 110.28 ms
# Init Duration only on a cold start; SnapStart functions report Restore Duration and Billed
# Restore Duration instead; a failed invocation may add "Status: timeout" (or error) and
# "Error Type: …". With the JSON log format the same figures come as a "platform.report"
# record whose metrics are durationMs, billedDurationMs, memorySizeMB, maxMemoryUsedMB, ….
REPORT_COLUMNS = {
    # label in the text line → column, unit, the JSON format's metric
    "Duration": ("duration_ms", "ms", "durationMs"),
    "Billed Duration": ("billed_duration_ms", "ms", "billedDurationMs"),
    "Memory Size": ("memory_size_mb", "MB", "memorySizeMB"),
    "Max Memory Used": ("max_memory_used_mb", "MB", "maxMemoryUsedMB"),
    "Init Duration": ("init_duration_ms", "ms", "initDurationMs"),
    "Restore Duration": ("restore_duration_ms", "ms", "restoreDurationMs"),
    "Billed Restore Duration": ("billed_restore_duration_ms", "ms", "billedRestoreDurationMs"),
}
# Always present in a REPORT line; the others only when they apply.
REPORT_REQUIRED = ("duration_ms", "billed_duration_ms", "memory_size_mb", "max_memory_used_mb")
_REPORT_START = re.compile(r"^\s*REPORT\s+RequestId:\s*(?P<id>[^\s]+)")
_REPORT_FIELD = re.compile(
    r"(?P<label>"
    + "|".join(sorted(map(re.escape, REPORT_COLUMNS), key=len, reverse=True))
    + r"):\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>ms|MB)\b"
)
_REPORT_STATUS = re.compile(r"\bStatus:\s*(?P<status>[\w.-]+)")
_REPORT_ERROR = re.compile(r"\bError Type:\s*(?P<error>[\w.-]+)")


def _number(value: Any) -> float | int:
    number = float(value)
    return int(number) if number.is_integer() else number


def parse_report_line(line: str) -> dict[str, Any] | None:
    """The figures of one Lambda ``REPORT`` log line, or None for any other line.

    Returns ``request_id``, ``duration_ms``, ``billed_duration_ms``, ``memory_size_mb``,
    ``max_memory_used_mb``, and ``init_duration_ms`` (cold starts), ``restore_duration_ms``
    and ``billed_restore_duration_ms`` (SnapStart), ``status`` and ``error_type`` (failed
    invocations) only when the line has them. Reads the text log format and the JSON one.
    """
    text = line.strip()
    if text.startswith("{"):
        return _parse_json_report(text)
    start = _REPORT_START.match(text)
    if not start:
        return None
    report: dict[str, Any] = {"request_id": start["id"]}
    for field in _REPORT_FIELD.finditer(text, start.end()):
        column, unit, _ = REPORT_COLUMNS[field["label"]]
        if field["unit"] == unit:
            report[column] = _number(field["value"])
    if status := _REPORT_STATUS.search(text, start.end()):
        report["status"] = status["status"]
    if error := _REPORT_ERROR.search(text, start.end()):
        report["error_type"] = error["error"]
    return report if all(c in report for c in REPORT_REQUIRED) else None


def _parse_json_report(text: str) -> dict[str, Any] | None:
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict) or doc.get("type") != "platform.report":
        return None
    record = doc.get("record") or {}
    metrics = record.get("metrics") or {}
    report: dict[str, Any] = {"request_id": record.get("requestId")}
    for column, _, metric in REPORT_COLUMNS.values():
        if metrics.get(metric) is not None:
            report[column] = _number(metrics[metric])
    if record.get("status") and record["status"] != "success":
        report["status"] = record["status"]
    if record.get("errorType"):
        report["error_type"] = record["errorType"]
    return report if all(c in report for c in REPORT_REQUIRED) else None


def lambda_reports(
    session: boto3.Session,
    function_name: str,
    *,
    since: datetime | None = None,
    limit: int = 10,
) -> WholeFrame:
    """The ``REPORT`` line of a Lambda function's first ``limit`` invocations, as columns.

    One row per invocation: time, request id, duration, billed duration, memory size, max
    memory used, and ``gb_seconds`` — billed duration x memory size, what Lambda bills per
    invocation beside the request. Columns that no line has (init duration on a warm start,
    SnapStart's restore duration, status) are left out.
    """
    events = _log_events(
        session, f"/aws/lambda/{function_name}", since=since, pattern="REPORT", limit=limit
    )
    rows = []
    for event in events:
        report = parse_report_line(event["message"])
        if report is not None:
            rows.append({"time": pd.to_datetime(event["timestamp"], unit="ms", utc=True), **report})
    optional = [c for c, _, _ in REPORT_COLUMNS.values() if c not in REPORT_REQUIRED]
    columns = ["time", "request_id", *REPORT_REQUIRED, *optional, "status", "error_type"]
    frame = WholeFrame(rows, columns=columns)
    frame = frame.drop(
        columns=[c for c in (*optional, "status", "error_type") if frame[c].isna().all()]
    )
    frame["gb_seconds"] = (
        frame["billed_duration_ms"].astype(float)
        / 1000
        * frame["memory_size_mb"].astype(float)
        / 1024
    ).round(6)
    return frame


def recent_mails(
    settings: Settings, *, topic_arn: str | None = None, since: datetime | None = None
) -> pd.DataFrame:
    """Mails in the local cloud's outbox (newest first); empty on AWS (they go to the inbox)."""
    columns = ["time", "to", "subject", "body"]
    if settings.target != "local":
        return WholeFrame(columns=columns)
    after = since.isoformat()[:19] if since else ""
    rows = [
        {"time": m.time, "to": m.to, "subject": m.subject, "body": m.body}
        for m in list_mail(settings)
        if (topic_arn is None or m.topic_arn == topic_arn) and m.time >= after
    ]
    return WholeFrame(rows, columns=columns)


def quarantined_objects(
    session: boto3.Session, bucket: str
) -> Iterator[tuple[dict[str, Any], dict[str, str]]]:
    """Each refused original in quarantine: its listing entry and its metadata (the reason
    the pipeline recorded: ``reject-reason``, ``reject-message``, ``source-key``)."""
    s3 = session.client("s3")
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=naming.QUARANTINE_PREFIX
    )
    for page in pages:
        for obj in page.get("Contents", []):
            yield obj, s3.head_object(Bucket=bucket, Key=obj["Key"]).get("Metadata", {})


def quarantined_files(session: boto3.Session, bucket: str) -> pd.DataFrame:
    """Rejected originals in quarantine with the reason from their metadata and tags."""
    s3 = session.client("s3")
    rows = []
    for obj, meta in quarantined_objects(session, bucket):
        tags = s3.get_object_tagging(Bucket=bucket, Key=obj["Key"])["TagSet"]
        rows.append(
            {
                "file": obj["Key"][len(naming.QUARANTINE_PREFIX) :],
                "bytes": obj["Size"],
                "reason": meta.get("reject-reason"),
                "tag": ",".join(f"{t['Key']}={t['Value']}" for t in tags),
                "message": meta.get("reject-message"),
                "source_key": meta.get("source-key"),
            }
        )
    return WholeFrame(rows, columns=["file", "bytes", "reason", "tag", "message", "source_key"])


def quality_summaries(session: boto3.Session, bucket: str) -> pd.DataFrame:
    """The data-quality summary the Glue job wrote for each loaded file (``summaries/``)."""
    s3 = session.client("s3")
    rows = []
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=naming.SUMMARIES_PREFIX
    )
    for page in pages:
        for obj in page.get("Contents", []):
            doc = json.loads(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
            rows.append(
                {
                    "file": naming.relative_key(doc["source"]["key"]),
                    "format": doc.get("format"),
                    "rows_read": doc.get("rows_read"),
                    "rows_accepted": doc.get("rows_accepted"),
                    "rows_rejected": doc.get("rows_rejected"),
                    "duplicates_dropped": doc.get("duplicates_dropped"),
                    "partitions": len(doc.get("partitions_written", [])),
                    "rejected_by_reason": doc.get("rejected_by_reason") or {},
                    "sale_date_source": doc.get("sale_date_source"),
                    "duration_s": doc.get("duration_s"),
                }
            )
    frame = WholeFrame(rows, columns=SUMMARY_COLUMNS)
    return frame.sort_values("file", ignore_index=True)


def quality_totals(summaries: pd.DataFrame) -> pd.Series:
    """Files and rows read, accepted, rejected and dropped as duplicates, over all summaries."""
    counts = summaries[["rows_read", "rows_accepted", "rows_rejected", "duplicates_dropped"]]
    return pd.concat([pd.Series({"files": len(summaries)}), counts.sum().astype(int)])


def rejected_rows(session: boto3.Session, bucket: str) -> pd.DataFrame:
    """Rows the Glue job set aside (``rejects/*.rejects.csv``) with their row number and reason."""
    s3 = session.client("s3")
    frames = []
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=naming.REJECTS_PREFIX
    )
    for page in pages:
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            frame = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False)
            name = obj["Key"][len(naming.REJECTS_PREFIX) :].removesuffix(".rejects.csv")
            frames.append(frame.assign(file=name)[["file", "row", "reason_code", "reason"]])
    if not frames:
        return WholeFrame(columns=["file", "row", "reason_code", "reason"])
    return whole(pd.concat(frames, ignore_index=True))
