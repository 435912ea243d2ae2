"""The pipeline's state machine: ``pipeline.asl.json`` with ``${Placeholders}``.

:func:`render` fills the placeholders at deploy time and refuses unknown or missing ones.

Flow (state transitions: success 4, rejected file 5, failure 5 plus retries)::

    ValidateFile → IsValid ─valid→ TransformFile (Glue .sync, Retry) → NotifySuccess
                           └─else→ Quarantine (s3:copyObject) → NotifyRejected → FileRejected
    any task's Catch → NotifyFailure → PipelineFailed

TransformFile retries Glue's transient API errors with backoff, and a failed job run
(``States.TaskFailed``: a crash, a lost worker, an S3 error past botocore's retries) once:
a run that dies mid-write never committed its load, so the retry starts from a clean state.

The Glue job cannot return data to Step Functions: it writes its data-quality summary to
``summaries/<key>.json`` in the processed bucket, and NotifySuccess (a Lambda) reads it, so
handing the summary over costs no extra state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

TEMPLATE = Path(__file__).with_name("pipeline.asl.json")
PLACEHOLDERS = ("ValidateFunctionArn", "NotifyFunctionArn", "GlueJobName")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")


class PlaceholderError(ValueError):
    """A placeholder has no value, or a value names no placeholder."""


def placeholders(template: str) -> set[str]:
    return set(_PLACEHOLDER.findall(template))


def render(values: Mapping[str, str], template: str | None = None) -> str:
    """The ASL with every ``${Name}`` replaced by ``values[Name]`` (JSON-escaped)."""
    text = TEMPLATE.read_text(encoding="utf-8") if template is None else template
    wanted = placeholders(text)
    missing = sorted(wanted - set(values))
    unknown = sorted(set(values) - wanted)
    if missing or unknown:
        raise PlaceholderError(
            f"missing placeholder value(s): {missing or 'none'}; unknown: {unknown or 'none'}"
        )
    rendered = _PLACEHOLDER.sub(lambda m: json.dumps(str(values[m.group(1)]))[1:-1], text)
    json.loads(rendered)  # still valid JSON
    return rendered
