"""E-mails a shop owner understands, and the same facts as JSON for ``email-json``.

Each function returns a :class:`Notification`; :meth:`Notification.sns_message` is the SNS
``MessageStructure='json'`` document: ``email`` subscribers get the plain text,
``email-json`` subscribers (and everything else, via ``default``) get the facts as JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from pipeline_src.schema import deployed

SUBJECT_LIMIT = 100  # SNS refuses longer subjects
MAX_LISTED_ROWS = 10
# AWS's access-denied wording: "User: <principal> is not authorized to perform: <action> on
# resource: <resource> because …" / "… with an explicit deny in …".
_DENIED = re.compile(
    r"User: (?P<principal>\S+) is not authorized to perform: (?P<action>\S+)"
    r" on resource: \"?(?P<resource>[^\s\"]+)\"?"
)


class Notification(NamedTuple):
    subject: str
    text: str
    data: dict[str, Any]

    def sns_message(self) -> str:
        facts = json.dumps(self.data, indent=2, sort_keys=True)
        return json.dumps({"default": facts, "email": self.text, "email-json": facts})


def _subject(text: str) -> str:
    """SNS subjects: printable ASCII, one line, at most 100 characters."""
    text = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in " ".join(text.split()))
    return text if len(text) <= SUBJECT_LIMIT else text[: SUBJECT_LIMIT - 3] + "..."


def _name(key: str) -> str:
    return key.rsplit("/", 1)[-1]


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _meaning(code: str) -> str:
    """A reason code's meaning under the deployed contract (the code itself if unknown)."""
    return deployed().all_codes.get(code, code)


def _reason_lines(by_reason: dict[str, int]) -> list[str]:
    return [
        f"  - {_plural(count, 'row')}: {code} ({_meaning(code)})"
        for code, count in sorted(by_reason.items(), key=lambda item: (-item[1], item[0]))
    ]


def success(summary: dict[str, Any]) -> Notification:
    """The file loaded (perhaps with some rows rejected)."""
    source = summary["source"]
    name = _name(source["key"])
    accepted, rejected = summary["rows_accepted"], summary["rows_rejected"]
    outcome = "loaded" if rejected == 0 else f"loaded, {_plural(rejected, 'row')} rejected"
    lines = [
        f"Your file {name} was {outcome}.",
        "",
        f"File:          s3://{source['bucket']}/{source['key']}",
        f"Rows read:     {summary['rows_read']:,}",
        f"Rows loaded:   {accepted:,}",
        f"Rows rejected: {rejected:,}",
    ]
    if summary.get("committed") is False:
        lines.append(
            "A newer upload of the same file was loaded meanwhile: the table shows that one."
        )
    if summary.get("duplicates_dropped"):
        key = " + ".join(deployed().dedup_key)
        lines.append(f"  (of which {_plural(summary['duplicates_dropped'], 'repeated ' + key)})")
    if rejected:
        lines += ["", "Why rows were rejected:", *_reason_lines(summary["rejected_by_reason"])]
        lines += ["", f"The rejected rows and their reasons: {summary['rejects_uri']}"]
    per_value = summary.get("rows_by_partition") or {}
    if per_value:
        column = summary.get("partition_column") or deployed().partition
        listed = ", ".join(f"{value} {count:,}" for value, count in per_value.items())
        lines += ["", f"Rows per {column}: {listed}"]
    lines += [
        "",
        f"The sales are in the table {summary['table']} (Athena and Redshift).",
        f"Processing took {summary.get('duration_s', 0):.1f} s.",
    ]
    data = {"outcome": "loaded", **summary}
    return Notification(
        _subject(f"Sales file loaded: {name} ({accepted:,} rows)"), "\n".join(lines) + "\n", data
    )


def rejected(report: dict[str, Any]) -> Notification:
    """The validator rejected the whole file; the original went to quarantine."""
    source = report.get("source") or {}
    key = source.get("key", "?")
    name = _name(key)
    code = report.get("reason_code") or "UNKNOWN"
    reasons = report.get("reasons") or []
    detail = reasons[0]["message"] if reasons else _meaning(code)
    quarantine = report.get("quarantine") or {}
    lines = [
        f"Your file {name} was not loaded: nothing from it is in the sales table.",
        "",
        f"Reason: {detail}",
        f"Code:   {code} ({_meaning(code)})",
        "",
        f"File:   s3://{source.get('bucket', '?')}/{key} (left as uploaded)",
    ]
    if quarantine:
        lines.append(f"Copy:   s3://{quarantine['bucket']}/{quarantine['key']} (quarantine)")
    row_reasons = [r for r in reasons if r.get("row")]
    if row_reasons:
        lines += ["", "Rows with problems (first ones):"]
        lines += [
            f"  - row {r['row']}: {r['code']} - {r['message']}"
            for r in row_reasons[:MAX_LISTED_ROWS]
        ]
    lines += ["", "Fix the file and upload it again to the same place."]
    data = {
        "outcome": "rejected",
        "source": source,
        "reason_code": code,
        "reason": detail,
        "rows": report.get("rows", 0),
        "rejected_by_reason": report.get("rejected_by_reason", {}),
        "reasons": reasons,
        "quarantine": quarantine or None,
    }
    return Notification(
        _subject(f"Sales file rejected: {name} ({code})"), "\n".join(lines) + "\n", data
    )


def failed(source: dict[str, Any], error: dict[str, Any] | None) -> Notification:
    """Something broke while processing (not the file's fault, or not only)."""
    key = source.get("key", "?")
    name = _name(key)
    error = error or {}
    kind = error.get("Error") or "UnknownError"
    cause = _cause_text(error.get("Cause"))
    denied = _DENIED.search(cause)
    lines = [
        f"Processing your file {name} failed, so it was not loaded (or only partly).",
        "",
        f"File:  s3://{source.get('bucket', '?')}/{key}",
        f"Error: {kind}",
        f"Cause: {cause}",
        "",
    ]
    if denied:
        lines += [
            f"Missing permission: {denied['action']} on {denied['resource']}",
            f"(for {denied['principal']}): add it to that role's policy.",
            "",
        ]
    lines += [
        "The file itself is kept as uploaded. Once the problem is fixed, upload the file",
        "again (or restart the execution) and it is loaded without duplicates.",
    ]
    data = {"outcome": "failed", "source": source, "error": kind, "cause": cause}
    if denied:
        data["missing_permission"] = {
            "action": denied["action"],
            "resource": denied["resource"],
            "principal": denied["principal"],
        }
    return Notification(
        _subject(f"Sales file failed: {name} ({kind})"), "\n".join(lines) + "\n", data
    )


def _cause_text(cause: Any) -> str:
    """A Step Functions Cause is often JSON (a Lambda error, a Glue run): its message."""
    if not isinstance(cause, str):
        return str(cause) if cause is not None else "unknown"
    try:
        parsed = json.loads(cause)
    except ValueError:
        return cause[:2000]
    if isinstance(parsed, dict):
        for field in ("errorMessage", "ErrorMessage", "message"):
            if parsed.get(field):
                return str(parsed[field])[:2000]
    return cause[:2000]
