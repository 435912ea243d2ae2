"""Table references of a query → per-query DuckDB views over the Glue catalog's tables.

Each ``[catalog.][database.]table`` of the query (not a CTE) is looked up in the Glue Data
Catalog: a view (``VIRTUAL_VIEW``) is replaced by its SQL, expanded recursively; a table
becomes a TEMP VIEW of the query's own sandboxed DuckDB connection, over the mirrored S3
objects of the partitions the query can read. Partitions are pruned as Athena prunes them
from the catalog: ``WHERE`` conjuncts that only use the table's partition keys are evaluated
against each partition's values, so only the surviving partitions' files are read.

DataScannedInBytes counts what Athena reads of those files (:mod:`..sqlengine.scanned`):
text files whole; of Parquet files only the column chunks of the columns the query
references, in the row groups its simple filters do not exclude by their statistics.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from infra_scripts.localcloud.services.athena import errors
from infra_scripts.localcloud.services.athena.glue import (
    GlueCatalog,
    decode_view,
    trino_type_of_hive,
)
from infra_scripts.localcloud.services.athena.translate import parse_statement, to_duckdb
from infra_scripts.localcloud.services.athena.writer import HIVE_DEFAULT_PARTITION
from infra_scripts.localcloud.sqlengine.catalog import (
    CatalogError,
    CatalogTable,
    duck_type,
    scan_sql,
)
from infra_scripts.localcloud.sqlengine.quoting import quote_identifier, quote_literal
from infra_scripts.localcloud.sqlengine.s3mirror import S3Mirror
from infra_scripts.localcloud.sqlengine.scanned import (
    parquet_bytes,
    referenced_columns,
    row_group_bounds,
    table_filter,
    text_bytes,
)

DEFAULT_CATALOG = "awsdatacatalog"
MAX_VIEW_DEPTH = 16
VIEW_PREFIX = "__athena_t"


@dataclass(frozen=True)
class TableRef:
    catalog: str
    database: str
    name: str


@dataclass
class ResolvedQuery:
    query: exp.Expression
    read_files: list[Path] = field(default_factory=list)
    schema: dict[str, dict[str, str]] = field(default_factory=dict)  # view → column → Trino type
    scanned_bytes: int = 0  # DataScannedInBytes: what Athena reads of ``read_files``


def _ident(node: exp.Expression | None) -> str | None:
    return node.name.lower() if isinstance(node, exp.Identifier) and node.name else None


class TableResolver:
    """Resolves one statement's table references (one instance per statement)."""

    def __init__(
        self,
        glue: GlueCatalog,
        mirror: S3Mirror,
        con: duckdb.DuckDBPyConnection,
        *,
        catalog: str,
        database: str,
        text: str,
    ) -> None:
        self.glue = glue
        self.mirror = mirror
        self.con = con
        self.catalog = catalog.lower()
        self.database = database.lower()
        self.text = text
        self._views = 0

    # --- names --------------------------------------------------------------------------

    def ref(self, table: exp.Table, default_database: str | None = None) -> TableRef:
        catalog = _ident(table.args.get("catalog")) or self.catalog
        database = _ident(table.args.get("db")) or default_database or self.database
        return TableRef(catalog, database, table.name.lower())

    def check(self, ref: TableRef) -> dict[str, Any]:
        """The Glue table of ``ref`` (fails as Athena does when it or its schema is missing)."""
        if ref.catalog != DEFAULT_CATALOG:
            raise errors.catalog_not_found(ref.catalog)
        if not self.glue.has_database(ref.database):
            raise errors.schema_not_found(self.text, ref.catalog, ref.database)
        info = self.glue.table_dict(ref.database, ref.name)
        if info is None:
            raise errors.table_not_found(self.text, ref.catalog, ref.database, ref.name)
        return info

    @staticmethod
    def _cte_names(query: exp.Expression) -> set[str]:
        return {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}

    @staticmethod
    def _is_table_name(table: exp.Table, ctes: set[str]) -> bool:
        if not isinstance(table.this, exp.Identifier):
            return False  # a table function, e.g. UNNEST or read_csv(...)
        return bool(table.args.get("db")) or table.name.lower() not in ctes

    # --- views --------------------------------------------------------------------------

    def expand_views(self, query: exp.Expression) -> exp.Expression:
        for _ in range(MAX_VIEW_DEPTH):
            ctes = self._cte_names(query)
            expanded = False
            for table in list(query.find_all(exp.Table)):
                if not self._is_table_name(table, ctes):
                    continue
                ref = self.ref(table, table.meta.get("athena_view_db"))
                info = self.check(ref)
                if info.get("TableType") != "VIRTUAL_VIEW":
                    continue
                table.replace(self._view_subquery(table, ref, info))
                expanded = True
            if not expanded:
                return query
        raise errors.AthenaQueryError(
            "VIEW_IS_RECURSIVE", f"View nesting is deeper than {MAX_VIEW_DEPTH} levels"
        )

    def _view_subquery(self, table: exp.Table, ref: TableRef, info: dict[str, Any]) -> exp.Subquery:
        sql, view_db = decode_view(str(info.get("ViewOriginalText") or ""), ref.database)
        try:
            view = parse_statement(sql)
        except errors.AthenaQueryError as exc:
            raise errors.AthenaQueryError(
                "VIEW_IS_STALE",
                f"View '{ref.catalog}.{ref.database}.{ref.name}' is invalid: {exc.reason}",
            ) from exc
        view_ctes = self._cte_names(view)
        for inner in view.find_all(exp.Table):
            if self._is_table_name(inner, view_ctes) and not inner.args.get("db"):
                inner.meta["athena_view_db"] = view_db
        alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(ref.name))
        return exp.Subquery(this=view, alias=alias.copy())

    # --- tables -------------------------------------------------------------------------

    def resolve(self, query: exp.Expression) -> ResolvedQuery:
        query = self.expand_views(query)
        resolved = ResolvedQuery(query=query)
        ctes = self._cte_names(query)
        root = query.copy()  # relation names, before tables are replaced by their views
        for table in list(query.find_all(exp.Table)):
            if not self._is_table_name(table, ctes):
                continue
            ref = self.ref(table, table.meta.get("athena_view_db"))
            self.check(ref)
            catalog_table = self.glue.load(ref.database, ref.name)
            if catalog_table.partition_keys:
                catalog_table = prune_partitions(catalog_table, table, self.con)
            view_name = f"{VIEW_PREFIX}{self._views}"
            self._views += 1
            first = len(resolved.read_files)
            try:
                body = scan_sql(
                    catalog_table, self.mirror, self.con, read_files=resolved.read_files
                )
                resolved.scanned_bytes += self._scanned(
                    catalog_table, table, root, resolved.read_files[first:]
                )
                self.con.execute(f'CREATE TEMP VIEW "{view_name}" AS {body}')
            except CatalogError as exc:
                raise errors.AthenaQueryError("HIVE_UNSUPPORTED_FORMAT", str(exc)) from exc
            except duckdb.InterruptException:
                raise
            except duckdb.Error as exc:
                raise errors.AthenaQueryError(
                    "HIVE_BAD_DATA",
                    f"Error reading table '{ref.catalog}.{ref.database}.{ref.name}': {exc}",
                    error_type=errors.TYPE_DATA,
                ) from exc
            alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(ref.name))
            table.replace(exp.Table(this=exp.to_identifier(view_name), alias=alias.copy()))
            resolved.schema[view_name] = {
                name.lower(): trino_type_of_hive(glue_type)
                for name, glue_type in catalog_table.all_columns
            }
        for column in query.find_all(exp.Column):
            if column.args.get("db"):  # db.table.column → table.column (the alias)
                column.set("db", None)
                column.set("catalog", None)
        return resolved

    def _scanned(
        self, table: CatalogTable, node: exp.Table, root: exp.Expression, paths: list[Path]
    ) -> int:
        """The bytes Athena reads of ``paths`` for the table at ``node`` of the query."""
        if table.format != "parquet":
            return text_bytes(paths)
        alias = node.alias_or_name.lower()
        keys = {name.lower() for name, _ in table.partition_keys}
        data = [name.lower() for name, _ in table.columns if name.lower() not in keys]
        columns = referenced_columns(node, data, root, alias)
        types = {name.lower(): glue_type for name, glue_type in table.columns}
        bounds = row_group_bounds(node, alias, types, keys)
        return parquet_bytes(paths, columns, bounds, self.mirror.facts)


def prune_partitions(
    table: CatalogTable, node: exp.Table, con: duckdb.DuckDBPyConnection
) -> CatalogTable:
    """``table`` with only the partitions its query's WHERE clause can match."""
    where = table_filter(node)
    if where is None:
        return table
    joins = where.joins
    alias = node.alias_or_name.lower()
    keys = {name.lower() for name, _ in table.partition_keys}
    usable = []
    for conjunct in where.conjuncts:
        columns = list(conjunct.find_all(exp.Column))
        if not columns or conjunct.find(exp.Subquery, exp.Select, exp.AggFunc, exp.Window):
            continue
        if all(
            column.name.lower() in keys
            and (
                (column.table and column.table.lower() == alias) or (not column.table and not joins)
            )
            for column in columns
        ):
            usable.append(conjunct)
    if not usable:
        return table
    condition = exp.and_(*(c.copy() for c in usable))
    for column in condition.find_all(exp.Column):
        column.set("table", None)
    names = [name for name, _ in table.partition_keys]
    rows = []
    for index, (values, _) in enumerate(table.partitions):
        cells = [str(index)]
        for value, (_, glue_type) in zip(values, table.partition_keys, strict=False):
            literal = "NULL" if value == HIVE_DEFAULT_PARTITION else quote_literal(value)
            cells.append(f"TRY_CAST({literal} AS {duck_type(glue_type)})")
        rows.append("(" + ", ".join(cells) + ")")
    if not rows:
        return table
    columns_sql = ", ".join(quote_identifier(n) for n in names)
    sql = (
        f"SELECT __i FROM (VALUES {', '.join(rows)}) AS __p(__i, {columns_sql}) "
        f"WHERE {to_duckdb(condition)}"
    )
    try:
        keep = {int(row[0]) for row in con.execute(sql).fetchall()}
    except duckdb.InterruptException:
        raise
    except duckdb.Error:
        return table  # the query itself will report what is wrong with the condition
    return dataclasses.replace(
        table, partitions=[p for i, p in enumerate(table.partitions) if i in keep]
    )
