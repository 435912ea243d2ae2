"""Files that CTAS and UNLOAD write to S3, and the table properties that shape them.

``WITH (format = 'PARQUET', write_compression = 'SNAPPY', partitioned_by = ARRAY['genre'],
field_delimiter = ',', external_location = 's3://…')`` (CTAS) and ``WITH (format = …,
compression = …, partitioned_by = …)`` (UNLOAD) are read from sqlglot's properties — its
DuckDB output would silently drop them. DuckDB writes the files into a scratch folder of the
S3 mirror; they are then put into the local S3 under Hive-style partition folders
(``genre=Science Fiction/``), named after the query id as Athena names them.
"""

from __future__ import annotations

import shutil
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from infra_scripts.localcloud.services.athena.errors import (
    AthenaQueryError,
    iceberg_not_supported,
    not_supported,
)
from infra_scripts.localcloud.services.athena.glue import STORAGE_BY_FORMAT
from infra_scripts.localcloud.services.athena.translate import READ_DIALECT
from infra_scripts.localcloud.sqlengine.quoting import quote_identifier, quote_literal
from infra_scripts.localcloud.sqlengine.s3mirror import S3Mirror, parse_s3_uri

HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
DEFAULT_TEXT_DELIMITER = "\x01"
_FORMATS = {"PARQUET": "parquet", "JSON": "json", "TEXTFILE": "textfile"}
_COMPRESSION = {
    "parquet": {"SNAPPY": "snappy", "GZIP": "gzip", "ZSTD": "zstd", "NONE": "uncompressed"},
    "json": {"GZIP": "gzip", "ZSTD": "zstd", "NONE": "none"},
    "textfile": {"GZIP": "gzip", "ZSTD": "zstd", "NONE": "none"},
}
_SUFFIX = {"gzip": ".gz", "zstd": ".zst"}
_HIVE_ESCAPED = set("\"#%'*/:=?\\\x7f{[]^")


@dataclass
class WriteOptions:
    """How result files are written (from CTAS / UNLOAD ``WITH`` properties)."""

    format: str = "parquet"  # parquet | json | textfile
    compression: str | None = None  # DuckDB codec name
    field_delimiter: str = DEFAULT_TEXT_DELIMITER
    partitioned_by: list[str] = field(default_factory=list)
    external_location: str | None = None

    @property
    def storage(self) -> dict[str, str]:
        return STORAGE_BY_FORMAT[self.format]

    @property
    def classification(self) -> str:
        return {"parquet": "parquet", "json": "json", "textfile": "csv"}[self.format]


@dataclass
class WrittenFiles:
    uris: list[str]
    partitions: list[tuple[list[str], str]]  # (values, location) of each partition written
    rows: int


def _property_value(node: exp.Expression) -> Any:
    if isinstance(node, exp.Array):
        return [_property_value(e) for e in node.expressions]
    if isinstance(node, exp.Literal):
        return node.this if node.is_string else int(node.this)
    if isinstance(node, exp.Boolean):
        return node.this
    return node.name


def with_properties(properties: exp.Properties | None) -> dict[str, Any]:
    """``WITH (key = value, …)`` of a CTAS as a dict with lower-case keys."""
    values: dict[str, Any] = {}
    for prop in properties.expressions if properties else []:
        if isinstance(prop, exp.FileFormatProperty):
            values["format"] = _property_value(prop.this)
        elif isinstance(prop, exp.PartitionedByProperty):
            values["partitioned_by"] = _property_value(prop.this)
        elif isinstance(prop, exp.LocationProperty):
            values["external_location"] = _property_value(prop.this)
        elif isinstance(prop, exp.Property):
            values[prop.name.lower()] = _property_value(prop.args["value"])
    return values


def parse_with_clause(text: str) -> dict[str, Any]:
    """Properties of an UNLOAD's ``WITH (…)`` body (parsed as a CTAS's, by sqlglot)."""
    try:
        create = sqlglot.parse_one(
            f"CREATE TABLE __unload WITH ({text}) AS SELECT 1", read=READ_DIALECT
        )
    except sqlglot.errors.ParseError as exc:
        raise AthenaQueryError("SYNTAX_ERROR", f"line 1:1: invalid WITH properties: {exc}") from exc
    return with_properties(create.args.get("properties"))


def write_options(
    props: dict[str, Any], *, default_format: str, compression_key: str
) -> WriteOptions:
    """Validated WriteOptions from CTAS/UNLOAD properties."""
    table_type = str(props.get("table_type") or "HIVE").upper()
    if table_type == "ICEBERG":
        raise iceberg_not_supported()
    if table_type != "HIVE":
        raise AthenaQueryError(
            "INVALID_TABLE_PROPERTY", f"table_type must be HIVE or ICEBERG, not '{table_type}'"
        )
    fmt_name = str(props.get("format") or default_format).upper()
    if fmt_name not in _FORMATS:
        raise not_supported(
            f"format '{fmt_name}' is not written by the local cloud's Athena "
            "(it writes PARQUET, JSON and TEXTFILE)"
        )
    fmt = _FORMATS[fmt_name]
    options = WriteOptions(format=fmt)
    codec = props.get(compression_key) or props.get("write_compression")
    if codec:
        name = str(codec).upper()
        if name not in _COMPRESSION[fmt]:
            raise AthenaQueryError(
                "INVALID_TABLE_PROPERTY",
                f"Compression '{name}' is not supported for format {fmt_name}",
            )
        options.compression = _COMPRESSION[fmt][name]
    elif fmt == "parquet":
        options.compression = "snappy"
    elif compression_key == "compression" and fmt == "textfile":
        options.compression = "gzip"  # UNLOAD's default: gzip-compressed text
    if props.get("field_delimiter"):
        options.field_delimiter = str(props["field_delimiter"])
    partitioned = props.get("partitioned_by") or []
    if isinstance(partitioned, str):
        partitioned = [partitioned]
    options.partitioned_by = [str(p).lower() for p in partitioned]
    if props.get("external_location"):
        options.external_location = str(props["external_location"])
    if props.get("bucketed_by") and not props.get("bucket_count"):
        raise AthenaQueryError(
            "INVALID_TABLE_PROPERTY", "bucket_count must be set when bucketed_by is set"
        )
    return options


def hive_type(duck_type: Any) -> str:
    """The Glue (Hive) column type for a DuckDB result type."""
    kind = str(duck_type.id)
    simple = {
        "varchar": "string",
        "integer": "int",
        "bigint": "bigint",
        "hugeint": "bigint",
        "ubigint": "bigint",
        "uinteger": "bigint",
        "smallint": "smallint",
        "usmallint": "int",
        "tinyint": "tinyint",
        "utinyint": "smallint",
        "double": "double",
        "float": "float",
        "boolean": "boolean",
        "date": "date",
        "timestamp": "timestamp",
        "timestamp_ns": "timestamp",
        "timestamp_ms": "timestamp",
        "timestamp_s": "timestamp",
        "blob": "binary",
        "uuid": "string",
    }
    if kind in simple:
        return simple[kind]
    if kind == "decimal":
        params = dict(duck_type.children)
        return f"decimal({params['precision']},{params['scale']})"
    if kind in ("list", "array"):
        return f"array<{hive_type(dict(duck_type.children)['child'])}>"
    if kind == "map":
        params = dict(duck_type.children)
        return f"map<{hive_type(params['key'])},{hive_type(params['value'])}>"
    if kind == "struct":
        return "struct<" + ",".join(f"{n}:{hive_type(t)}" for n, t in duck_type.children) + ">"
    if kind == "null":
        raise AthenaQueryError("COLUMN_TYPE_UNKNOWN", "Column type is unknown")
    raise not_supported(f"Unsupported Hive type: {str(duck_type).lower()}")


def write_cast_sql(ref: str, duck_type: Any) -> str:
    """SQL storing a column as its Hive type does (no unsigned or 128-bit integers)."""
    kind = str(duck_type.id)
    if kind in ("hugeint", "ubigint", "uinteger", "uhugeint"):
        return f"CAST({ref} AS BIGINT)"
    if kind in ("timestamp_ns", "timestamp_ms", "timestamp_s"):
        return f"CAST({ref} AS TIMESTAMP)"
    if kind == "uuid":
        return f"CAST({ref} AS VARCHAR)"
    return ref


def hive_escape(value: str) -> str:
    """A partition value as Hive escapes it in a folder name (spaces are kept)."""
    return "".join(
        f"%{ord(char):02X}" if char in _HIVE_ESCAPED or ord(char) < 0x20 else char for char in value
    )


def copy_options(options: WriteOptions) -> str:
    parts = []
    if options.format == "parquet":
        parts.append("FORMAT parquet")
        parts.append(f"COMPRESSION {options.compression or 'snappy'}")
    elif options.format == "json":
        parts.append("FORMAT json")
        parts.append(f"COMPRESSION {quote_literal(options.compression or 'none')}")
    else:
        parts += [
            "FORMAT csv",
            "HEADER false",
            f"DELIMITER {quote_literal(options.field_delimiter)}",
            f"COMPRESSION {quote_literal(options.compression or 'none')}",
        ]
    if options.partitioned_by:
        cols = ", ".join(quote_identifier(c) for c in options.partitioned_by)
        parts.append(f"PARTITION_BY ({cols})")
        parts.append("FILENAME_PATTERN 'part_{i}'")
    return ", ".join(parts)


def write_files(
    con: Any,
    select_sql: str,
    options: WriteOptions,
    mirror: S3Mirror,
    location: str,
    file_prefix: str,
) -> WrittenFiles:
    """Write a query's rows as files under ``location`` (s3://…/, Hive partition folders)."""
    scratch = mirror.scratch_dir()
    try:
        target = scratch if options.partitioned_by else scratch / "part_0"
        quoted = quote_literal(str(target))
        rows = con.execute(f"COPY ({select_sql}) TO {quoted} ({copy_options(options)})").fetchone()
        count = int(rows[0]) if rows else 0
        return _upload(scratch, options, mirror, location, file_prefix, count)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _upload(
    scratch: Path,
    options: WriteOptions,
    mirror: S3Mirror,
    location: str,
    file_prefix: str,
    rows: int,
) -> WrittenFiles:
    bucket, prefix = parse_s3_uri(location.rstrip("/") + "/")
    suffix = _SUFFIX.get(options.compression or "", "") if options.format != "parquet" else ""
    uris: list[str] = []
    partitions: dict[tuple[str, ...], str] = {}
    for number, path in enumerate(sorted(p for p in scratch.rglob("*") if p.is_file())):
        folders = path.relative_to(scratch).parts[:-1]
        values: list[str] = []
        key_folders = []
        for folder in folders:
            name, _, raw = folder.partition("=")
            value = urllib.parse.unquote(raw)
            values.append(value)
            key_folders.append(f"{name}={hive_escape(value)}")
        folder_key = "".join(f"{f}/" for f in key_folders)
        key = f"{prefix}{folder_key}{file_prefix}_{number:05d}{suffix}"
        mirror.put(bucket, key, path.read_bytes())
        uris.append(f"s3://{bucket}/{key}")
        if values:
            partitions[tuple(values)] = f"s3://{bucket}/{prefix}{folder_key}"
    return WrittenFiles(
        uris=uris,
        partitions=[(list(v), loc) for v, loc in sorted(partitions.items())],
        rows=rows,
    )
