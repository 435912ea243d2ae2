"""The stable, machine-readable reasons a file or a row is rejected, per data contract.

File-level codes reject the whole file (nothing is loaded) and are the same for every
business; row-level codes reject single rows while the rest of the file loads and follow
from the contract's columns (``INVALID_<COLUMN>``, ``DUPLICATE_<KEY>`` ...). The pipeline's
validator reports exactly these codes; each bad-file corpus (``manifest.json``) states which
one each file must produce. The module-level tables are the bookstore's (the default).
"""

from __future__ import annotations

# pipeline_src.schema is the one source of truth; the generator and its docs read it.
from pipeline_src import schema
from pipeline_src.contracts import model

DEFAULT_CONTRACT = model.DEFAULT
FILE_LEVEL: dict[str, str] = schema.FILE_LEVEL

__all__ = ["ALL_CODES", "FILE_LEVEL", "ROW_LEVEL", "all_codes", "markdown_table", "row_level"]


def row_level(contract: str = DEFAULT_CONTRACT) -> dict[str, str]:
    """The row-level codes of a contract → their meaning."""
    return schema.named(contract).row_level


def all_codes(contract: str = DEFAULT_CONTRACT) -> dict[str, str]:
    """File-level and row-level codes of a contract → their meaning."""
    return schema.named(contract).all_codes


ROW_LEVEL: dict[str, str] = row_level()
ALL_CODES: dict[str, str] = all_codes()


def markdown_table(codes: dict[str, str]) -> str:
    """A Markdown table of codes and their meanings (for sample_data/README.md)."""
    lines = ["| Code | Meaning |", "| --- | --- |"]
    lines += [f"| `{code}` | {meaning} |" for code, meaning in codes.items()]
    return "\n".join(lines) + "\n"
