"""Validate a sales file: the pure function behind the ValidateFile Lambda.

:func:`validate` streams the file once (bounded memory: one record at a time plus a 12.5 MB
bitmap of transaction ids) and returns a JSON-ready report::

    {"valid": true, "format": "csv", "reason_code": null, "rows": 30, "rows_valid": 25,
     "rows_rejected": 5, "columns": ["title", ...], "rejected_by_reason": {"INVALID_PRICE": 1},
     "reasons": [{"code": "INVALID_PRICE", "message": "...", "row": 3}, ...]}

File-level problems make ``valid`` false with ``reason_code`` set (the file goes to
quarantine); row-level problems are counted and listed (at most ``MAX_REASONS``) but the file
stays valid while at least one row is: the Glue job loads the good rows and writes the
rejected ones beside them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

from pipeline_src import naming
from pipeline_src.dedup import SeenKeys
from pipeline_src.readers import FileProblem, Record, SalesFile, detect_format
from pipeline_src.schema import FILE_LEVEL, Schema, deployed

DEFAULT_MAX_BYTES = 512 << 20
MAX_REASONS = 20
SPOOL_BYTES = 8 << 20  # XLSX needs random access: spooled to disk above this size


class CheckedRow(NamedTuple):
    """One record with its verdict: ``code`` None means the row loads with ``values``."""

    row: int
    code: str | None
    column: str | None
    values: dict[str, Any]
    record: Record


def checked_rows(records: Iterator[Record], schema: Schema) -> Iterator[CheckedRow]:
    """Check every record, duplicates of an earlier valid row's dedup key included."""
    seen = SeenKeys(schema.contract)
    duplicate_column = schema.dedup_key[0] if schema.dedup_key else None
    for record in records:
        if record.shape:
            yield CheckedRow(record.row, record.shape, None, {}, record)
            continue
        verdict = schema.check_row(record.values)
        code, column = verdict.code, verdict.column
        if code is None and schema.dedup_key and not seen.add(schema.dedup_value(verdict.values)):
            code, column = schema.duplicate_code, duplicate_column
        yield CheckedRow(record.row, code, column, verdict.values, record)


def open_sales_file(stream: IO[bytes], fmt: str, schema: Schema | None = None) -> SalesFile:
    """A :class:`SalesFile`; XLSX streams are spooled first (zip needs random access)."""
    if fmt == "xlsx" and not _seekable(stream):
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned)
        shutil.copyfileobj(stream, spool, 1 << 20)
        spool.seek(0)
        stream = spool  # type: ignore[assignment]
    return SalesFile(stream, fmt, schema)


def _seekable(stream: Any) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError):
        return False


def validate(
    stream: IO[bytes],
    key: str,
    *,
    size: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    schema: Schema | None = None,
) -> dict[str, Any]:
    """Validate the file ``key`` whose bytes ``stream`` yields; the report (see module doc).

    ``schema``: the contract's rules (default: the contract this code was deployed with).
    """
    schema = schema or deployed()
    report: dict[str, Any] = {
        "valid": False,
        "format": None,
        "reason_code": None,
        "rows": 0,
        "rows_valid": 0,
        "rows_rejected": 0,
        "columns": [],
        "rejected_by_reason": {},
        "reasons": [],
    }
    try:
        report["format"] = fmt = detect_format(key)
        if size is not None and size > max_bytes:
            raise FileProblem(
                "FILE_TOO_LARGE",
                f"the file is {size:,} bytes; the pipeline accepts at most {max_bytes:,}",
            )
        if size == 0:
            raise FileProblem("EMPTY_FILE", "the file is empty (0 bytes)")
        sales = open_sales_file(stream, fmt, schema)
        for checked in checked_rows(sales.records(), schema):
            _count(report, checked, schema)
        report["columns"] = sales.columns
        if sales.delimiter:
            report["delimiter"] = sales.delimiter
        if report["rows_valid"] == 0:
            raise FileProblem("NO_VALID_ROWS", f"all {report['rows']:,} data rows were rejected")
    except FileProblem as problem:
        report["reason_code"] = problem.code
        report["reasons"].insert(0, {"code": problem.code, "message": problem.message})
        del report["reasons"][MAX_REASONS:]
        return report
    report["valid"] = True
    return report


def _count(report: dict[str, Any], checked: CheckedRow, schema: Schema) -> None:
    report["rows"] += 1
    if checked.code is None:
        report["rows_valid"] += 1
        return
    report["rows_rejected"] += 1
    by_reason = report["rejected_by_reason"]
    by_reason[checked.code] = by_reason.get(checked.code, 0) + 1
    if len(report["reasons"]) < MAX_REASONS:
        report["reasons"].append(
            {
                "code": checked.code,
                "message": schema.row_message(checked.code, checked.column),
                "row": checked.row,
            }
        )


def file_problem_message(report: dict[str, Any]) -> str:
    """The one-line cause of a rejected file's report."""
    code = report.get("reason_code") or "UNKNOWN"
    reasons: list[dict[str, Any]] = report.get("reasons") or []
    detail = reasons[0]["message"] if reasons else FILE_LEVEL.get(code, code)
    return f"{code}: {detail}"


def quarantine_plan(
    report: dict[str, Any], bucket: str, key: str, version_id: str, quarantine_bucket: str
) -> dict[str, Any]:
    """Where and how the state machine copies a rejected original (exact version + reason)."""
    code = report.get("reason_code") or "UNKNOWN"
    message = _ascii(file_problem_message(report))[:1000]
    metadata = {
        "reject-reason": code,
        "reject-message": message,
        "source-bucket": bucket,
        "source-key": _ascii(key)[:512],
        "source-version": version_id or "null",
    }
    return {
        "bucket": quarantine_bucket,
        "key": naming.quarantine_key(key),
        "copy_source": naming.copy_source(bucket, key, version_id),
        "metadata": metadata,
        "tagging": f"reject-reason={code}",
    }


def _ascii(text: str) -> str:
    """S3 metadata travels in HTTP headers: keep it printable ASCII."""
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)
