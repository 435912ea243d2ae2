"""One Redshift database as a persistent DuckDB file, and how statements run on it.

Each database of a workgroup's namespace (or of a provisioned cluster) is a DuckDB file
``<dir>/<database>.duckdb``: local tables persist across statements. Its connection is
sandboxed to the S3 mirror and its own folder, divides integers as Redshift does and runs
in UTC; statements run one at a time, each in its own session (a cursor), so temporary
tables last for one ExecuteStatement or one batch, as in the Data API.

Spectrum: ``CREATE EXTERNAL SCHEMA`` maps a schema to a Glue database; a statement that
reads ``schema.table`` first gets a view over the Glue table's current S3 objects.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from infra_scripts.localcloud.services.redshift_data import (
    commands,
    loading,
    numeric,
    sqltext,
    translate,
)
from infra_scripts.localcloud.services.redshift_data.errors import (
    RedshiftSqlError,
    from_duckdb_error,
)
from infra_scripts.localcloud.services.redshift_data.results import (
    ResultSet,
    column_metadata,
    redshift_type,
)
from infra_scripts.localcloud.sqlengine.catalog import (
    CatalogError,
    duck_type,
    glue_backend,
    glue_database_exists,
    glue_table_names,
    load_table,
    scan_sql,
)
from infra_scripts.localcloud.sqlengine.duck import WAREHOUSE_SETTINGS, sandboxed_connection
from infra_scripts.localcloud.sqlengine.quoting import quote_identifier
from infra_scripts.localcloud.sqlengine.s3mirror import S3Mirror

log = logging.getLogger("localcloud.redshift_data")

META_SCHEMA = "_localcloud"
HIDDEN_SCHEMAS = {"main", META_SCHEMA}
SYSTEM_SCHEMAS = ["information_schema", "pg_catalog"]
NO_OP_STATEMENTS = {"VACUUM", "ANALYZE", "GRANT", "REVOKE", "SET", "RESET", "ALTER USER"}
_SEARCH_PATH_SKIP = {"$user", "'$user'", '"$user"', "to", "=", ","}
NO_OP_PAIRS = {("CREATE", "USER"), ("DROP", "USER"), ("CREATE", "GROUP"), ("ALTER", "GROUP")}
NON_TRANSACTIONAL = {("CREATE", "DATABASE"), ("DROP", "DATABASE"), ("VACUUM", "")}
TRANSACTION_CONTROL = {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT"}
# DuckDB statements that have no place in Redshift SQL (and could reach outside the sandbox).
DENIED = {"ATTACH", "DETACH", "INSTALL", "LOAD", "PRAGMA", "EXPORT", "IMPORT", "CALL",
          "CHECKPOINT", "FORCE", "USE", "SUMMARIZE", "UPDATE_EXTENSIONS"}  # fmt: skip


@dataclass
class Outcome:
    """What one statement produced: a result set, or the number of rows it affected."""

    result: ResultSet | None
    rows: int


@dataclass(frozen=True)
class ExternalSchema:
    schema: str
    glue_database: str
    region: str


def like_to_regex(pattern: str | None) -> re.Pattern[str] | None:
    """A SQL LIKE pattern (``%``, ``_``) as an anchored regular expression."""
    if not pattern:
        return None
    out = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile(out + r"\Z", re.S)


def _matches(regex: re.Pattern[str] | None, name: str) -> bool:
    return regex is None or bool(regex.match(name))


def _word_pair(statement: sqltext.Statement) -> tuple[str, str]:
    return statement.word(0), statement.word(1)


def is_transaction_control(statement: sqltext.Statement) -> bool:
    return statement.word(0) in TRANSACTION_CONTROL


def is_non_transactional(statement: sqltext.Statement) -> bool:
    first, second = _word_pair(statement)
    return (first, second) in NON_TRANSACTIONAL or first == "VACUUM"


class RedshiftDatabase:
    """A Redshift database of one workgroup/cluster, stored in a DuckDB file."""

    def __init__(
        self,
        name: str,
        directory: Path,
        mirror: S3Mirror,
        account_id: str,
        region: str,
        on_database_command: Callable[[str, str, sqltext.Statement], None],
    ) -> None:
        self.name = name
        self.directory = directory
        self.mirror = mirror
        self.account_id = account_id
        self.region = region
        self._on_database_command = on_database_command
        directory.mkdir(parents=True, exist_ok=True)
        mirror.root.mkdir(parents=True, exist_ok=True)
        self.con = sandboxed_connection(
            [mirror.root, directory],
            database=str(directory / f"{name}.duckdb"),
            settings=WAREHOUSE_SETTINGS,
        )
        self.con.execute("CREATE SCHEMA IF NOT EXISTS public")
        self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {META_SCHEMA}")
        self.con.execute(
            f"CREATE TABLE IF NOT EXISTS {META_SCHEMA}.external_schemas ("
            "schema_name VARCHAR, glue_database VARCHAR, region VARCHAR, iam_role VARCHAR)"
        )
        self.lock = threading.Lock()

    def close(self) -> None:
        with self.lock:
            self.con.close()

    # --- sessions -------------------------------------------------------------------
    @contextlib.contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own (temporary tables live as long as it) — one at a time."""
        with self.lock:
            cur = self.con.cursor()
            try:
                cur.execute(f'USE "{self.name}".public')
                yield cur
            finally:
                cur.close()

    @contextlib.contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for catalog look-ups; runs beside statements (DuckDB is MVCC)."""
        cur = self.con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    # --- statements -----------------------------------------------------------------
    def execute(
        self,
        cur: duckdb.DuckDBPyConnection,
        statement: sqltext.Statement,
        parameters: dict[str, str] | None = None,
        *,
        in_transaction: bool = False,
    ) -> Outcome:
        """Run one statement in the session ``cur``; Redshift-worded errors."""
        first, second = _word_pair(statement)
        if in_transaction and is_non_transactional(statement):
            shown = f"{first} {second}" if first != "VACUUM" else first
            raise RedshiftSqlError(f"{shown} cannot run inside a transaction block")
        if first in DENIED:
            raise RedshiftSqlError(f'syntax error at or near "{statement.tokens[0].text}"')
        try:
            return self._dispatch(cur, statement, parameters)
        except duckdb.InterruptException:
            raise
        except duckdb.Error as exc:
            raise from_duckdb_error(exc) from exc

    def _dispatch(
        self,
        cur: duckdb.DuckDBPyConnection,
        statement: sqltext.Statement,
        parameters: dict[str, str] | None,
    ) -> Outcome:
        first, second = _word_pair(statement)
        if first == "SET" and second == "SEARCH_PATH":
            self._set_search_path(cur, statement)
            return Outcome(None, 0)
        if first in NO_OP_STATEMENTS or (first, second) in NO_OP_PAIRS:
            return Outcome(None, 0)
        if first == "COPY":
            return Outcome(None, loading.run_copy(cur, commands.parse_copy(statement), self.mirror))
        if first == "UNLOAD":
            command = commands.parse_unload(statement)
            rows = loading.run_unload(cur, command, self.mirror, lambda q: self._query_sql(cur, q))
            return Outcome(None, rows)
        if first == "CREATE" and second == "EXTERNAL":
            if statement.word(2) != "SCHEMA":
                raise RedshiftSqlError(
                    f"CREATE EXTERNAL {statement.word(2)} is not supported by the local cloud; "
                    "create the table in the Glue Data Catalog (e.g. with awswrangler)"
                )
            self._create_external_schema(cur, commands.parse_external_schema(statement))
            return Outcome(None, 0)
        if first == "DROP" and second == "SCHEMA" and self._drop_external_schemas(cur, statement):
            return Outcome(None, 0)
        if second == "DATABASE" and first in ("CREATE", "DROP"):
            self._on_database_command(first, self.name, statement)
            return Outcome(None, 0)
        return self._execute_sql(cur, statement, parameters)

    def _execute_sql(
        self,
        cur: duckdb.DuckDBPyConnection,
        statement: sqltext.Statement,
        parameters: dict[str, str] | None,
    ) -> Outcome:
        prepared = translate.prepare(statement, parameters)
        try:
            self._check_external_writes(cur, prepared.tree)
            self._refresh_external_views(cur, prepared.tables)
            plain_sql = prepared.duckdb_sql()
            numeric.apply(prepared.tree, lambda: self._sqlglot_schema(cur), self.name)
            for sql in prepared.setup_sql:
                cur.execute(sql)
            try:
                cur.execute(prepared.duckdb_sql())
            except duckdb.BinderException as exc:
                if prepared.duckdb_sql() == plain_sql:
                    raise
                # Redshift's numeric typing could not be bound here (nothing ran yet):
                # DuckDB's own types are better than a failure.
                log.warning("Redshift numeric typing failed to bind; running %s as is", plain_sql)
                try:
                    cur.execute(plain_sql)
                except duckdb.TransactionException:  # the failed bind aborted the transaction
                    raise exc from None
            if prepared.has_result_set:
                rows = cur.fetchall()
                return Outcome(ResultSet.from_description(cur.description, rows), len(rows))
            if cur.description and cur.description[0][0] == "Count":
                row = cur.fetchone()
                return Outcome(None, int(row[0]) if row else 0)
            return Outcome(None, 0)
        except duckdb.InterruptException:
            raise
        except duckdb.Error as exc:
            raise from_duckdb_error(exc, prepared.from_tables) from exc

    def _set_search_path(
        self, cur: duckdb.DuckDBPyConnection, statement: sqltext.Statement
    ) -> None:
        """SET search_path TO a, b: unqualified names resolve in the first existing schema."""
        names = [t.text.lower() for t in statement.tokens[2:]]
        for name in (n for n in names if n not in _SEARCH_PATH_SKIP):
            found = cur.execute(
                "SELECT 1 FROM information_schema.schemata "
                "WHERE catalog_name = current_database() AND schema_name = ?",
                [name],
            ).fetchone()
            if found:
                cur.execute(f"USE {quote_identifier(self.name)}.{quote_identifier(name)}")
                return

    def _query_sql(self, cur: duckdb.DuckDBPyConnection, query: str) -> str:
        """UNLOAD's query, translated (with external tables resolved) to DuckDB SQL."""
        statements = sqltext.split_statements(query)
        if len(statements) != 1:
            raise RedshiftSqlError("UNLOAD needs exactly one SELECT statement")
        prepared = translate.prepare(statements[0])
        if not prepared.has_result_set:
            raise RedshiftSqlError("UNLOAD query must be a SELECT statement")
        self._refresh_external_views(cur, prepared.tables)
        numeric.apply(prepared.tree, lambda: self._sqlglot_schema(cur), self.name)
        return prepared.duckdb_sql()

    def _sqlglot_schema(self, cur: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        rows = cur.execute(
            "SELECT table_catalog, table_schema, table_name, column_name, data_type "
            "FROM information_schema.columns WHERE table_catalog = current_database()"
        ).fetchall()
        schema: dict[str, Any] = {}
        for catalog, db, table, column, data_type in rows:
            schema.setdefault(catalog, {}).setdefault(db, {}).setdefault(table, {})[column] = (
                data_type
            )
        return schema

    # --- Spectrum ---------------------------------------------------------------------
    def external_schemas(self, cur: duckdb.DuckDBPyConnection) -> dict[str, ExternalSchema]:
        rows = cur.execute(
            f"SELECT schema_name, glue_database, region FROM {META_SCHEMA}.external_schemas"
        ).fetchall()
        return {r[0]: ExternalSchema(r[0], r[1], r[2]) for r in rows}

    def _create_external_schema(
        self, cur: duckdb.DuckDBPyConnection, command: commands.ExternalSchemaCommand
    ) -> None:
        exists = cur.execute(
            "SELECT 1 FROM information_schema.schemata "
            "WHERE catalog_name = current_database() AND schema_name = ?",
            [command.schema],
        ).fetchone()
        if exists:
            if command.if_not_exists:
                return
            raise RedshiftSqlError(f'Schema "{command.schema}" already exists')
        region = command.region or self.region
        if not glue_database_exists(self.account_id, region, command.glue_database):
            if not command.create_database:
                raise RedshiftSqlError(
                    f'External database "{command.glue_database}" does not exist in the data '
                    "catalog (add CREATE EXTERNAL DATABASE IF NOT EXISTS to create it)"
                )
            glue_backend(self.account_id, region).create_database(
                command.glue_database, {"Name": command.glue_database}
            )
        cur.execute(f"CREATE SCHEMA {quote_identifier(command.schema)}")
        cur.execute(
            f"INSERT INTO {META_SCHEMA}.external_schemas VALUES (?, ?, ?, ?)",
            [command.schema, command.glue_database, region, command.iam_role],
        )

    def _drop_external_schemas(
        self, cur: duckdb.DuckDBPyConnection, statement: sqltext.Statement
    ) -> bool:
        """DROP SCHEMA of external schemas (their views go too); False if none is external."""
        words = [t.text.lower() for t in statement.tokens[2:] if t.text not in (",",)]
        if words[:2] == ["if", "exists"]:
            words = words[2:]
        external = self.external_schemas(cur)
        names = [w for w in words if w in external]
        if not names:
            return False
        if "external" in words:
            raise RedshiftSqlError("DROP SCHEMA … DROP EXTERNAL DATABASE is not supported locally")
        for name in names:
            cur.execute(f"DROP SCHEMA IF EXISTS {quote_identifier(name)} CASCADE")
            cur.execute(f"DELETE FROM {META_SCHEMA}.external_schemas WHERE schema_name = ?", [name])
        return True

    def _check_external_writes(self, cur: duckdb.DuckDBPyConnection, tree: exp.Expr) -> None:
        if not isinstance(tree, exp.Insert | exp.Update | exp.Delete | exp.Create | exp.Drop):
            return
        target = tree.find(exp.Table)
        if target is not None and target.db in self.external_schemas(cur):
            raise RedshiftSqlError(
                f'"{target.db}.{target.name}" is an external table: write to its S3 location '
                "and Glue catalog instead (the local cloud does not run Spectrum writes)"
            )

    def _refresh_external_views(
        self, cur: duckdb.DuckDBPyConnection, tables: list[exp.Table]
    ) -> None:
        """Point the views of the external tables a statement reads at their current files.

        A user view may read external tables too: when the statement names a view, every
        external table already seen is refreshed.
        """
        external = self.external_schemas(cur)
        if not external:
            return
        wanted = {(t.db, t.name) for t in tables if t.db in external}
        local = {t.name for t in tables if t.db not in external}
        if local:
            views = cur.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_catalog = current_database() AND table_type = 'VIEW'"
            ).fetchall()
            if any(name in local for schema, name in views if schema not in external):
                wanted |= {(schema, name) for schema, name in views if schema in external}
        for schema, name in sorted(wanted):
            mapping = external[schema]
            try:
                catalog_table = load_table(
                    self.account_id, mapping.region, mapping.glue_database, name
                )
                body = scan_sql(catalog_table, self.mirror, cur)
            except CatalogError as exc:
                log.info("external table %s.%s: %s", schema, name, exc)
                raise RedshiftSqlError(f'relation "{schema}.{name}" does not exist') from exc
            view = f"{quote_identifier(schema)}.{quote_identifier(name)}"
            cur.execute(f"CREATE OR REPLACE VIEW {view} AS {body}")

    # --- catalog API (ListSchemas, ListTables, DescribeTable) ---------------------------
    def list_schemas(self, pattern: str | None) -> list[str]:
        with self.reader() as cur:
            rows = cur.execute(
                "SELECT schema_name FROM information_schema.schemata "
                "WHERE catalog_name = current_database()"
            ).fetchall()
        names = {r[0] for r in rows if r[0] not in HIDDEN_SCHEMAS} | set(SYSTEM_SCHEMAS)
        regex = like_to_regex(pattern)
        return sorted(n for n in names if _matches(regex, n))

    def list_tables(
        self, schema_pattern: str | None, table_pattern: str | None
    ) -> list[dict[str, str]]:
        schema_regex, table_regex = like_to_regex(schema_pattern), like_to_regex(table_pattern)
        with self.reader() as cur:
            external = self.external_schemas(cur)
            rows = cur.execute(
                "SELECT table_schema, table_name, table_type FROM information_schema.tables "
                "WHERE table_catalog = current_database() ORDER BY 1, 2"
            ).fetchall()
        tables = [
            {"name": name, "schema": schema, "type": "VIEW" if kind == "VIEW" else "TABLE"}
            for schema, name, kind in rows
            if schema not in HIDDEN_SCHEMAS and schema not in external
        ]
        for schema, mapping in sorted(external.items()):
            if _matches(schema_regex, schema):
                for name in self._glue_table_names(mapping):
                    tables.append({"name": name, "schema": schema, "type": "EXTERNAL TABLE"})
        return [
            t
            for t in tables
            if _matches(schema_regex, t["schema"]) and _matches(table_regex, t["name"])
        ]

    def _glue_table_names(self, mapping: ExternalSchema) -> list[str]:
        try:
            return glue_table_names(self.account_id, mapping.region, mapping.glue_database)
        except CatalogError:  # the Glue database is gone: an empty schema, as in Redshift
            return []

    def describe_table(self, schema: str | None, table: str | None) -> list[dict[str, Any]]:
        """ColumnMetadata of the matching tables' columns (local and external)."""
        columns: list[dict[str, Any]] = []
        for entry in self.list_tables(schema, table):
            if entry["type"] == "EXTERNAL TABLE":
                columns.extend(self._external_columns(entry["schema"], entry["name"]))
                continue
            with self.reader() as cur:
                rows = cur.execute(
                    "SELECT column_name, data_type, is_nullable, column_default "
                    "FROM information_schema.columns WHERE table_catalog = current_database() "
                    "AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                    [entry["schema"], entry["name"]],
                ).fetchall()
            for name, data_type, nullable, default in rows:
                meta = column_metadata(
                    name,
                    redshift_type(data_type),
                    schema=entry["schema"],
                    table=entry["name"],
                    nullable=nullable == "YES",
                )
                meta["columnDefault"] = default
                columns.append(meta)
        return columns

    def _external_columns(self, schema: str, table: str) -> list[dict[str, Any]]:
        with self.reader() as cur:
            mapping = self.external_schemas(cur)[schema]
        try:
            found = load_table(self.account_id, mapping.region, mapping.glue_database, table)
            return [
                column_metadata(
                    name, redshift_type(duck_type(glue_type)), schema=schema, table=table
                )
                for name, glue_type in found.all_columns
            ]
        except CatalogError:
            return []
