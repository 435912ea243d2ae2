"""The state machine's input: what the EventBridge rule passes for an uploaded object.

S3 "Object Created" events reach the state machine through a rule whose input transformer
(:data:`RULE_INPUT_PATHS`, :data:`RULE_INPUT_TEMPLATE`) keeps just the object's identity;
:func:`source_from_event` accepts that shape or the raw event (handy for re-runs).
"""

from __future__ import annotations

from typing import Any

RULE_INPUT_PATHS = {
    "bucket": "$.detail.bucket.name",
    "key": "$.detail.object.key",
    "version": "$.detail.object.version-id",
    "size": "$.detail.object.size",
    "time": "$.time",
}
RULE_INPUT_TEMPLATE = (
    '{"bucket": <bucket>, "key": <key>, "version_id": <version>, "size": <size>, '
    '"uploaded_at": <time>}'
)


def event_pattern(bucket: str, prefix: str = "incoming/") -> dict[str, Any]:
    """The rule's pattern: objects created in ``bucket`` under ``prefix``."""
    return {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"prefix": prefix}]}},
    }


def source_from_event(event: dict[str, Any]) -> dict[str, Any]:
    """``{bucket, key, version_id, size, uploaded_at}`` (strings; "" when unknown)."""
    if "detail" in event:  # the raw EventBridge event
        detail = event["detail"]
        event = {
            "bucket": detail["bucket"]["name"],
            "key": detail["object"]["key"],
            "version_id": detail["object"].get("version-id"),
            "size": detail["object"].get("size"),
            "uploaded_at": event.get("time"),
        }
    version = event.get("version_id")
    return {
        "bucket": event["bucket"],
        "key": event["key"],
        "version_id": "" if version in (None, "null") else str(version),
        "size": event.get("size"),
        "uploaded_at": str(event.get("uploaded_at") or ""),
    }
