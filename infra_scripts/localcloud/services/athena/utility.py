"""Utility statements: SHOW DATABASES / TABLES / VIEWS / PARTITIONS / COLUMNS / CREATE TABLE,
DESCRIBE — text results, as Athena returns them (Hive's 20-character padding included).
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from typing import Any

import sqlglot

from infra_scripts.localcloud.services.athena import errors
from infra_scripts.localcloud.services.athena.context import (
    IDENT,
    NAME_PATH,
    StatementContext,
    StatementResult,
    match_statement,
    partition_name,
    require_database,
    require_table,
    split_path,
    table_ref,
)
from infra_scripts.localcloud.services.athena.errors import AthenaQueryError, name_offset, position
from infra_scripts.localcloud.services.athena.glue import decode_view
from infra_scripts.localcloud.services.athena.resolve import DEFAULT_CATALOG
from infra_scripts.localcloud.services.athena.results import (
    hive_padded,
    text_column,
)

# --- SHOW / DESCRIBE ----------------------------------------------------------------------


def _pattern_regex(pattern: str | None) -> re.Pattern[str] | None:
    if not pattern:
        return None
    alternatives = [re.escape(p.strip()).replace(r"\*", ".*") for p in pattern.split("|")]
    return re.compile("(?:" + "|".join(alternatives) + ")", re.IGNORECASE)


def _text_result(column: str, values: list[str]) -> StatementResult:
    return StatementResult(
        kind="text",
        columns=[text_column(column)],
        text_rows=[[v] for v in values],
        row_count=len(values),
    )


def run_show_databases(ctx: StatementContext) -> StatementResult:
    match = match_statement(
        r"SHOW\s+(?:DATABASES|SCHEMAS)(?:\s+(?:LIKE\s+)?'(?P<p>(?:[^']|'')*)')?", ctx.text
    )
    pattern = _pattern_regex(match.group("p"))
    names = [n for n in ctx.glue.database_names() if pattern is None or pattern.fullmatch(n)]
    return _text_result("database_name", names)


def _show_tables(ctx: StatementContext, views_only: bool) -> StatementResult:
    word = "VIEWS" if views_only else "TABLES"
    match = match_statement(
        rf"SHOW\s+{word}(?:\s+(?:IN|FROM)\s+(?P<db>{IDENT}))?(?:\s+(?:LIKE\s+)?'(?P<p>(?:[^']|'')*)')?",
        ctx.text,
    )
    database = split_path(match.group("db"))[0] if match.group("db") else ctx.database
    if not ctx.glue.has_database(database):
        raise errors.schema_not_found(ctx.text, DEFAULT_CATALOG, database)
    pattern = _pattern_regex(match.group("p"))
    names = []
    for name in ctx.glue.table_names(database):
        if pattern is not None and not pattern.fullmatch(name):
            continue
        is_view = (ctx.glue.table_dict(database, name) or {}).get("TableType") == "VIRTUAL_VIEW"
        if views_only == is_view or not views_only:
            names.append(name)
    return _text_result("views" if views_only else "tab_name", names)


def run_show_tables(ctx: StatementContext) -> StatementResult:
    return _show_tables(ctx, views_only=False)


def run_show_views(ctx: StatementContext) -> StatementResult:
    return _show_tables(ctx, views_only=True)


def run_show_partitions(ctx: StatementContext) -> StatementResult:
    match = match_statement(rf"SHOW\s+PARTITIONS\s+(?P<name>{NAME_PATH})", ctx.text)
    database, name = table_ref(ctx, match.group("name"))
    require_table(ctx, database, name)
    table = ctx.glue.load(database, name)
    if not table.partition_keys:
        raise errors.ddl_failed(
            f"SemanticException [Error 10241]: Table {name} is not a partitioned table"
        )
    keys = [k.lower() for k, _ in table.partition_keys]
    names = sorted(partition_name(keys, values) for values, _ in table.partitions)
    return _text_result("partition", names)


def run_show_columns(ctx: StatementContext) -> StatementResult:
    match = match_statement(
        rf"SHOW\s+COLUMNS\s+(?:IN|FROM)\s+(?P<name>{NAME_PATH})(?:\s+(?:IN|FROM)\s+(?P<db>{IDENT}))?",
        ctx.text,
    )
    database, name = table_ref(ctx, match.group("name"))
    if match.group("db"):
        database = split_path(match.group("db"))[0]
    info = require_table(ctx, database, name)
    columns = [c["Name"] for c in info.get("StorageDescriptor", {}).get("Columns", [])]
    columns += [c["Name"] for c in info.get("PartitionKeys") or []]
    return _text_result("field", [hive_padded(c) for c in columns])


def run_describe(ctx: StatementContext) -> StatementResult:
    match = match_statement(
        rf"(?:DESCRIBE|DESC)\s+(?:(?P<mode>EXTENDED|FORMATTED)\s+)?(?P<name>{NAME_PATH})(?:\s+(?P<col>{IDENT}))?",
        ctx.text,
    )
    database, name = table_ref(ctx, match.group("name"))
    info = require_table(ctx, database, name)
    columns = [
        (c["Name"], c["Type"], c.get("Comment") or "")
        for c in info.get("StorageDescriptor", {}).get("Columns", [])
    ]
    partition_keys = [
        (c["Name"], c["Type"], c.get("Comment") or "") for c in info.get("PartitionKeys") or []
    ]
    if match.group("col"):
        wanted = split_path(match.group("col"))[0]
        columns = [c for c in columns + partition_keys if c[0].lower() == wanted]
        partition_keys = []
        if not columns:
            raise errors.ddl_failed(
                f"SemanticException [Error 10002]: Invalid column reference {wanted}"
            )

    def line(values: tuple[str, str, str]) -> list[str]:
        return [hive_padded(values[0]), hive_padded(values[1]), hive_padded(values[2])]

    if (match.group("mode") or "").upper() == "FORMATTED" and not match.group("col"):
        rows = _formatted(
            database, info, [line(c) for c in columns], [line(c) for c in partition_keys]
        )
        return StatementResult(
            kind="text",
            columns=[text_column("col_name"), text_column("data_type"), text_column("comment")],
            text_rows=rows,
            row_count=len(rows),
        )
    rows = [line(c) for c in columns + partition_keys]
    if partition_keys:
        rows += [["", "", ""], ["# Partition Information", "", ""]]
        rows.append(line(("# col_name", "data_type", "comment")))
        rows.append(["", "", ""])
        rows += [line(c) for c in partition_keys]
    return StatementResult(
        kind="text",
        columns=[text_column("col_name"), text_column("data_type"), text_column("comment")],
        text_rows=rows,
        row_count=len(rows),
    )


def _hive_time(value: Any) -> str:
    """A time as Hive's DESCRIBE FORMATTED prints it (``Thu Jan 30 14:05:09 UTC 2025``)."""
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, tz=UTC)
    if not isinstance(value, datetime):
        return "UNKNOWN"
    return value.astimezone(UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def _formatted(
    database: str, info: dict[str, Any], columns: list[list[str]], keys: list[list[str]]
) -> list[list[str]]:
    """``DESCRIBE FORMATTED t``: Hive's layout — the columns, ``# Partition Information``,
    ``# Detailed Table Information``, then the view's text or ``# Storage Information``."""

    def field(label: str, value: Any = "") -> list[str]:
        return [hive_padded(label), hive_padded(str(value)), ""]

    def params(values: dict[str, Any]) -> list[list[str]]:
        return [["", hive_padded(k), hive_padded(str(v))] for k, v in sorted(values.items())]

    blank = ["", "", ""]
    header = [hive_padded("# col_name"), hive_padded("data_type"), hive_padded("comment")]
    rows = [header, blank, *columns]
    if keys:
        rows += [blank, ["# Partition Information", "", ""], header, blank, *keys]
    is_view = info.get("TableType") == "VIRTUAL_VIEW"
    rows += [
        blank,
        ["# Detailed Table Information", "", ""],
        field("Database:", database),
        field("Owner:", info.get("Owner") or "hadoop"),
        field("CreateTime:", _hive_time(info.get("CreateTime"))),
        field("LastAccessTime:", "UNKNOWN"),
        field("Retention:", info.get("Retention") or 0),
    ]
    sd = info.get("StorageDescriptor") or {}
    if not is_view:
        rows.append(field("Location:", sd.get("Location", "")))
    rows.append(field("Table Type:", info.get("TableType") or "EXTERNAL_TABLE"))
    rows.append(["Table Parameters:", "", ""])
    rows += params(info.get("Parameters") or {})
    rows.append(blank)
    if is_view:
        return [
            *rows,
            ["# View Information", "", ""],
            field("View Original Text:", info.get("ViewOriginalText") or ""),
            field("View Expanded Text:", info.get("ViewExpandedText") or ""),
        ]
    serde = sd.get("SerdeInfo") or {}
    rows += [
        ["# Storage Information", "", ""],
        field("SerDe Library:", serde.get("SerializationLibrary", "")),
        field("InputFormat:", sd.get("InputFormat", "")),
        field("OutputFormat:", sd.get("OutputFormat", "")),
        field("Compressed:", "Yes" if sd.get("Compressed") else "No"),
        field("Num Buckets:", sd.get("NumberOfBuckets", -1)),
        field("Bucket Columns:", "[" + ", ".join(sd.get("BucketColumns") or []) + "]"),
        field("Sort Columns:", "[" + ", ".join(str(c) for c in sd.get("SortColumns") or []) + "]"),
        ["Storage Desc Params:", "", ""],
        *params(serde.get("Parameters") or {}),
    ]
    return rows


def _hive_quoted(value: str) -> str:
    """A value inside Hive's single quotes (Hive escapes the quote and ``;``)."""
    return value.replace("'", "\\'").replace(";", "\\;")


def _hive_column(column: dict[str, Any]) -> str:
    comment = column.get("Comment")
    return f"  `{column['Name']}` {column['Type']}" + (
        f" COMMENT '{_hive_quoted(comment)}'" if comment else ""
    )


def _hive_properties(params: dict[str, str]) -> list[str]:
    """``'k'='v', `` lines, the last closed by ``)`` (as Hive lists SERDE/TBLPROPERTIES)."""
    items = [f"  '{_hive_quoted(k)}'='{_hive_quoted(str(v))}'" for k, v in sorted(params.items())]
    return [item + (", " if i < len(items) - 1 else ")") for i, item in enumerate(items)]


def create_table_lines(database: str, name: str, info: dict[str, Any]) -> list[str]:
    """The CREATE EXTERNAL TABLE statement Athena's SHOW CREATE TABLE prints, one line each
    (Hive's layout: backquoted columns, ``ROW FORMAT SERDE``, ``WITH SERDEPROPERTIES`` but for
    the default ``serialization.format`` of 1, ``STORED AS INPUTFORMAT … OUTPUTFORMAT``,
    ``LOCATION``, then ``TBLPROPERTIES`` without ``EXTERNAL``)."""
    sd = info.get("StorageDescriptor") or {}
    cols = sd.get("Columns") or []
    lines = [f"CREATE EXTERNAL TABLE `{database}`.`{name}`("]
    lines += [_hive_column(c) + (", " if i < len(cols) - 1 else ")") for i, c in enumerate(cols)]
    table_params = info.get("Parameters") or {}
    comment = table_params.get("comment") or info.get("Description")
    if comment:
        lines.append(f"COMMENT '{_hive_quoted(comment)}'")
    keys = info.get("PartitionKeys") or []
    if keys:
        lines.append("PARTITIONED BY ( ")
        lines += [
            _hive_column(c) + (", " if i < len(keys) - 1 else ")") for i, c in enumerate(keys)
        ]
    serde = sd.get("SerdeInfo") or {}
    serde_params = dict(serde.get("Parameters") or {})
    if serde_params.get("serialization.format") == "1":
        serde_params.pop("serialization.format")
    lines += ["ROW FORMAT SERDE ", f"  '{serde.get('SerializationLibrary', '')}' "]
    if serde_params:
        lines.append("WITH SERDEPROPERTIES ( ")
        props = _hive_properties(serde_params)
        lines += [*props[:-1], props[-1] + " "]
    lines += [
        "STORED AS INPUTFORMAT ",
        f"  '{sd.get('InputFormat', '')}' ",
        "OUTPUTFORMAT ",
        f"  '{sd.get('OutputFormat', '')}'",
        "LOCATION",
        f"  '{sd.get('Location', '')}'",
    ]
    params = {k: v for k, v in table_params.items() if k not in ("EXTERNAL", "comment")}
    if params:
        lines.append("TBLPROPERTIES (")
        lines += _hive_properties(params)
    return lines


def run_show_create_table(ctx: StatementContext) -> StatementResult:
    """``SHOW CREATE TABLE t``: column ``createtab_stmt``, one row per line of the statement."""
    match = match_statement(rf"SHOW\s+CREATE\s+TABLE\s+(?P<name>{NAME_PATH})", ctx.text)
    database, name = table_ref(ctx, match.group("name"))
    info = require_table(ctx, database, name)
    if info.get("TableType") == "VIRTUAL_VIEW":
        raise errors.ddl_failed(
            f"SemanticException [Error 10131]: {database}.{name} is a view: use SHOW CREATE VIEW"
        )
    return _text_result("createtab_stmt", create_table_lines(database, name, info))


def run_show_create_view(ctx: StatementContext) -> StatementResult:
    """``SHOW CREATE VIEW v``: Trino's answer, one row in column ``Create View`` holding
    ``CREATE VIEW catalog.schema.view SECURITY DEFINER AS`` and the view's query."""
    match = match_statement(rf"SHOW\s+CREATE\s+VIEW\s+(?P<name>{NAME_PATH})", ctx.text)
    database, name = table_ref(ctx, match.group("name"))
    require_database(ctx, database)
    info = ctx.glue.table_dict(database, name)
    qualified = f"{DEFAULT_CATALOG}.{database}.{name}"
    if info is None:
        raise AthenaQueryError(
            "TABLE_NOT_FOUND",
            f"{position(ctx.text, name_offset(ctx.text, name))}View '{qualified}' does not exist",
            error_type=errors.TYPE_NOT_FOUND,
        )
    if info.get("TableType") != "VIRTUAL_VIEW":
        raise AthenaQueryError(
            "NOT_SUPPORTED",
            f"{position(ctx.text, name_offset(ctx.text, name))}Relation '{qualified}' is a "
            "table, not a view",
        )
    sql, _ = decode_view(info.get("ViewOriginalText") or "", database)
    with contextlib.suppress(sqlglot.errors.SqlglotError):  # else: the text as stored
        sql = sqlglot.transpile(sql, read="trino", write="trino", pretty=True)[0]
    statement = f"CREATE VIEW {qualified} SECURITY DEFINER AS\n{sql}"
    return StatementResult(
        kind="text",
        columns=[text_column("Create View")],
        text_rows=[[statement]],
        row_count=1,
    )


def run_show_tblproperties(ctx: StatementContext) -> StatementResult:
    """``SHOW TBLPROPERTIES t [('name')]``: one tab-separated ``name value`` line each."""
    match = match_statement(
        rf"SHOW\s+TBLPROPERTIES\s+(?P<name>{NAME_PATH})(?:\s*\(\s*'(?P<prop>(?:[^']|'')*)'\s*\))?",
        ctx.text,
    )
    database, name = table_ref(ctx, match.group("name"))
    params = require_table(ctx, database, name).get("Parameters") or {}
    wanted = match.group("prop")
    if wanted is not None:
        wanted = wanted.replace("''", "'")
        value = params.get(wanted)
        if value is None:
            value = f"Table {database}.{name} does not have property: {wanted}"
        rows = [[value]]
        columns = [text_column("value")]
    else:
        rows = [[k, v] for k, v in sorted(params.items())]
        columns = [text_column("prpt_name"), text_column("prpt_value")]
    return StatementResult(kind="text", columns=columns, text_rows=rows, row_count=len(rows))
