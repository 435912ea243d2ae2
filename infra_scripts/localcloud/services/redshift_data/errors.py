"""Errors of the Redshift Data API: API-level exceptions and Redshift-worded SQL errors.

API errors (:class:`ValidationException`, …) are returned to the client as AWS returns
them. A statement that fails gets FAILED with the text Redshift would put in
DescribeStatement's ``Error`` (``ERROR: relation "x" does not exist``): DuckDB's and
sqlglot's messages are reworded here.
"""

from __future__ import annotations

import re

import duckdb
from moto.core.exceptions import JsonRESTError
from sqlglot.errors import ParseError, TokenError

from infra_scripts.localcloud.sqlengine.duck import NO_DOWNLOADS


class RedshiftDataApiError(JsonRESTError):
    """Base of the API errors; ``error_type`` is the error shape in botocore's model."""

    error_type = "InternalServerException"

    def __init__(self, message: str) -> None:
        super().__init__(self.error_type, message)


class ValidationException(RedshiftDataApiError):
    error_type = "ValidationException"


class ResourceNotFoundException(RedshiftDataApiError):
    error_type = "ResourceNotFoundException"


class DatabaseConnectionException(RedshiftDataApiError):
    error_type = "DatabaseConnectionException"


class RedshiftSqlError(Exception):
    """A statement failed; ``str(exc)`` is the Redshift-worded reason (``ERROR: …``)."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message if message.startswith(("ERROR:", "FATAL:")) else f"ERROR: {message}"
        )


class StatementAborted(Exception):
    """The statement was cancelled (CancelStatement) while it ran."""


_MISSING_TABLE = re.compile(r'Table with name "?([^"!\s]+)"? does not exist', re.I)
_MISSING_SCHEMA = re.compile(r'Schema with name "?([^"!\s]+)"? does not exist', re.I)
_AMBIGUOUS = re.compile(r'Ambiguous reference to column name "([^"]+)"', re.I)
_GROUP_BY = re.compile(r'column "([^"]+)" must appear in the GROUP BY clause', re.I)
_MISSING_TARGET_COLUMN = re.compile(
    r'(?:Referenced update column (\S+) not found in table|Table "([^"]+)" does not have a '
    r'column with name "([^"]+)")',
    re.I,
)
_MISSING_COLUMN = re.compile(r'Referenced column "([^"]+)" not found', re.I)
_MISSING_COLUMN_TABLE = re.compile(r'Table "([^"]+)" does not have a column named "([^"]+)"', re.I)
_MISSING_FUNCTION = re.compile(
    r"(?:Scalar|Aggregate|Table) Function with name (\S+?) does not", re.I
)
_SYNTAX = re.compile(r'syntax error at or near "([^"]*)"', re.I)
_SYNTAX_END = re.compile(r"syntax error at end of input", re.I)
_CONVERT = re.compile(r"Could not convert string '([^']*)' to (\w+)", re.I)
_DUPLICATE = re.compile(r'Table with name "?([^"\s]+)"? already exists', re.I)
_DUCK_PREFIX = re.compile(r"^[A-Z][A-Za-z ]*Error: ")
_INPUT_TYPES = {"INT8": "smallint", "INT16": "smallint", "INT32": "integer", "INT64": "bigint"}


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def from_parse_error(exc: ParseError | TokenError) -> RedshiftSqlError:
    """A sqlglot error as Redshift's ``syntax error at or near "…"``."""
    if isinstance(exc, TokenError):
        return RedshiftSqlError("unterminated quoted string or comment")
    errors = getattr(exc, "errors", None) or []
    if errors and errors[0].get("highlight"):
        return RedshiftSqlError(f'syntax error at or near "{errors[0]["highlight"]}"')
    return RedshiftSqlError("syntax error at end of input")


def from_duckdb_error(exc: Exception, tables: list[str] | None = None) -> RedshiftSqlError:
    """A DuckDB error reworded as Redshift words it; ``tables`` are the FROM tables."""
    text = _first_line(str(exc))
    if isinstance(exc, duckdb.PermissionException):
        return RedshiftSqlError(f"permission denied: SQL cannot access local files ({text})")
    if (match := _MISSING_TABLE.search(text)) or (match := _MISSING_SCHEMA.search(text)):
        return RedshiftSqlError(f'relation "{match.group(1).strip(chr(34))}" does not exist')
    if match := _MISSING_TARGET_COLUMN.search(text):
        column = match.group(1) or match.group(3)
        where = match.group(2) or (tables[0] if tables else "")
        return RedshiftSqlError(f'column "{column}" of relation "{where}" does not exist')
    if match := _AMBIGUOUS.search(text):
        return RedshiftSqlError(f'column reference "{match.group(1)}" is ambiguous')
    if match := _GROUP_BY.search(text):
        return RedshiftSqlError(
            f'column "{match.group(1)}" must appear in the GROUP BY clause or be used in an '
            "aggregate function"
        )
    if match := _MISSING_COLUMN_TABLE.search(text):
        return RedshiftSqlError(f'column "{match.group(2)}" does not exist in {match.group(1)}')
    if match := _MISSING_COLUMN.search(text):
        where = f" in {tables[0]}" if tables and len(tables) == 1 else ""
        return RedshiftSqlError(f'column "{match.group(1)}" does not exist{where}')
    if match := _MISSING_FUNCTION.search(text):
        return RedshiftSqlError(f"function {match.group(1)} does not exist")
    if match := _SYNTAX.search(text):
        return RedshiftSqlError(f'syntax error at or near "{match.group(1)}"')
    if "unterminated" in text:
        return RedshiftSqlError(
            text.split("Error: ", 1)[-1].replace("string literal", "quoted string")
        )
    if _SYNTAX_END.search(text):
        return RedshiftSqlError("syntax error at end of input")
    if "Division by zero" in text:
        return RedshiftSqlError("division by zero")
    if match := _CONVERT.search(text):
        kind = _INPUT_TYPES.get(match.group(2).upper(), match.group(2).lower())
        return RedshiftSqlError(f'invalid input syntax for {kind}: "{match.group(1)}"')
    if match := _DUPLICATE.search(text):
        return RedshiftSqlError(f'relation "{match.group(1)}" already exists')
    return RedshiftSqlError(_DUCK_PREFIX.sub("", text))


def duckdb_syntax_error(text: str) -> RedshiftSqlError | None:
    """DuckDB's (Postgres-derived) parser names the offending token as Redshift does."""
    con = duckdb.connect(":memory:", config=dict(NO_DOWNLOADS))
    try:
        con.extract_statements(text)
    except duckdb.ParserException as exc:
        return from_duckdb_error(exc)
    except duckdb.Error:
        return None
    finally:
        con.close()
    return None
