"""The contract placeholders of the SQL templates: one business's names, types and checks.

:func:`placeholders` maps each contract placeholder to its text (a ``str``) or to a list of
column names (a ``tuple``); :func:`apply` puts them into a template and leaves every other
``${name}`` (the runtime ones: ``${database}``, ``${table}``, ``${partition_value}`` …) for
:func:`pipeline_src.sql.fill`. A list placeholder is written ``${name}`` (``a, b``) or, with a
table alias, ``${s.name}`` (``s.a, s.b``).

Physical design of the Redshift fact table (``fact_sales``):

- ``PRIMARY KEY`` the de-duplication key (informational in Redshift; the COPY's merge keeps it
  unique);
- ``DISTKEY`` the key's first column: nearly unique, so rows spread evenly over the slices,
  and the rows of one key (a café order's lines) sit on one slice;
- ``SORTKEY (sale_date)``: the daily, running-total and date-range queries read date ranges.

Standard library only, Python 3.9.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Union

from pipeline_src.contracts.model import Column, Contract

Value = Union[str, tuple]
WIDTH = 96  # a list placeholder alone on its line is wrapped to lines of at most this
TEXT_LENGTH = 1024  # VARCHAR length (bytes) of the S3 key and version lineage columns
MAX_VARCHAR = 65535
#: A pattern whose matches are ASCII only: ASCII letters, digits, - and _, classes of them,
#: counts and grouping (no ``.``, ``\w`` or ``\d``: those match non-ASCII characters too).
_ASCII_PATTERN = re.compile(
    r"(?:[A-Za-z0-9_ -]|\[[A-Za-z0-9_-]+\]|\{[0-9]+(?:,[0-9]*)?\}|[?+*()|])*"
)
_PLACEHOLDER = re.compile(r"\$\{(?:([A-Za-z_][A-Za-z0-9_]*)\.)?([A-Za-z_][A-Za-z0-9_]*)\}")
_REDSHIFT_TYPES = {
    "integer": "INTEGER",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}

#: The lineage columns after the data columns of every Parquet file (Redshift types).
LINEAGE: tuple[tuple[str, str], ...] = (
    ("sale_date", "DATE"),
    ("source_key", f"VARCHAR({TEXT_LENGTH})"),
    ("source_version", f"VARCHAR({TEXT_LENGTH})"),
    ("source_row", "BIGINT"),
    ("ingested_at", "TIMESTAMP"),
    ("load_id", "VARCHAR(64)"),
)
#: The lineage the fact table keeps (not the load id: only committed rows are loaded).
FACT_LINEAGE = tuple(name for name, _ in LINEAGE if name != "load_id")
_FACT_NOT_NULL = ("sale_date", "source_key")


def apply(sql: str, values: Mapping[str, Value]) -> str:
    """``sql`` with the placeholders named in ``values`` replaced; others left as they are."""

    def replace(match: re.Match) -> str:
        alias, name = match.groups()
        if name not in values:
            if alias:
                raise KeyError(f"no contract value for ${{{alias}.{name}}}")
            return match.group(0)
        value = values[name]
        if isinstance(value, str) and not alias:
            return value
        names = (value,) if isinstance(value, str) else value
        items = [f"{alias}.{n}" if alias else n for n in names]
        line_start = sql.rfind("\n", 0, match.start()) + 1
        indent = sql[line_start : match.start()]
        return _wrapped(items, indent) if not indent.strip() else ", ".join(items)

    return _PLACEHOLDER.sub(replace, sql)


def _wrapped(items: list[str], indent: str, width: int = WIDTH) -> str:
    """``a, b, c`` over as many lines (each starting with ``indent``) as ``width`` needs."""
    lines = [items[0]]
    for item in items[1:]:
        if len(indent) + len(lines[-1]) + len(item) + 2 > width:
            lines[-1] += ","
            lines.append(item)
        else:
            lines[-1] += ", " + item
    return f"\n{indent}".join(lines)


def redshift_type(column: Column, max_field_chars: int = TEXT_LENGTH) -> str:
    """A contract column's Redshift type (``VARCHAR(n)``: see :func:`text_length`)."""
    if column.is_decimal:
        precision, scale = column.precision_scale
        return f"DECIMAL({precision}, {scale})"
    if column.is_text:
        return f"VARCHAR({text_length(column, max_field_chars)})"
    return _REDSHIFT_TYPES[column.type]


def text_length(column: Column, max_field_chars: int = TEXT_LENGTH) -> int:
    """A text column's VARCHAR length, in bytes as Redshift counts (UTF-8: up to 4 a
    character): the longest allowed value; else ``max_length`` characters (as bytes when the
    column's pattern admits only ASCII, such as ``B[0-9]{6}``); else the contract's
    ``max_field_chars``. At most Redshift's 65,535."""
    if column.allowed:
        return max(len(value.encode("utf-8")) for value in column.allowed)
    chars = int(column.max_length or max_field_chars)
    ascii_only = column.pattern is not None and _ASCII_PATTERN.fullmatch(column.pattern)
    return min(MAX_VARCHAR, chars if ascii_only else 4 * chars)


def always_present(column: Column) -> bool:
    """Every stored row has a value: required, or filled with the column's default."""
    return column.required or column.default is not None


def stage_columns(contract: Contract) -> tuple[tuple[str, str], ...]:
    """The COPY staging table: (name, Redshift type) in the Parquet files' column order."""
    chars = contract.max_field_chars
    return tuple((c.name, redshift_type(c, chars)) for c in contract.data_columns) + LINEAGE


def fact_columns(contract: Contract) -> tuple[tuple[str, str], ...]:
    """The fact table: (name, Redshift type + NOT NULL) — contract order, then the lineage."""
    columns = [
        (
            c.name,
            redshift_type(c, contract.max_field_chars) + (" NOT NULL" if always_present(c) else ""),
        )
        for c in contract.columns
    ]
    types = dict(LINEAGE)
    for name in FACT_LINEAGE:
        columns.append((name, types[name] + (" NOT NULL" if name in _FACT_NOT_NULL else "")))
    return tuple(columns)


def quality_checks(contract: Contract) -> tuple[tuple[str, str], ...]:
    """(check name, WHERE condition) per contract rule worth checking in the stored table.

    A number column with a minimum: below it (or missing, when required); the other required
    columns: missing (one check for all of them).
    """
    checks = []
    covered = set()
    for column in contract.columns:
        if not column.is_number or column.min is None:
            continue
        name, low = column.name, column.min
        words = f"negative {name}" if low == 0 else f"{name} below {low}"
        condition = f"{name} < {low}"
        if column.required:
            covered.add(name)
            words = f"negative or missing {name}" if low == 0 else f"{words} or missing"
            condition = f"{name} IS NULL OR {condition}"
        checks.append((words, condition))
    missing = [name for name in contract.required if name not in covered]
    if missing:
        listed = ", ".join(missing[:-1]) + (" or " if len(missing) > 1 else "") + missing[-1]
        checks.append((f"missing {listed}", " OR ".join(f"{name} IS NULL" for name in missing)))
    return tuple(checks)


def _quality_sql(contract: Contract) -> str:
    blocks = [
        f"UNION ALL\nSELECT '{name}', COUNT(*)\n"
        f'FROM "${{database}}"."${{table}}"\nWHERE {condition}'
        for name, condition in quality_checks(contract)
    ]
    return "\n".join(blocks)


def _ddl_lines(columns: tuple[tuple[str, str], ...]) -> str:
    return ",\n    ".join(f"{name} {kind}" for name, kind in columns)


def _measure(contract: Contract, name: str, fallback: str) -> str:
    return contract.measures.get(name) or fallback


def placeholders(contract: Contract) -> dict[str, Value]:
    """Every contract placeholder of the templates → its text for ``contract``."""
    key = contract.dedup_key
    partition = contract.partition
    stage_key = ", ".join(f"s.{name}" for name in key)  # the partition is never in the key
    fact_names = tuple(name for name, _ in fact_columns(contract))
    units = _measure(contract, "units", "1")
    return {
        "partition": partition,
        "dedup_key": key,
        "dedup_key_words": " + ".join(key),
        "stage_key": stage_key,
        "dedup_match": " AND ".join(f"fact_sales.{n} = stage_committed.{n}" for n in key),
        "revenue": _measure(contract, "revenue", units),
        "units": units,
        "table_columns": (
            *(c.name for c in contract.data_columns),
            *(name for name, _ in LINEAGE),
            *contract.partition_by,
        ),
        "column_checks": _quality_sql(contract),
        "stage_columns": _ddl_lines(stage_columns(contract)),
        "stage_column_names": tuple(name for name, _ in stage_columns(contract)),
        "fact_columns": _ddl_lines(fact_columns(contract)),
        "fact_column_names": fact_names,
        "committed_columns": tuple(n for n in fact_names if n not in contract.partition_by),
        "fact_values": tuple("'${partition_value}'" if n == partition else n for n in fact_names),
        "distkey": key[0],
    }
