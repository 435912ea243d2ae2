"""Statements that run a query on DuckDB: SELECT, CTAS, UNLOAD, INSERT INTO, CREATE VIEW.

Each query runs on a sandboxed DuckDB cursor whose only readable folder is the S3
mirror; its tables are resolved from the Glue Data Catalog (:mod:`.resolve`), its SQL
translated from Trino (:mod:`.translate`), its results formatted as Athena formats them.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from infra_scripts.localcloud.services.athena import errors
from infra_scripts.localcloud.services.athena.context import (
    NAME_PATH,
    StatementContext,
    StatementResult,
    match_statement,
    not_a_table,
    require_bucket,
    require_database,
    require_table,
    table_ref,
)
from infra_scripts.localcloud.services.athena.errors import AthenaQueryError
from infra_scripts.localcloud.services.athena.glue import (
    TableSpec,
    encode_presto_view,
    trino_type_of_hive,
)
from infra_scripts.localcloud.services.athena.resolve import DEFAULT_CATALOG, TableResolver
from infra_scripts.localcloud.services.athena.results import (
    format_sql,
    output_cast_sql,
    result_column,
)
from infra_scripts.localcloud.services.athena.translate import (
    apply_decimal_semantics,
    apply_trino_functions,
    bind_parameters,
    check_functions,
    default_decimal_precision,
    name_unnamed_outputs,
    output_names,
    parse_statement,
    to_duckdb,
)
from infra_scripts.localcloud.services.athena.writer import (
    WriteOptions,
    hive_type,
    parse_with_clause,
    with_properties,
    write_cast_sql,
    write_files,
    write_options,
)
from infra_scripts.localcloud.sqlengine.quoting import quote_identifier, quote_literal
from infra_scripts.localcloud.sqlengine.s3mirror import parse_s3_uri


@dataclass
class PreparedQuery:
    sql: str  # DuckDB SQL of the query
    names: list[str]
    types: list[Any]  # DuckDB types
    unnamed: list[int]
    read_files: list[Path]
    scanned_bytes: int | None = None  # what Athena reads of read_files (resolve.py)

    @property
    def data_scanned(self) -> int:
        """DataScannedInBytes: actual bytes read (Athena's 10 MB minimum is billing only)."""
        if self.scanned_bytes is not None:
            return self.scanned_bytes
        return sum(p.stat().st_size for p in self.read_files if p.exists())

    def projection(self, expression: Callable[[str, Any], str], aliased: bool = True) -> str:
        """``SELECT expr(c0) AS "name0", … FROM (query) AS __q(c0, …)``."""
        refs = [f"__q.c{i}" for i in range(len(self.names))]
        items = []
        for ref, name, duck in zip(refs, self.names, self.types, strict=True):
            item = expression(ref, duck)
            items.append(f"{item} AS {quote_identifier(name)}" if aliased else item)
        aliases = ", ".join(f"c{i}" for i in range(len(self.names)))
        return f"SELECT {', '.join(items)} FROM ({self.sql}) AS __q({aliases})"


def prepare_query(
    ctx: StatementContext, con: duckdb.DuckDBPyConnection, query: exp.Expression
) -> PreparedQuery:
    """Resolve tables, translate to DuckDB and bind (so types and names are known)."""
    resolver = TableResolver(
        ctx.glue, ctx.mirror, con, catalog=ctx.catalog, database=ctx.database, text=ctx.text
    )
    check_functions(query, ctx.text)
    resolved = resolver.resolve(query)
    unnamed = name_unnamed_outputs(resolved.query)
    default_decimal_precision(resolved.query)
    final = apply_decimal_semantics(resolved.query, resolved.schema)
    final = apply_trino_functions(final, resolved.schema)
    sql = to_duckdb(final)
    ctx.check_cancelled()
    try:
        relation = con.sql(sql)
    except duckdb.InterruptException:
        raise
    except duckdb.Error as exc:
        raise errors.from_duckdb(exc, ctx.text) from exc
    if relation is None:
        raise errors.syntax_error(ctx.text, None, "the statement is not a query")
    names = [str(c).lower() for c in relation.columns]
    trino_names = output_names(final)
    if trino_names is not None and len(trino_names) == len(names):
        names = trino_names  # DuckDB renames duplicates (x, x_1); Trino keeps them
    prepared = PreparedQuery(
        sql, names, list(relation.types), unnamed, resolved.read_files, resolved.scanned_bytes
    )
    if ctx.cutoff_bytes is not None and prepared.data_scanned > ctx.cutoff_bytes:
        raise AthenaQueryError(
            "",
            "Query cancelled! Bytes scanned limit was exceeded: the query would scan "
            f"{prepared.data_scanned} bytes, more than the workgroup's "
            f"BytesScannedCutoffPerQuery of {ctx.cutoff_bytes} bytes",
            error_type=errors.TYPE_USER,
        )
    return prepared


def _query_of(statement: exp.Expression) -> exp.Expression:
    return statement.this if isinstance(statement, exp.Subquery) else statement


def run_select(ctx: StatementContext) -> StatementResult:
    statement = bind_parameters(parse_statement(ctx.text), ctx.parameters)
    if not isinstance(statement, exp.Query):
        raise errors.syntax_error(ctx.text, 0, "the statement is not a query")
    con = ctx.connect()
    prepared = prepare_query(ctx, con, _query_of(statement))
    scratch = ctx.mirror.scratch_dir()
    target = scratch / "results.csv"
    formatted = prepared.projection(lambda ref, duck: format_sql(output_cast_sql(ref, duck), duck))
    quoted = quote_literal(str(target))
    try:
        row = con.execute(
            f"COPY ({formatted}) TO {quoted} (FORMAT csv, HEADER false, FORCE_QUOTE *)"
        ).fetchone()
    except BaseException as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        if isinstance(exc, duckdb.Error) and not isinstance(exc, duckdb.InterruptException):
            raise errors.from_duckdb(exc, ctx.text) from exc
        raise
    columns = [result_column(n, t) for n, t in zip(prepared.names, prepared.types, strict=True)]
    return StatementResult(
        kind="rows",
        columns=columns,
        rows_file=target,
        row_count=int(row[0]) if row else 0,
        data_scanned=prepared.data_scanned,
    )


def _check_named_columns(prepared: PreparedQuery) -> None:
    if prepared.unnamed:
        raise AthenaQueryError(
            "COLUMN_NAME_NOT_SPECIFIED",
            f"line 1:1: Column name not specified at position {prepared.unnamed[0] + 1}",
        )
    seen: set[str] = set()
    for name in prepared.names:
        if name in seen:
            raise AthenaQueryError(
                "DUPLICATE_COLUMN_NAME", f"line 1:1: Column name '{name}' specified more than once"
            )
        seen.add(name)
    for name, duck in zip(prepared.names, prepared.types, strict=True):
        if str(duck.id) == "null":
            raise AthenaQueryError("COLUMN_TYPE_UNKNOWN", f"Column type is unknown: {name}")


def _write_prepared(
    ctx: StatementContext,
    con: duckdb.DuckDBPyConnection,
    prepared: PreparedQuery,
    options: WriteOptions,
    location: str,
) -> tuple[list[tuple[str, str]], Any]:
    """Write the query's rows; return the (name, Glue type) of its columns and the files."""
    glue_columns = [(n, hive_type(t)) for n, t in zip(prepared.names, prepared.types, strict=True)]
    missing = [p for p in options.partitioned_by if p not in prepared.names]
    if missing:
        raise AthenaQueryError(
            "INVALID_TABLE_PROPERTY",
            f"Partition column {missing[0]} is not a column of the query's result",
        )
    tail = prepared.names[len(prepared.names) - len(options.partitioned_by) :]
    if options.partitioned_by and tail != options.partitioned_by:
        raise AthenaQueryError(
            "HIVE_COLUMN_ORDER_MISMATCH",
            "Partition keys must be the last columns in the table and in the same order as "
            f"the table properties: {options.partitioned_by}",
        )
    select_sql = prepared.projection(write_cast_sql)
    ctx.check_cancelled()
    try:
        written = write_files(con, select_sql, options, ctx.mirror, location, ctx.execution_id)
    except duckdb.InterruptException:
        raise
    except duckdb.Error as exc:
        raise errors.from_duckdb(exc, ctx.text) from exc
    return glue_columns, written


def run_ctas(ctx: StatementContext) -> StatementResult:
    statement = bind_parameters(parse_statement(ctx.text), ctx.parameters)
    if not isinstance(statement, exp.Create) or statement.expression is None:
        raise errors.syntax_error(ctx.text, 0, "expected CREATE TABLE … AS <query>")
    target = statement.this
    database, name = table_ref(ctx, target)
    require_database(ctx, database)
    if ctx.glue.table_dict(database, name) is not None:
        if statement.args.get("exists"):
            return StatementResult(kind="ctas")
        raise AthenaQueryError(
            "TABLE_ALREADY_EXISTS",
            f"line 1:1: Destination table '{DEFAULT_CATALOG}.{database}.{name}' already exists",
        )
    props = with_properties(statement.args.get("properties"))
    no_data = any(
        isinstance(p, exp.WithDataProperty) and p.args.get("no")
        for p in (statement.args.get("properties") or exp.Properties()).expressions
    )
    options = write_options(props, default_format="PARQUET", compression_key="write_compression")
    location = options.external_location or f"{ctx.result_prefix}/tables/{ctx.execution_id}"
    location = location.rstrip("/") + "/"
    bucket, prefix = parse_s3_uri(location)
    require_bucket(ctx, location)
    if ctx.mirror.list_keys(bucket, prefix):
        raise AthenaQueryError(
            "HIVE_PATH_ALREADY_EXISTS",
            f"Target directory for table '{database}.{name}' already exists: {location}. You may "
            "need to manually clean the data at location before retrying",
        )
    con = ctx.connect()
    query = _query_of(statement.expression)
    if no_data:
        query = exp.select("*").from_(exp.Subquery(this=query, alias="__nodata")).limit(0)
    prepared = prepare_query(ctx, con, query)
    _check_named_columns(prepared)
    glue_columns, written = _write_prepared(ctx, con, prepared, options, location)
    partition_types = dict(glue_columns)
    spec = TableSpec(
        database=database,
        name=name,
        columns=[(n, t, "") for n, t in glue_columns if n not in options.partitioned_by],
        location=location,
        storage=options.storage,
        serde_parameters=(
            {
                "field.delim": options.field_delimiter,
                "serialization.format": options.field_delimiter,
            }
            if options.format == "textfile"
            else {"serialization.format": "1"}
        ),
        partition_keys=[(p, partition_types[p]) for p in options.partitioned_by],
        parameters={
            "classification": options.classification,
            "has_encrypted_data": "false",
            **({"write.compression": options.compression.upper()} if options.compression else {}),
        },
    )
    ctx.glue.create_table(spec)
    if written.partitions:
        storage = spec.table_input()["StorageDescriptor"]
        ctx.glue.add_partitions(database, name, written.partitions, storage)
    return StatementResult(
        kind="ctas",
        update_count=written.rows,
        data_scanned=prepared.data_scanned,
        written_uris=written.uris,
    )


_UNLOAD = re.compile(
    r"UNLOAD\s*\((?P<query>.*)\)\s*TO\s*'(?P<to>(?:[^']|'')*)'\s*WITH\s*\((?P<props>.*)\)",
    re.IGNORECASE | re.DOTALL,
)


def run_unload(ctx: StatementContext) -> StatementResult:
    match = _UNLOAD.fullmatch(ctx.text)
    if match is None:
        raise errors.syntax_error(
            ctx.text, 0, "expected UNLOAD (<query>) TO 's3://…' WITH (format = …)"
        )
    location = match.group("to").replace("''", "'")
    if not location.startswith("s3://"):
        raise AthenaQueryError(
            "INVALID_ARGUMENT", f"UNLOAD location must be an s3:// URI: {location}"
        )
    require_bucket(ctx, location)
    options = write_options(
        parse_with_clause(match.group("props")),
        default_format="TEXTFILE",
        compression_key="compression",
    )
    statement = bind_parameters(parse_statement(match.group("query")), ctx.parameters)
    con = ctx.connect()
    prepared = prepare_query(ctx, con, _query_of(statement))
    _check_named_columns(prepared)
    _, written = _write_prepared(ctx, con, prepared, options, location.rstrip("/") + "/")
    return StatementResult(
        kind="unload",
        update_count=written.rows,
        data_scanned=prepared.data_scanned,
        written_uris=written.uris,
    )


def run_insert(ctx: StatementContext) -> StatementResult:
    """INSERT INTO <table> [(columns)] <query>: new files in the table's location."""
    statement = bind_parameters(parse_statement(ctx.text), ctx.parameters)
    if not isinstance(statement, exp.Insert):
        raise errors.syntax_error(ctx.text, 0, "expected INSERT INTO <table> <query>")
    target = statement.this
    column_list: list[str] | None = None
    if isinstance(target, exp.Schema):
        column_list = [c.name.lower() for c in target.expressions]
        target = target.this
    database, name = table_ref(ctx, target)
    info = require_table(ctx, database, name)
    if info.get("TableType") == "VIRTUAL_VIEW":
        raise not_a_table(database, name)
    table = ctx.glue.load(database, name)
    fmt = {"parquet": "PARQUET", "json": "JSON", "csv": "TEXTFILE"}[table.format]
    options = write_options(
        {"format": fmt}, default_format=fmt, compression_key="write_compression"
    )
    options.field_delimiter = table.delimiter
    options.partitioned_by = [n.lower() for n, _ in table.partition_keys]
    con = ctx.connect()
    prepared = prepare_query(ctx, con, _query_of(statement.expression))
    targets = [n.lower() for n, _ in table.all_columns]
    given = column_list or targets
    if len(given) != len(prepared.names):
        raise AthenaQueryError(
            "TYPE_MISMATCH",
            f"line 1:1: Insert query has {len(prepared.names)} columns, the target {len(given)}",
        )
    from infra_scripts.localcloud.sqlengine.catalog import duck_type

    by_name = dict(zip(given, range(len(given)), strict=True))
    items = []
    for column_name, glue_type in table.all_columns:
        index = by_name.get(column_name.lower())
        source = f"__q.c{index}" if index is not None else "NULL"
        target = quote_identifier(column_name.lower())
        items.append(f"CAST({source} AS {duck_type(glue_type)}) AS {target}")
    aliases = ", ".join(f"c{i}" for i in range(len(prepared.names)))
    reshaped = PreparedQuery(
        sql=f"SELECT {', '.join(items)} FROM ({prepared.sql}) AS __q({aliases})",
        names=targets,
        types=list(
            con.sql(f"SELECT {', '.join(items)} FROM ({prepared.sql}) AS __q({aliases})").types
        ),
        unnamed=[],
        read_files=prepared.read_files,
    )
    location = table.location.rstrip("/") + "/"
    _, written = _write_prepared(ctx, con, reshaped, options, location)
    if written.partitions:
        _into_registered_partitions(
            ctx, written, dict((tuple(v), loc) for v, loc in table.partitions)
        )
        storage = ctx.glue.table_dict(database, name)["StorageDescriptor"]
        ctx.glue.add_partitions(database, name, written.partitions, storage)
    return StatementResult(
        kind="none", update_count=written.rows, data_scanned=prepared.data_scanned
    )


def _into_registered_partitions(
    ctx: StatementContext, written: Any, registered: dict[tuple[str, ...], str]
) -> None:
    """Move the files INSERT INTO wrote for a partition Glue already has at another location
    (``ALTER TABLE … ADD PARTITION … LOCATION``) into that location, as Athena writes them."""
    for values, default in list(written.partitions):
        target = registered.get(tuple(values))
        if target is None or target.rstrip("/") == default.rstrip("/"):
            continue
        target = target.rstrip("/") + "/"
        for index, uri in enumerate(written.uris):
            if not uri.startswith(default):
                continue
            bucket, key = parse_s3_uri(uri)
            body = ctx.mirror.local_path(bucket, key).read_bytes()
            new_bucket, new_prefix = parse_s3_uri(target)
            new_key = new_prefix + uri[len(default) :]
            ctx.mirror.put(new_bucket, new_key, body)
            ctx.mirror.delete_prefix(bucket, key)
            written.uris[index] = f"s3://{new_bucket}/{new_key}"


# --- views --------------------------------------------------------------------------------


def run_modify_rows(ctx: StatementContext) -> StatementResult:
    """``MERGE INTO`` / ``UPDATE`` / ``DELETE FROM``: Athena modifies rows of Iceberg tables only,
    and the local cloud has none, so each fails as a Hive table's would."""
    raise errors.iceberg_not_supported(
        "Modifying Hive table rows is only supported for transactional tables. "
    )


def run_create_view(ctx: StatementContext) -> StatementResult:
    statement = parse_statement(ctx.text)
    if not isinstance(statement, exp.Create) or statement.expression is None:
        raise errors.syntax_error(ctx.text, 0, "expected CREATE [OR REPLACE] VIEW … AS <query>")
    database, name = table_ref(ctx, statement.this)
    require_database(ctx, database)
    existing = ctx.glue.table_dict(database, name)
    replace = bool(statement.args.get("replace"))
    if existing is not None:
        if existing.get("TableType") != "VIRTUAL_VIEW":
            raise AthenaQueryError(
                "TABLE_ALREADY_EXISTS",
                f"line 1:1: Table '{DEFAULT_CATALOG}.{database}.{name}' already exists",
            )
        if not replace:
            raise AthenaQueryError(
                "TABLE_ALREADY_EXISTS",
                f"line 1:1: View '{DEFAULT_CATALOG}.{database}.{name}' already exists",
            )
    query = _query_of(statement.expression)
    original_sql = query.sql(dialect="trino")
    prepared = prepare_query(ctx, ctx.connect(), query.copy())
    _check_named_columns(prepared)
    columns = [(n, hive_type(t)) for n, t in zip(prepared.names, prepared.types, strict=True)]
    trino_columns = [(n, trino_type_of_hive(t)) for n, t in columns]
    table_input = {
        "Name": name,
        "TableType": "VIRTUAL_VIEW",
        "Parameters": {"presto_view": "true", "comment": "Presto View"},
        "ViewOriginalText": encode_presto_view(original_sql, database, trino_columns, ctx.owner),
        "ViewExpandedText": "/* Presto View */",
        "PartitionKeys": [],
        "StorageDescriptor": {
            "Columns": [{"Name": n, "Type": t} for n, t in columns],
            "Location": "",
            "SerdeInfo": {},
            "Compressed": False,
            "NumberOfBuckets": 0,
            "StoredAsSubDirectories": False,
        },
    }
    ctx.glue.put_view(database, name, table_input, replace=existing is not None)
    return StatementResult(kind="none")


def run_drop_view(ctx: StatementContext) -> StatementResult:
    match = match_statement(
        rf"DROP\s+VIEW\s+(?P<exists>IF\s+EXISTS\s+)?(?P<name>{NAME_PATH})", ctx.text
    )
    database, name = table_ref(ctx, match.group("name"))
    info = ctx.glue.table_dict(database, name) if ctx.glue.has_database(database) else None
    if info is None or info.get("TableType") != "VIRTUAL_VIEW":
        if match.group("exists") and info is None:
            return StatementResult(kind="none")
        raise AthenaQueryError(
            "TABLE_NOT_FOUND",
            f"line 1:1: View '{DEFAULT_CATALOG}.{database}.{name}' does not exist",
            error_type=errors.TYPE_NOT_FOUND,
        )
    ctx.glue.delete_table(database, name)
    return StatementResult(kind="none")
