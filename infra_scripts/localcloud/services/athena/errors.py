"""Athena-shaped query failures, and DuckDB errors translated into them.

Athena (engine version 3, Trino) prefixes a failure with its error name and, when it knows
one, the position in the statement: ``TABLE_NOT_FOUND: line 1:15: Table
'awsdatacatalog.db.t' does not exist``. GetQueryExecution reports that text as the
``StateChangeReason`` and in ``AthenaError`` with a category (1 system, 2 user, 3 other) and an
error type from Athena's error catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from infra_scripts.localcloud.sqlengine import duckerrors

SYSTEM = 1
USER = 2

# Error types of Athena's error catalog (approximate: the catalog documents codes, not names).
TYPE_USER = 1000
TYPE_DATA = 1001
TYPE_DDL = 1003
TYPE_SYNTAX = 1006
TYPE_NOT_FOUND = 1301
TYPE_TYPE_MISMATCH = 1306
TYPE_TIMEOUT = 1012
TYPE_INTERNAL = 100


@dataclass
class AthenaQueryError(Exception):
    """A query failed; ``reason`` is what Athena shows (``CODE: line L:C: message``)."""

    code: str
    message: str
    category: int = USER
    error_type: int = TYPE_USER
    retryable: bool = False

    def __post_init__(self) -> None:
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        return f"{self.code}: {self.message}" if self.code else self.message

    def athena_error(self) -> dict[str, Any]:
        return {
            "ErrorCategory": self.category,
            "ErrorType": self.error_type,
            "Retryable": self.retryable,
            "ErrorMessage": self.reason,
        }


class QueryCancelled(Exception):
    """StopQueryExecution interrupted the query."""


def position(text: str, offset: int | None) -> str:
    """``line L:C: `` of a character offset in ``text`` (1-based, as Trino counts)."""
    if offset is None or offset < 0 or offset > len(text):
        return "line 1:1: "
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rfind("\n", 0, offset)
    return f"line {line}:{column}: "


def name_offset(text: str, name: str) -> int | None:
    """Offset of the first identifier ``name`` in ``text`` (outside string literals)."""
    pattern = re.compile(
        r"'(?:[^']|'')*'|(?<![\w$])[\"`]?(" + re.escape(name) + r")[\"`]?(?![\w$])",
        re.IGNORECASE,
    )
    for match in pattern.finditer(text):
        if match.group(1) is not None:
            return match.start(1)
    return None


def operator_offset(text: str, operator: str) -> int | None:
    """Offset of the first ``operator`` (e.g. ``+``) in ``text``, outside string literals."""
    pattern = re.compile(r"'(?:[^']|'')*'|(" + re.escape(operator) + ")")
    for match in pattern.finditer(text):
        if match.group(1) is not None:
            return match.start(1)
    return None


def syntax_error(text: str, offset: int | None, message: str) -> AthenaQueryError:
    return AthenaQueryError(
        "SYNTAX_ERROR", position(text, offset) + message, error_type=TYPE_SYNTAX
    )


def not_supported(message: str) -> AthenaQueryError:
    return AthenaQueryError("NOT_SUPPORTED", message, error_type=TYPE_USER)


def iceberg_not_supported(reason: str = "") -> AthenaQueryError:
    """Iceberg tables (and the row changes only they allow) are a documented local-cloud gap."""
    return not_supported(
        f"{reason}Iceberg tables are not supported by the local cloud's Athena: its tables are "
        "Hive tables (CTAS and INSERT INTO work; MERGE INTO, UPDATE, DELETE and time travel "
        "need Iceberg)"
    )


def table_not_found(text: str, catalog: str, database: str, name: str) -> AthenaQueryError:
    where = position(text, name_offset(text, name))
    return AthenaQueryError(
        "TABLE_NOT_FOUND",
        f"{where}Table '{catalog}.{database}.{name}' does not exist",
        error_type=TYPE_NOT_FOUND,
    )


def schema_not_found(text: str, catalog: str, database: str) -> AthenaQueryError:
    where = position(text, name_offset(text, database))
    return AthenaQueryError(
        "SCHEMA_NOT_FOUND",
        f"{where}Schema '{database}' does not exist",
        error_type=TYPE_NOT_FOUND,
    )


def catalog_not_found(catalog: str) -> AthenaQueryError:
    return AthenaQueryError(
        "CATALOG_NOT_FOUND",
        f"Catalog '{catalog}' does not exist (the local cloud has only AwsDataCatalog)",
        error_type=TYPE_NOT_FOUND,
    )


def ddl_failed(message: str) -> AthenaQueryError:
    """A Hive DDL failure, worded as Athena words them (``FAILED: …``)."""
    return AthenaQueryError("", f"FAILED: {message}", error_type=TYPE_DDL)


def internal_error(exc: BaseException) -> AthenaQueryError:
    return AthenaQueryError(
        "GENERIC_INTERNAL_ERROR",
        f"the local cloud's Athena engine failed: {type(exc).__name__}: {exc}",
        category=SYSTEM,
        error_type=TYPE_INTERNAL,
    )


_DUCK_TYPE_NAMES = {
    "VARCHAR": "varchar",
    "STRING_LITERAL": "varchar",
    "INTEGER_LITERAL": "integer",
    "INTEGER": "integer",
    "INT32": "integer",
    "BIGINT": "bigint",
    "INT64": "bigint",
    "HUGEINT": "bigint",
    "DOUBLE": "double",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
}


def _trino_type(duck: str) -> str:
    duck = duck.strip()
    if duck.startswith("DECIMAL"):
        return duck.lower()
    return _DUCK_TYPE_NAMES.get(duck, duck.lower())


def from_duckdb(exc: Exception, text: str) -> AthenaQueryError:
    """The Athena failure for a DuckDB error raised by the statement ``text``."""
    kind = type(exc).__name__
    detail = duckerrors.error_message(exc)
    if duckerrors.is_permission_error(exc):
        return AthenaQueryError(
            "PERMISSION_DENIED",
            "Access Denied: SQL sent to the local cloud's Athena cannot read or write local "
            f"files, only the tables of the Glue Data Catalog ({detail})",
            error_type=TYPE_USER,
        )
    if match := duckerrors.MISSING_COLUMN.search(detail):
        return _column_not_found(text, match.group(1))
    if match := duckerrors.RELATION_LACKS_COLUMN.search(detail):
        return _column_not_found(text, match.group(2))
    if match := duckerrors.MISSING_FUNCTION.search(detail):
        name = match.group(1)
        return AthenaQueryError(
            "FUNCTION_NOT_FOUND",
            f"{position(text, name_offset(text, name))}Function '{name}' not registered",
            error_type=TYPE_NOT_FOUND,
        )
    match = duckerrors.ARGUMENT_TYPES.search(detail)
    if match and duckerrors.NO_MATCHING_FUNCTION in detail:
        operator, raw_args = match.group(1), match.group(2)
        args = [_trino_type(a) for a in raw_args.split(",") if a.strip()]
        if not operator.isidentifier() and len(args) == 2:
            message = f"Cannot apply operator: {args[0]} {operator} {args[1]}"
        else:
            message = f"Unexpected parameters ({', '.join(args)}) for function {operator.lower()}"
        where = (
            name_offset(text, operator)
            if operator.isidentifier()
            else operator_offset(text, operator)
        )
        return AthenaQueryError(
            "TYPE_MISMATCH", position(text, where) + message, error_type=TYPE_TYPE_MISMATCH
        )
    if any(marker in detail for marker in duckerrors.INCOMPARABLE_TYPES):
        return AthenaQueryError(
            "TYPE_MISMATCH", "line 1:1: " + detail, error_type=TYPE_TYPE_MISMATCH
        )
    if match := duckerrors.FAILED_CONVERSION.search(detail):
        value, target, column = match.groups()
        if column is not None:
            return AthenaQueryError(
                "TYPE_MISMATCH",
                f"{position(text, name_offset(text, column))}Cannot apply operator: column "
                f"'{column}' is varchar, the other operand {_trino_type(target)} "
                f"(value '{value}' cannot be cast to {_trino_type(target)})",
                error_type=TYPE_TYPE_MISMATCH,
            )
        return AthenaQueryError(
            "INVALID_CAST_ARGUMENT",
            f"Cannot cast '{value}' to {_trino_type(target).upper()}",
            error_type=TYPE_DATA,
        )
    if match := duckerrors.NOT_IN_GROUP_BY.search(detail):
        name = match.group(1)
        return AthenaQueryError(
            "MISSING_GROUP_BY",
            f"{position(text, name_offset(text, name))}'{name}' must be an aggregate "
            "expression or appear in GROUP BY clause",
            error_type=TYPE_USER,
        )
    if duckerrors.DIVISION_BY_ZERO in detail:
        return AthenaQueryError("DIVISION_BY_ZERO", "Division by zero", error_type=TYPE_DATA)
    if kind in ("ParserException", "SyntaxException"):
        return syntax_error(text, None, detail)
    if kind in ("ConversionException", "InvalidInputException", "OutOfRangeException"):
        return AthenaQueryError("INVALID_FUNCTION_ARGUMENT", detail, error_type=TYPE_DATA)
    if kind == "OutOfMemoryException":
        return AthenaQueryError(
            "EXCEEDED_LOCAL_MEMORY_LIMIT",
            f"Query exhausted resources at this scale factor ({detail})",
            error_type=0,
            retryable=True,
        )
    if kind in ("BinderException", "CatalogException", "NotImplementedException"):
        return AthenaQueryError("SYNTAX_ERROR", "line 1:1: " + detail, error_type=TYPE_SYNTAX)
    return AthenaQueryError("GENERIC_USER_ERROR", detail, error_type=TYPE_USER)


def _column_not_found(text: str, name: str) -> AthenaQueryError:
    return AthenaQueryError(
        "COLUMN_NOT_FOUND",
        f"{position(text, name_offset(text, name))}Column '{name}' cannot be resolved or "
        "requester is not authorized to access requested resources",
        error_type=TYPE_NOT_FOUND,
    )
