"""What the pipeline left to look at: execution inputs, log excerpts, mails, quarantine, summaries.

Every function returns a DataFrame so a notebook can show it as a table.
"""

from __future__ import annotations

import io
import json
from datetime import datetime

import boto3
import pandas as pd

from infra_scripts.config import Settings
from infra_scripts.localcloud.outbox import list_mail
from infra_scripts.ops.executions import execution_input, finished, poll_executions
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
    return newest.sort_values("key", ignore_index=True)


def failure_details(session: boto3.Session, executions: pd.DataFrame) -> pd.DataFrame:
    """The error and cause Step Functions recorded for each execution that did not succeed."""
    sfn = session.client("stepfunctions")
    rows = []
    for run in executions[executions["status"] != "SUCCEEDED"].itertuples():
        described = sfn.describe_execution(executionArn=run.arn)
        rows.append(
            {
                "key": run.key,
                "status": run.status,
                "error": described.get("error"),
                "cause": (described.get("cause") or "")[:200],
            }
        )
    return pd.DataFrame(rows, columns=["key", "status", "error", "cause"])


def execution_inputs(session: boto3.Session, executions: pd.DataFrame) -> pd.DataFrame:
    """The input each execution got from the upload rule (bucket, key, version, size)."""
    sfn = session.client("stepfunctions")
    rows = []
    for arn in executions["arn"]:
        rows.append({"execution": arn.rsplit(":", 1)[-1], **execution_input(sfn, arn)})
    return pd.DataFrame(rows)


def log_excerpts(
    session: boto3.Session,
    log_group: str,
    *,
    since: datetime | None = None,
    pattern: str | None = None,
    limit: int = 10,
    width: int = 160,
) -> pd.DataFrame:
    """The first ``limit`` events of a CloudWatch Logs group (optionally filtered), shortened."""
    logs = session.client("logs")
    kwargs: dict = {"logGroupName": log_group, "limit": limit}
    if since is not None:
        kwargs["startTime"] = int(since.timestamp() * 1000)
    if pattern:
        kwargs["filterPattern"] = pattern
    try:
        events = logs.filter_log_events(**kwargs)["events"]
    except logs.exceptions.ResourceNotFoundException:
        events = []
    rows = [
        {
            "time": pd.to_datetime(e["timestamp"], unit="ms", utc=True),
            "stream": e["logStreamName"],
            "message": " ".join(e["message"].split())[:width],
        }
        for e in events
    ]
    return pd.DataFrame(rows, columns=["time", "stream", "message"])


def recent_mails(
    settings: Settings, *, topic_arn: str | None = None, since: datetime | None = None
) -> pd.DataFrame:
    """Mails in the local cloud's outbox (newest first); empty on AWS (they go to the inbox)."""
    columns = ["time", "to", "subject", "body"]
    if settings.target != "local":
        return pd.DataFrame(columns=columns)
    after = since.isoformat()[:19] if since else ""
    rows = [
        {"time": m.time, "to": m.to, "subject": m.subject, "body": m.body}
        for m in list_mail(settings)
        if (topic_arn is None or m.topic_arn == topic_arn) and m.time >= after
    ]
    return pd.DataFrame(rows, columns=columns)


def quarantined_files(session: boto3.Session, bucket: str) -> pd.DataFrame:
    """Rejected originals in quarantine with the reason from their metadata and tags."""
    s3 = session.client("s3")
    rows = []
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=naming.QUARANTINE_PREFIX
    )
    for page in pages:
        for obj in page.get("Contents", []):
            meta = s3.head_object(Bucket=bucket, Key=obj["Key"]).get("Metadata", {})
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
    return pd.DataFrame(rows, columns=["file", "bytes", "reason", "tag", "message", "source_key"])


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
    frame = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
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
        return pd.DataFrame(columns=["file", "row", "reason_code", "reason"])
    return pd.concat(frames, ignore_index=True)
