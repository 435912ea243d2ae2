"""The stable, machine-readable reasons a file or a row is rejected.

File-level codes reject the whole file (nothing is loaded); row-level codes reject single rows
while the rest of the file loads. The pipeline's validator reports exactly these codes; the
bad-file corpus (``sample_data/bad/manifest.json``) states which one each file must produce.
"""

from __future__ import annotations

# pipeline_src.schema is the one source of truth; the generator and its docs read it.
from pipeline_src.schema import (
    AGE_GROUP_VALUES,
    ALL_CODES,
    FILE_LEVEL,
    FORMULA_PREFIXES,
    MAX_FIELD_CHARS,
    ROW_LEVEL,
)

__all__ = [
    "AGE_GROUP_VALUES",
    "ALL_CODES",
    "FILE_LEVEL",
    "FORMULA_PREFIXES",
    "MAX_FIELD_CHARS",
    "ROW_LEVEL",
    "markdown_table",
]


def markdown_table(codes: dict[str, str]) -> str:
    """A Markdown table of codes and their meanings (for sample_data/README.md)."""
    lines = ["| Code | Meaning |", "| --- | --- |"]
    lines += [f"| `{code}` | {meaning} |" for code, meaning in codes.items()]
    return "\n".join(lines) + "\n"
