"""Query results as Athena returns them: types, files and GetQueryResults pages.

- a SELECT's results CSV: header row, every value double-quoted, NULL as an empty unquoted
  field, values formatted as Athena formats them (timestamps ``2024-01-02 03:04:05.000``);
- a DDL/utility statement's ``.txt``: tab-separated lines, no header;
- ``<file>.metadata``: the protobuf Athena writes beside results (query id, then one
  ColumnInfo message per column: catalog, name, label, type, precision, scale, nullable);
- ColumnInfo with Athena type names (``varchar``, ``integer``, ``decimal`` + precision…).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from infra_scripts.localcloud.sqlengine.quoting import quote_literal

MAX_RESULTS = 1000
_PRECISION = {
    "varchar": 2147483647,
    "integer": 10,
    "bigint": 19,
    "smallint": 5,
    "tinyint": 3,
    "double": 17,
    "float": 17,
    "boolean": 0,
    "date": 0,
    "timestamp": 3,
    "timestamp with time zone": 3,
}
_SIMPLE_TYPES = {
    "varchar": "varchar",
    "integer": "integer",
    "bigint": "bigint",
    "hugeint": "bigint",
    "ubigint": "bigint",
    "uinteger": "bigint",
    "usmallint": "integer",
    "utinyint": "smallint",
    "smallint": "smallint",
    "tinyint": "tinyint",
    "double": "double",
    "float": "float",
    "boolean": "boolean",
    "date": "date",
    "time": "time",
    "timestamp": "timestamp",
    "timestamp_ns": "timestamp",
    "timestamp_ms": "timestamp",
    "timestamp_s": "timestamp",
    "timestamp with time zone": "timestamp with time zone",
    "blob": "varbinary",
    "uuid": "uuid",
    "interval": "interval day to second",
    "json": "json",
    "null": "unknown",
}


@dataclass(frozen=True)
class ResultColumn:
    name: str
    type: str  # Athena type name
    precision: int = 0
    scale: int = 0

    def column_info(self) -> dict[str, Any]:
        return {
            "CatalogName": "hive",
            "SchemaName": "",
            "TableName": "",
            "Name": self.name,
            "Label": self.name,
            "Type": self.type,
            "Precision": self.precision,
            "Scale": self.scale,
            "Nullable": "UNKNOWN",
            "CaseSensitive": self.type == "varchar",
        }


def athena_type(duck_type: Any) -> tuple[str, int, int]:
    """(Athena type name, precision, scale) of a DuckDB result column type."""
    kind = str(duck_type.id)
    if kind == "decimal":
        params = dict(duck_type.children)
        return "decimal", int(params["precision"]), int(params["scale"])
    if kind == "list" or kind == "array":
        return "array", 0, 0
    if kind == "struct":
        return "row", 0, 0
    if kind == "map":
        return "map", 0, 0
    name = _SIMPLE_TYPES.get(kind, "varchar")
    return name, _PRECISION.get(name, 0), 0


def result_column(name: str, duck_type: Any) -> ResultColumn:
    type_name, precision, scale = athena_type(duck_type)
    return ResultColumn(name=name, type=type_name, precision=precision, scale=scale)


def text_column(name: str) -> ResultColumn:
    """A column of a DDL/utility result (Athena reports them as ``string``)."""
    return ResultColumn(name=name, type="string", precision=0, scale=0)


def format_sql(ref: str, duck_type: Any) -> str:
    """SQL turning column ``ref`` into the text Athena shows for its value."""
    kind = str(duck_type.id)
    if kind in ("timestamp", "timestamp_ns", "timestamp_ms", "timestamp_s"):
        return f"strftime({ref}, '%Y-%m-%d %H:%M:%S.%g')"
    if kind == "timestamp with time zone":
        return f"strftime({ref}, '%Y-%m-%d %H:%M:%S.%g UTC')"
    if kind == "blob":
        return f"lower(hex({ref}))"
    if kind == "varchar":
        return ref
    return f"CAST({ref} AS VARCHAR)"


def output_cast_sql(ref: str, duck_type: Any) -> str:
    """SQL giving column ``ref`` the type Trino would (``sum(int)`` is bigint, not hugeint)."""
    kind = str(duck_type.id)
    if kind in ("hugeint", "ubigint", "uhugeint", "uinteger"):
        return f"CAST({ref} AS BIGINT)"
    return ref


# --- the .metadata protobuf ------------------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_bytes(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _field_varint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def metadata_protobuf(query_id: str, columns: list[ResultColumn]) -> bytes:
    """The binary ``.metadata`` Athena writes beside a result file (its ResultSetMetadata)."""
    out = _field_bytes(1, query_id.encode())
    for column in columns:
        info = (
            _field_bytes(1, b"hive")
            + _field_bytes(4, column.name.encode())
            + _field_bytes(5, column.name.encode())
            + _field_bytes(6, column.type.encode())
            + (_field_varint(7, column.precision) if column.precision else b"")  # proto3:
            + (_field_varint(8, column.scale) if column.scale else b"")  # zeros are omitted
            + _field_varint(9, 3)  # Nullable: UNKNOWN
        )
        out += _field_bytes(4, info)
    return out


# --- text results of DDL / utility statements ----------------------------------------------


def text_file(rows: list[list[str]], extra_lines: list[str] | None = None) -> bytes:
    """A ``.txt`` result: tab-separated values, one row a line (plus free-text lines)."""
    lines = ["\t".join(row) for row in rows] + list(extra_lines or [])
    return ("\n".join(lines) + ("\n" if lines else "")).encode()


def hive_padded(value: str, width: int = 20) -> str:
    """Hive pads DESCRIBE fields to 20 characters."""
    return value.ljust(width)


# --- GetQueryResults pages ------------------------------------------------------------------


def csv_page(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    columns: list[ResultColumn],
    offset: int,
    limit: int,
) -> list[list[Any]]:
    """Rows ``offset``… of a headerless results CSV, NULL kept apart from ''."""
    if limit <= 0 or not columns:
        return []
    spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(columns)))
    quoted = quote_literal(str(path))
    return [
        list(row)
        for row in con.execute(
            f"SELECT * FROM read_csv({quoted}, header = false, auto_detect = false, "
            f"columns = {{{spec}}}, quote = '\"', escape = '\"', delim = ',', "
            f"allow_quoted_nulls = false, strict_mode = false) LIMIT {int(limit)} "
            f"OFFSET {int(offset)}"
        ).fetchall()
    ]


def rows_payload(rows: list[list[Any]]) -> list[dict[str, Any]]:
    """GetQueryResults ``Rows`` (NULL → a Datum without VarCharValue)."""
    return [
        {"Data": [{} if value is None else {"VarCharValue": str(value)} for value in row]}
        for row in rows
    ]
