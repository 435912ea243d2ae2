"""Notify Lambda: turn the execution's outcome into an e-mail and publish it to SNS.

Input from the state machine: ``{"outcome": "succeeded" | "rejected" | "failed", ...}``
with the validation report, the source object and, on failure, the caught error.
Environment: ``TOPIC_ARN``, ``PROCESSED_BUCKET`` (where the Glue job wrote the summary: the
one of this upload, so a mail never reports another upload of the same key).
Returns the one-line ``cause`` the state machine's Fail states show.
"""

from __future__ import annotations

import json
import os
from typing import Any

from pipeline_src import naming, notifications
from pipeline_src.handlers.clients import client


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    outcome = event.get("outcome")
    source = event.get("source") or (event.get("report") or {}).get("source") or {}
    if outcome == "succeeded":
        note = notifications.success(upload_summary(source))
    elif outcome == "rejected":
        note = notifications.rejected(event["report"])
    else:
        note = notifications.failed(source, event.get("error"))
    published = client("sns").publish(
        TopicArn=os.environ["TOPIC_ARN"],
        Subject=note.subject,
        Message=note.sns_message(),
        MessageStructure="json",
    )
    return {"message_id": published["MessageId"], "cause": note.subject, "outcome": outcome}


def upload_summary(source: dict[str, Any]) -> dict[str, Any]:
    """The Glue job's summary of this upload; the key's latest summary if there is none (a
    job of an earlier kit version wrote only that one)."""
    s3, bucket = client("s3"), os.environ["PROCESSED_BUCKET"]
    try:
        key = naming.upload_summary_key(source["key"], source.get("version_id"))
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        key = naming.summary_key(source["key"])
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
