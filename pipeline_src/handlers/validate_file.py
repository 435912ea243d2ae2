"""ValidateFile Lambda: read the uploaded object version, validate it, return the report.

Input (the state machine's input, from the EventBridge rule): ``bucket, key, version_id,
size, uploaded_at``. Environment: ``QUARANTINE_BUCKET`` (default: the source bucket),
``MAX_FILE_BYTES`` (default 512 MiB).
"""

from __future__ import annotations

import os
from typing import Any

from pipeline_src.events import source_from_event
from pipeline_src.handlers.clients import client
from pipeline_src.validation import DEFAULT_MAX_BYTES, quarantine_plan, validate


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    source = source_from_event(event)
    s3 = client("s3")
    version = {"VersionId": source["version_id"]} if source["version_id"] else {}
    obj = s3.get_object(Bucket=source["bucket"], Key=source["key"], **version)
    max_bytes = int(os.environ.get("MAX_FILE_BYTES") or DEFAULT_MAX_BYTES)
    report = validate(obj["Body"], source["key"], size=obj["ContentLength"], max_bytes=max_bytes)
    report["source"] = {**source, "version_id": obj.get("VersionId") or source["version_id"]}
    if not report["valid"]:
        quarantine_bucket = os.environ.get("QUARANTINE_BUCKET") or source["bucket"]
        report["quarantine"] = quarantine_plan(
            report,
            source["bucket"],
            source["key"],
            report["source"]["version_id"],
            quarantine_bucket,
        )
    return report
