"""Utility statements: SHOW DATABASES / TABLES / VIEWS / PARTITIONS / COLUMNS / CREATE TABLE,
DESCRIBE — text results, as Athena returns them (Hive's 20-character padding included).
"""

from __future__ import annotations

import re

from infra_scripts.localcloud.services.athena import errors
from infra_scripts.localcloud.services.athena.context import (
    IDENT,
    NAME_PATH,
    StatementContext,
    StatementResult,
    match_statement,
    partition_name,
    require_table,
    split_path,
    table_ref,
)
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
        rf"(?:DESCRIBE|DESC)\s+(?:(?:EXTENDED|FORMATTED)\s+)?(?P<name>{NAME_PATH})(?:\s+(?P<col>{IDENT}))?",
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


def run_show_create_table(ctx: StatementContext) -> StatementResult:
    match = match_statement(rf"SHOW\s+CREATE\s+TABLE\s+(?P<name>{NAME_PATH})", ctx.text)
    database, name = table_ref(ctx, match.group("name"))
    info = require_table(ctx, database, name)
    sd = info.get("StorageDescriptor") or {}
    lines = [f"CREATE EXTERNAL TABLE `{database}`.`{name}`("]
    cols = sd.get("Columns") or []
    for i, c in enumerate(cols):
        lines.append(f"  `{c['Name']}` {c['Type']}" + ("," if i < len(cols) - 1 else ")"))
    if info.get("PartitionKeys"):
        keys = ", ".join(f"`{c['Name']}` {c['Type']}" for c in info["PartitionKeys"])
        lines.append(f"PARTITIONED BY ({keys})")
    serde = sd.get("SerdeInfo") or {}
    lines.append("ROW FORMAT SERDE ")
    lines.append(f"  '{serde.get('SerializationLibrary', '')}' ")
    lines.append("STORED AS INPUTFORMAT ")
    lines.append(f"  '{sd.get('InputFormat', '')}' ")
    lines.append("OUTPUTFORMAT ")
    lines.append(f"  '{sd.get('OutputFormat', '')}'")
    lines.append("LOCATION")
    lines.append(f"  '{sd.get('Location', '')}'")
    params = info.get("Parameters") or {}
    if params:
        lines.append("TBLPROPERTIES (")
        items = [f"  '{k}'='{v}'" for k, v in sorted(params.items())]
        lines += [item + ("," if i < len(items) - 1 else ")") for i, item in enumerate(items)]
    return _text_result("createtab_stmt", lines)


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
