"""A bad-file corpus, for any business: files with one problem each and their expected verdicts.

A corpus is a list of :class:`BadFile`. ``write_corpus`` writes every file plus
``manifest.json``, a list of ``{file, problem, expected}`` where ``expected`` is either
``{"outcome": "rejected", "reason_code": CODE}`` (a file-level problem: nothing loads) or
``{"outcome": "accepted", "rows_total", "rows_accepted", "rows_rejected",
"reject_reason_code", "rejects": [{"row", "reason_code"}]}`` (rows are numbered from 1, the
first data row or array element; ``reject_reason_code`` is the single code shared by all
rejected rows, or null when there are none or several). Codes: ``reason_codes``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class BadFile:
    """One corpus file: its bytes and what the validator must say about it."""

    file: str
    problem: str
    build: Callable[[], bytes]
    reason_code: str | None = None  # set: the whole file is rejected with this code
    rows_total: int = 0
    rejects: tuple[tuple[int, str], ...] = ()

    def expected(self) -> dict[str, Any]:
        """The manifest's ``expected`` object."""
        if self.reason_code is not None:
            return {"outcome": "rejected", "reason_code": self.reason_code}
        codes = sorted({code for _, code in self.rejects})
        return {
            "outcome": "accepted",
            "rows_total": self.rows_total,
            "rows_accepted": self.rows_total - len(self.rejects),
            "rows_rejected": len(self.rejects),
            "reject_reason_code": codes[0] if len(codes) == 1 else None,
            "rejects": [{"row": row, "reason_code": code} for row, code in self.rejects],
        }

    def manifest_entry(self) -> dict[str, Any]:
        """The file's manifest entry."""
        return {"file": self.file, "problem": self.problem, "expected": self.expected()}


def manifest(files: list[BadFile]) -> list[dict[str, Any]]:
    """The manifest entries of a corpus."""
    return [bad.manifest_entry() for bad in files]


def write_corpus(files: list[BadFile], out_dir: Path) -> list[Path]:
    """Write every file and ``manifest.json`` into ``out_dir``; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for bad in files:
        path = out_dir / bad.file
        path.write_bytes(bad.build())
        paths.append(path)
    manifest_path = out_dir / MANIFEST_NAME
    text = json.dumps(manifest(files), indent=2, ensure_ascii=False) + "\n"
    manifest_path.write_text(text, encoding="utf-8")
    return [*paths, manifest_path]


def unexpected(files: list[BadFile], out_dir: Path) -> list[Path]:
    """Files in ``out_dir`` that the corpus does not write (stale ones, to delete by hand)."""
    known = {bad.file for bad in files} | {MANIFEST_NAME, "README.md"}
    return sorted(p for p in out_dir.iterdir() if p.is_file() and p.name not in known)


def _describe(expected: dict[str, Any]) -> str:
    if expected["outcome"] == "rejected":
        return f"rejected: `{expected['reason_code']}`"
    if not expected["rejects"]:
        return f"accepted: {expected['rows_total']} rows"
    by_code: dict[str, list[str]] = {}
    for reject in expected["rejects"]:
        by_code.setdefault(reject["reason_code"], []).append(str(reject["row"]))
    detail = "; ".join(f"`{code}` row {', '.join(rows)}" for code, rows in by_code.items())
    return (
        f"accepted: {expected['rows_total']} rows, {expected['rows_rejected']} rejected ({detail})"
    )


def markdown_table(entries: list[dict[str, Any]]) -> str:
    """Manifest entries as a Markdown table: file, problem, expected outcome."""
    lines = ["| File | Problem | Expected |", "| --- | --- | --- |"]
    for entry in entries:
        problem = entry["problem"].replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{entry['file']}` | {problem} | {_describe(entry['expected'])} |")
    return "\n".join(lines) + "\n"
