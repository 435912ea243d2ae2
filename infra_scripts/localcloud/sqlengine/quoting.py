"""Names and values written into DuckDB SQL text: quoted identifiers, literals, file lists."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def quote_identifier(name: str) -> str:
    """``name`` as a DuckDB identifier, in double quotes (each ``"`` in it doubled)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """``text`` as a DuckDB string literal, in single quotes (each ``'`` in it doubled)."""
    return "'" + text.replace("'", "''") + "'"


def file_list(paths: Iterable[Path | str]) -> str:
    """A DuckDB list literal of file paths, for ``read_parquet([…])`` and its kin."""
    return "[" + ", ".join(quote_literal(str(p)) for p in paths) + "]"
