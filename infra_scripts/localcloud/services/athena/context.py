"""What every statement handler gets and returns, and the names DDL statements use."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from infra_scripts.localcloud.services.athena import errors
from infra_scripts.localcloud.services.athena.errors import AthenaQueryError
from infra_scripts.localcloud.services.athena.glue import GlueCatalog
from infra_scripts.localcloud.services.athena.resolve import DEFAULT_CATALOG
from infra_scripts.localcloud.services.athena.results import ResultColumn
from infra_scripts.localcloud.services.athena.writer import hive_escape
from infra_scripts.localcloud.sqlengine.s3mirror import S3Mirror, parse_s3_uri

IDENT = r'(?:`[^`]+`|"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
NAME_PATH = rf"{IDENT}(?:\s*\.\s*{IDENT}){{0,2}}"
PARTITION_SPEC = re.compile(
    r"PARTITION\s*\((?P<spec>(?:'(?:[^']|'')*'|[^)'])*)\)\s*(?:LOCATION\s*'(?P<loc>(?:[^']|'')*)')?",
    re.IGNORECASE,
)
_SPEC_ITEM = re.compile(rf"({IDENT})\s*=\s*('(?:[^']|'')*'|[^,]+)")


@dataclass
class StatementContext:
    """What a statement runs with: its query's identity, defaults, catalog and storage."""

    execution_id: str
    text: str
    catalog: str
    database: str
    glue: GlueCatalog
    mirror: S3Mirror
    result_prefix: str  # s3://bucket/prefix of the query's results (no trailing slash)
    parameters: list[str] | None
    cutoff_bytes: int | None
    connect: Callable[[], duckdb.DuckDBPyConnection]  # a sandboxed connection, tracked
    check_cancelled: Callable[[], None]
    owner: str = "local"


@dataclass
class StatementResult:
    """What a statement produced; the engine turns it into result files and API answers."""

    kind: str  # "rows" (SELECT), "text" (DDL/utility), "ctas", "unload", "none"
    columns: list[ResultColumn] = field(default_factory=list)
    rows_file: Path | None = None  # SELECT: headerless Athena-formatted CSV
    text_rows: list[list[str]] = field(default_factory=list)
    text_extra: list[str] = field(default_factory=list)
    row_count: int = 0
    update_count: int = 0
    data_scanned: int = 0
    written_uris: list[str] = field(default_factory=list)


# --- names --------------------------------------------------------------------------------


def unquote_identifier(part: str) -> str:
    part = part.strip()
    if part[:1] == "`" and part[-1:] == "`":
        return part[1:-1]
    if part[:1] == '"' and part[-1:] == '"':
        return part[1:-1].replace('""', '"')
    return part


def split_path(path: str) -> list[str]:
    return [unquote_identifier(p).lower() for p in re.findall(IDENT, path)]


def table_ref(ctx: StatementContext, path: str | exp.Table) -> tuple[str, str]:
    """(database, table) of a DDL name such as ``t``, ```db`.`t```, ``awsdatacatalog.db.t``."""
    if isinstance(path, exp.Table):
        parts = [
            part.name.lower()
            for part in (path.args.get("catalog"), path.args.get("db"), path.this)
            if part is not None and part.name
        ]
    else:
        parts = split_path(path)
    if len(parts) == 3:
        if parts[0] != DEFAULT_CATALOG:
            raise errors.catalog_not_found(parts[0])
        parts = parts[1:]
    if len(parts) == 2:
        return parts[0], parts[1]
    return ctx.database, parts[0]


def require_database(ctx: StatementContext, database: str) -> None:
    if not ctx.glue.has_database(database):
        raise errors.schema_not_found(ctx.text, DEFAULT_CATALOG, database)


def require_table(ctx: StatementContext, database: str, name: str) -> dict[str, Any]:
    require_database(ctx, database)
    info = ctx.glue.table_dict(database, name)
    if info is None:
        raise errors.table_not_found(ctx.text, DEFAULT_CATALOG, database, name)
    return info


def require_bucket(ctx: StatementContext, location: str) -> None:
    """Athena fails a write to a bucket that does not exist (or cannot be reached)."""
    bucket, _ = parse_s3_uri(location)
    try:
        ctx.mirror.list_keys(bucket, "\0")
    except Exception as exc:  # moto's MissingBucket
        raise AthenaQueryError(
            "GENERIC_USER_ERROR",
            f"Error writing to {location}: The specified bucket does not exist",
        ) from exc


def match_statement(pattern: str, text: str) -> re.Match[str]:
    match = re.fullmatch(pattern, text, re.IGNORECASE | re.DOTALL)
    if match is None:
        raise errors.syntax_error(text, None, "the statement cannot be parsed")
    return match


def partition_values(spec: str, keys: list[str]) -> list[str]:
    given = {}
    for key, raw in _SPEC_ITEM.findall(spec):
        value = raw.strip()
        if value.startswith("'") and value.endswith("'"):
            value = value[1:-1].replace("''", "'")
        given[unquote_identifier(key).lower()] = value
    if sorted(given) != sorted(keys):
        raise errors.ddl_failed(
            f"SemanticException [Error 10006]: Partition spec {sorted(given)} does not match "
            f"the table's partition keys {keys}"
        )
    return [given[k] for k in keys]


def partition_name(keys: list[str], values: list[str]) -> str:
    return "/".join(f"{k}={hive_escape(v)}" for k, v in zip(keys, values, strict=True))


def not_a_table(database: str, name: str) -> AthenaQueryError:
    return errors.ddl_failed(
        f"SemanticException [Error 10131]: {database}.{name} is a view: use DROP VIEW"
    )
