"""Glue Data Catalog tables as DuckDB scans over the mirrored S3 objects.

A table's format comes from its SerDe / InputFormat / ``classification`` (Parquet, CSV or
JSON Lines), its columns and partition keys from the catalog, and only the partitions
registered in the catalog are read — as Athena does. Hive-style partition locations
(``…/genre=Fiction/``) become one ``hive_partitioning`` scan, so DuckDB prunes
partitions from filters; other layouts become a UNION ALL with literal partition values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra_scripts.localcloud.sqlengine.hivetypes import HiveType, HiveTypeError, parse_hive_type
from infra_scripts.localcloud.sqlengine.quoting import file_list, quote_identifier, quote_literal
from infra_scripts.localcloud.sqlengine.s3mirror import S3Mirror, parse_s3_uri

_SCALAR_TYPES = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "char": "VARCHAR",
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "float": "FLOAT",
    "real": "FLOAT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "binary": "BLOB",
}
_HIVE_DECIMAL_DEFAULT = (10, 0)  # Hive's decimal is decimal(10,0), decimal(p) is decimal(p,0)


class CatalogError(Exception):
    """A catalog table cannot be read (missing, or in a format the local cloud cannot scan)."""


@dataclass(frozen=True)
class CatalogTable:
    database: str
    name: str
    location: str
    format: str  # "parquet" | "csv" | "json"
    columns: list[tuple[str, str]]  # (name, Glue type)
    partition_keys: list[tuple[str, str]]
    partitions: list[tuple[list[str], str]] = field(default_factory=list)  # (values, location)
    delimiter: str = ","
    skip_header: int = 0
    table_type: str = "EXTERNAL_TABLE"
    view_sql: str | None = None  # Presto view text for VIRTUAL_VIEW tables

    @property
    def all_columns(self) -> list[tuple[str, str]]:
        return self.columns + self.partition_keys


def duck_type(glue_type: str) -> str:
    """The DuckDB type of a Glue/Hive type (``decimal(10,2)``, ``array<string>``, …)."""
    try:
        hive = parse_hive_type(glue_type)
    except HiveTypeError as exc:
        raise CatalogError(f"unsupported column type {glue_type!r} ({exc})") from exc
    return _duck_type(hive, glue_type)


def _duck_type(hive: HiveType, glue_type: str) -> str:
    if hive.name == "decimal" and len(hive.params) <= 2:
        precision, scale = (*hive.params, *_HIVE_DECIMAL_DEFAULT[len(hive.params) :])
        return f"DECIMAL({precision},{scale})"
    if hive.name in ("varchar", "char") and len(hive.params) <= 1:
        return "VARCHAR"
    if hive.name == "array":
        return _duck_type(hive.args[0], glue_type) + "[]"
    if hive.name == "map":
        key, value = (_duck_type(arg, glue_type) for arg in hive.args)
        return f"MAP({key}, {value})"
    if hive.name == "struct":
        fields = [
            f"{quote_identifier(n)} {_duck_type(t, glue_type)}" for n, t in hive.struct_fields
        ]
        return "STRUCT(" + ", ".join(fields) + ")"
    if hive.name in _SCALAR_TYPES and not hive.params and not hive.args:
        return _SCALAR_TYPES[hive.name]
    raise CatalogError(f"unsupported column type {glue_type!r}")


def _format_of(table: dict[str, Any]) -> str:
    sd = table.get("StorageDescriptor") or {}
    hints = " ".join(
        [
            str(sd.get("InputFormat", "")),
            str((sd.get("SerdeInfo") or {}).get("SerializationLibrary", "")),
            str((table.get("Parameters") or {}).get("classification", "")),
        ]
    ).lower()
    for fmt in ("parquet", "json", "csv"):
        if fmt in hints:
            return fmt
    if "lazysimpleserde" in hints or "textinputformat" in hints:
        return "csv"
    raise CatalogError(
        f"table {table.get('Name')} has a format the local cloud cannot read ({hints.strip()!r}); "
        "use Parquet, CSV or JSON"
    )


def glue_backend(account_id: str, region: str) -> Any:
    """moto's Glue backend of an account and region: the local cloud's Data Catalog there."""
    from moto.glue.models import glue_backends

    return glue_backends[account_id][region]


def glue_database_exists(account_id: str, region: str, database: str) -> bool:
    return database in glue_backend(account_id, region).databases


def glue_table_names(account_id: str, region: str, database: str) -> list[str]:
    """The names of a Glue database's tables and views, sorted; CatalogError if it is gone."""
    from moto.glue.exceptions import EntityNotFoundException

    try:
        found = glue_backend(account_id, region).get_database(database)
    except EntityNotFoundException as exc:
        raise CatalogError(str(exc)) from exc
    return sorted(list(found.tables))  # list(): request threads may add tables meanwhile


def load_table(account_id: str, region: str, database: str, name: str) -> CatalogTable:
    """Read a table (and its partitions) from the local cloud's Glue Data Catalog."""
    from moto.glue.exceptions import EntityNotFoundException

    backend = glue_backend(account_id, region)
    try:
        fake = backend.get_table(database, name)
    except EntityNotFoundException as exc:
        raise CatalogError(str(exc)) from exc
    table = fake.as_dict()
    sd = table.get("StorageDescriptor") or {}
    params = table.get("Parameters") or {}
    serde = (sd.get("SerdeInfo") or {}).get("Parameters") or {}
    table_type = table.get("TableType") or "EXTERNAL_TABLE"
    partitions = [  # list(): request threads may add partitions meanwhile
        (list(p.as_dict()["Values"]), p.as_dict()["StorageDescriptor"]["Location"])
        for p in list(fake.partitions.values())
    ]
    return CatalogTable(
        database=database,
        name=name,
        location=sd.get("Location", ""),
        format="parquet" if table_type == "VIRTUAL_VIEW" else _format_of(table),
        columns=[(c["Name"], c["Type"]) for c in sd.get("Columns", [])],
        partition_keys=[(c["Name"], c["Type"]) for c in table.get("PartitionKeys", [])],
        partitions=partitions,
        delimiter=serde.get("field.delim") or serde.get("separatorChar") or ",",
        skip_header=int(params.get("skip.header.line.count", 0) or 0),
        table_type=table_type,
        view_sql=table.get("ViewOriginalText"),
    )


def _reader(table: CatalogTable, paths: list[Path], hive: bool, union: bool = True) -> str:
    files = file_list(paths)
    if table.format == "parquet":
        options = f", union_by_name = {'true' if union else 'false'}"
        if hive:
            types = ", ".join(
                f"{quote_literal(n)}: {duck_type(t)!r}" for n, t in table.partition_keys
            )
            options += f", hive_partitioning = true, hive_types = {{{types}}}"
        return f"read_parquet({files}{options})"
    as_text = ", ".join(f"{quote_literal(n)}: 'VARCHAR'" for n, _ in table.columns)
    if table.format == "csv":
        return (
            f"read_csv({files}, delim = {quote_literal(table.delimiter)}, "
            f"header = {'true' if table.skip_header else 'false'}, quote = '\"', "
            f"columns = {{{as_text}}}, auto_detect = false, "
            # Hive's LazySimpleSerDe: extra fields are ignored, missing ones are NULL
            "strict_mode = false, null_padding = true"
            + (", hive_partitioning = true" if hive else ", hive_partitioning = false")
            + ")"
        )
    return (
        f"read_json({files}, format = 'newline_delimited', columns = {{{as_text}}}"
        + (", hive_partitioning = true" if hive else ", hive_partitioning = false")
        + ")"
    )


def _projection(table: CatalogTable, present: set[str] | None, literal: list[str] | None) -> str:
    """Catalog columns in catalog order, typed; missing columns are NULL (schema evolution)."""
    cols = []
    typed = table.format == "parquet"
    for name, glue_type in table.columns:
        target = duck_type(glue_type)
        if present is not None and name.lower() not in present:
            cols.append(f"CAST(NULL AS {target}) AS {quote_identifier(name)}")
        elif typed:
            cols.append(f"CAST({quote_identifier(name)} AS {target}) AS {quote_identifier(name)}")
        else:  # text formats: unparsable values read as NULL, like Hive's LazySimpleSerDe
            cols.append(
                f"TRY_CAST({quote_identifier(name)} AS {target}) AS {quote_identifier(name)}"
            )
    for i, (name, glue_type) in enumerate(table.partition_keys):
        source = quote_literal(literal[i]) if literal is not None else quote_identifier(name)
        cols.append(f"CAST({source} AS {duck_type(glue_type)}) AS {quote_identifier(name)}")
    return ", ".join(cols)


def _empty(table: CatalogTable) -> str:
    cols = ", ".join(
        f"CAST(NULL AS {duck_type(t)}) AS {quote_identifier(n)}" for n, t in table.all_columns
    )
    return f"SELECT {cols} WHERE false"


@dataclass(frozen=True)
class ParquetLayout:
    """What the Parquet files of a scan hold, from their footers."""

    uniform: bool  # all files have one schema: DuckDB can bind the scan from the first file
    columns: frozenset[str]  # top-level columns (lower case) present in any of the files


_SCHEMA_FIELDS = (
    "name, type, type_length, repetition_type, num_children, converted_type, scale, "
    "precision, field_id, logical_type"
)


def parquet_layout(con: Any, mirror: S3Mirror, paths: list[Path]) -> ParquetLayout:
    """The files' schemas, read once per object version (the mirror keeps them by ETag).

    Otherwise every query read all footers several times (``union_by_name`` at each bind):
    after a burst of 100 uploads that was most of a COUNT over the curated view.
    """
    schemas: dict[Path, tuple] = {}
    unread: dict[str, tuple[Path, str | None]] = {}
    for path in paths:
        version = mirror.version(path)
        known = mirror.facts.get((path, version)) if version else None
        if isinstance(known, tuple):
            schemas[path] = known
        else:
            unread[str(path)] = (path, version)
    if unread:
        rows: dict[str, list[tuple]] = {}
        files = file_list([path for path, _ in unread.values()])
        query = f"SELECT file_name, {_SCHEMA_FIELDS} FROM parquet_schema({files})"
        for file_name, *fields in con.execute(query).fetchall():
            rows.setdefault(file_name, []).append(tuple(fields))
        for name, (path, version) in unread.items():
            schemas[path] = tuple(rows.get(name, ()))
            if version:
                mirror.facts[(path, version)] = schemas[path]
    distinct = set(schemas.values())
    columns = frozenset(c.lower() for schema in distinct for c in _top_level_names(schema))
    return ParquetLayout(uniform=len(distinct) == 1, columns=columns)


def _top_level_names(schema: tuple) -> list[str]:
    """Names of the root's children, from ``parquet_schema`` rows (a pre-order tree walk)."""
    if not schema:
        return []

    def skip(i: int) -> int:  # the index after the subtree rooted at row i
        end = i + 1
        for _ in range(schema[i][4] or 0):  # num_children
            end = skip(end)
        return end

    names, i = [], 1
    for _ in range(schema[0][4] or 0):
        names.append(schema[i][0])
        i = skip(i)
    return names


def _scan(
    table: CatalogTable, paths: list[Path], hive: bool, mirror: S3Mirror, con: Any
) -> tuple[str, set[str] | None]:
    """The reader over ``paths`` and, for Parquet, the columns the files hold."""
    if table.format != "parquet":
        return _reader(table, paths, hive), None
    layout = parquet_layout(con, mirror, paths)
    return _reader(table, paths, hive, union=not layout.uniform), set(layout.columns)


def scan_sql(
    table: CatalogTable, mirror: S3Mirror, con: Any, *, read_files: list[Path] | None = None
) -> str:
    """A SELECT over the table's current data, to use as a view body or subquery.

    The local files the scan reads are appended to ``read_files`` when it is given (Athena's
    DataScannedInBytes counts what a query reads of them: see :mod:`.scanned`).
    """
    if table.table_type == "VIRTUAL_VIEW":
        raise CatalogError(f"{table.name} is a view; expand its SQL instead of scanning it")
    bucket, prefix = parse_s3_uri(table.location.rstrip("/") + "/")
    if not table.partition_keys:
        paths = mirror.sync_prefix(bucket, prefix)
        if read_files is not None:
            read_files.extend(paths)
        if not paths:
            return _empty(table)
        reader, present = _scan(table, paths, False, mirror, con)
        return f"SELECT {_projection(table, present, None)} FROM {reader}"
    keys = [n for n, _ in table.partition_keys]
    hive_paths: list[Path] = []
    branches: list[tuple[list[str], list[Path]]] = []
    hive_style = True
    for values, location in table.partitions:
        p_bucket, p_prefix = parse_s3_uri(location.rstrip("/") + "/")
        paths = mirror.sync_prefix(p_bucket, p_prefix)
        expected = prefix + "".join(f"{k}={v}/" for k, v in zip(keys, values, strict=True))
        hive_style &= p_bucket == bucket and p_prefix == expected
        hive_paths.extend(paths)
        if paths:
            branches.append((values, paths))
    if read_files is not None:
        read_files.extend(hive_paths)
    if not branches:
        return _empty(table)
    if hive_style:
        reader, present = _scan(table, hive_paths, True, mirror, con)
        return f"SELECT {_projection(table, present, None)} FROM {reader}"
    selects = []
    for values, paths in branches:
        reader, present = _scan(table, paths, False, mirror, con)
        selects.append(f"SELECT {_projection(table, present, values)} FROM {reader}")
    return " UNION ALL ".join(selects)
