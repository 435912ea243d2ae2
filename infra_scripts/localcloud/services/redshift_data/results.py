"""Query results as the Redshift Data API returns them: ColumnMetadata and typed Fields.

DuckDB's result types are named as Redshift names them (``int4``, ``int8``, ``float8``,
``numeric`` with precision/scale, ``varchar``, ``bool``, ``date``, ``timestamp``…) and each
value goes in the field Redshift uses: ``longValue`` for integers, ``doubleValue`` for
floats, ``booleanValue``, ``isNull`` — and ``stringValue`` for numeric, date/time and text.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import re
from dataclasses import dataclass
from typing import Any

_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
# DuckDB type → (Redshift type name, Field key, precision Redshift reports).
_SCALARS: dict[str, tuple[str, str, int]] = {
    "BOOLEAN": ("bool", "booleanValue", 1),
    "TINYINT": ("int2", "longValue", 5),
    "SMALLINT": ("int2", "longValue", 5),
    "UTINYINT": ("int2", "longValue", 5),
    "INTEGER": ("int4", "longValue", 10),
    "USMALLINT": ("int4", "longValue", 10),
    "BIGINT": ("int8", "longValue", 19),
    "UINTEGER": ("int8", "longValue", 19),
    "HUGEINT": ("int8", "longValue", 19),  # SUM of integers: BIGINT in Redshift
    "UBIGINT": ("int8", "longValue", 19),
    "FLOAT": ("float4", "doubleValue", 8),
    "DOUBLE": ("float8", "doubleValue", 17),
    "VARCHAR": ("varchar", "stringValue", 256),
    "UUID": ("varchar", "stringValue", 36),
    "DATE": ("date", "stringValue", 13),
    "TIMESTAMP": ("timestamp", "stringValue", 29),
    "TIMESTAMP_S": ("timestamp", "stringValue", 29),
    "TIMESTAMP_MS": ("timestamp", "stringValue", 29),
    "TIMESTAMP_NS": ("timestamp", "stringValue", 29),
    "TIMESTAMP WITH TIME ZONE": ("timestamptz", "stringValue", 35),
    "TIME": ("time", "stringValue", 15),
    "TIME WITH TIME ZONE": ("timetz", "stringValue", 21),
    "INTERVAL": ("interval", "stringValue", 49),
    "BLOB": ("varbyte", "stringValue", 64000),
    "NULL": ("unknown", "stringValue", 0),
}
_SIGNED = {"int2", "int4", "int8", "float4", "float8", "numeric"}


@dataclass(frozen=True)
class RedshiftType:
    name: str  # Redshift's type name
    field: str  # the Field key its values use
    precision: int = 0
    scale: int = 0


def redshift_type(duck_type: str) -> RedshiftType:
    """The Redshift type of a DuckDB result type (``str(description[i][1])``)."""
    text = duck_type.upper()
    if match := _DECIMAL.fullmatch(text):
        return RedshiftType("numeric", "stringValue", int(match.group(1)), int(match.group(2)))
    if text in _SCALARS:
        name, field, precision = _SCALARS[text]
        return RedshiftType(name, field, precision)
    if text.startswith("ENUM"):
        return RedshiftType("varchar", "stringValue", 256)
    return RedshiftType("super", "stringValue", 4194304)  # lists, structs, maps, JSON


def column_metadata(
    name: str, kind: RedshiftType, *, schema: str = "", table: str = "", nullable: bool = True
) -> dict[str, Any]:
    """One ColumnMetadata entry, as GetStatementResult and DescribeTable return it."""
    return {
        "isCaseSensitive": kind.name in ("varchar", "char", "bpchar", "text"),
        "isCurrency": False,
        "isSigned": kind.name in _SIGNED,
        "label": name,
        "name": name,
        "nullable": 1 if nullable else 0,
        "precision": kind.precision,
        "scale": kind.scale,
        "schemaName": schema,
        "tableName": table,
        "typeName": kind.name,
        "length": 0,
    }


def _timestamp_text(value: dt.datetime) -> str:
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text


def _time_text(value: dt.time) -> str:
    text = value.strftime("%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text


def _text(value: Any, kind: RedshiftType) -> str:
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return _timestamp_text(value.astimezone(dt.UTC)) + "+00"
        return _timestamp_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return _time_text(value)
    if isinstance(value, bytes | bytearray):
        return value.hex()
    if kind.name == "super":
        return json.dumps(value, default=str, separators=(",", ":"))
    return str(value)


def to_field(value: Any, kind: RedshiftType) -> dict[str, Any]:
    """One value as a Redshift Data API Field."""
    if value is None:
        return {"isNull": True}
    if kind.field == "longValue":
        return {"longValue": int(value)}
    if kind.field == "doubleValue":
        return {"doubleValue": float(value)}
    if kind.field == "booleanValue":
        return {"booleanValue": bool(value)}
    return {"stringValue": _text(value, kind)}


@dataclass
class ResultSet:
    """The rows of a finished statement, paged out by GetStatementResult."""

    names: list[str]
    types: list[RedshiftType]
    rows: list[tuple[Any, ...]]

    @classmethod
    def from_description(cls, description: list[Any], rows: list[tuple[Any, ...]]) -> ResultSet:
        return cls(
            names=[d[0] for d in description],
            types=[redshift_type(str(d[1])) for d in description],
            rows=rows,
        )

    def column_metadata(self) -> list[dict[str, Any]]:
        return [column_metadata(n, t) for n, t in zip(self.names, self.types, strict=True)]

    def records(self, start: int, stop: int) -> list[list[dict[str, Any]]]:
        return [
            [to_field(v, t) for v, t in zip(row, self.types, strict=True)]
            for row in self.rows[start:stop]
        ]

    def size_bytes(self) -> int:
        """Approximately what the result weighs as text (DescribeStatement's ResultSize)."""
        return sum(len(str(v)) for row in self.rows for v in row if v is not None)

    def csv_text(self, start: int, stop: int) -> str:
        """Rows as CSV (GetStatementResultV2 with ResultFormat=CSV), header first."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if start == 0:
            writer.writerow(self.names)
        for row in self.rows[start:stop]:
            writer.writerow(
                ["" if v is None else _text(v, t) for v, t in zip(row, self.types, strict=True)]
            )
        return out.getvalue()
