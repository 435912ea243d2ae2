"""Errors of the Redshift Data API: API-level exceptions and Redshift-worded SQL errors.

API errors (:class:`ValidationException`, …) are returned to the client as AWS returns
them. A statement that fails gets FAILED with the text Redshift would put in
DescribeStatement's ``Error`` (``ERROR: relation "x" does not exist``): DuckDB's and
sqlglot's messages are reworded here.
"""

from __future__ import annotations

import duckdb
from sqlglot.errors import ParseError, TokenError

from infra_scripts.localcloud.motolayer.errors import ServiceError, error_types
from infra_scripts.localcloud.sqlengine import duckerrors
from infra_scripts.localcloud.sqlengine.duck import offline_connection


class RedshiftDataApiError(ServiceError):
    """Base of the API errors (``TYPE``: the error shape in botocore's model)."""


ValidationException, ResourceNotFoundException, DatabaseConnectionException = error_types(
    RedshiftDataApiError,
    "ValidationException",
    "ResourceNotFoundException",
    "DatabaseConnectionException",
)


class RedshiftSqlError(Exception):
    """A statement failed; ``str(exc)`` is the Redshift-worded reason (``ERROR: …``)."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message if message.startswith(("ERROR:", "FATAL:")) else f"ERROR: {message}"
        )


class StatementAborted(Exception):
    """The statement was cancelled (CancelStatement) while it ran."""


_INPUT_TYPES = {"INT8": "smallint", "INT16": "smallint", "INT32": "integer", "INT64": "bigint"}


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
    if duckerrors.is_permission_error(exc):
        shown = next(iter(str(exc).strip().splitlines()), "")  # with DuckDB's error class
        return RedshiftSqlError(f"permission denied: SQL cannot access local files ({shown})")
    text = next(iter(duckerrors.error_message(exc).splitlines()), "")
    if (match := duckerrors.MISSING_TABLE.search(text)) or (
        match := duckerrors.MISSING_SCHEMA.search(text)
    ):
        return RedshiftSqlError(f'relation "{match.group(1).strip(chr(34))}" does not exist')
    if match := duckerrors.MISSING_TARGET_COLUMN.search(text):
        column = match.group(1) or match.group(3)
        where = match.group(2) or (tables[0] if tables else "")
        return RedshiftSqlError(f'column "{column}" of relation "{where}" does not exist')
    if match := duckerrors.AMBIGUOUS_COLUMN.search(text):
        return RedshiftSqlError(f'column reference "{match.group(1)}" is ambiguous')
    if match := duckerrors.NOT_IN_GROUP_BY.search(text):
        return RedshiftSqlError(
            f'column "{match.group(1)}" must appear in the GROUP BY clause or be used in an '
            "aggregate function"
        )
    if match := duckerrors.RELATION_LACKS_COLUMN.search(text):
        return RedshiftSqlError(f'column "{match.group(2)}" does not exist in {match.group(1)}')
    if match := duckerrors.MISSING_COLUMN.search(text):
        where = f" in {tables[0]}" if tables and len(tables) == 1 else ""
        return RedshiftSqlError(f'column "{match.group(1)}" does not exist{where}')
    if match := duckerrors.MISSING_FUNCTION.search(text):
        return RedshiftSqlError(f"function {match.group(1)} does not exist")
    if match := duckerrors.SYNTAX_ERROR_AT.search(text):
        return RedshiftSqlError(f'syntax error at or near "{match.group(1)}"')
    if duckerrors.UNTERMINATED in text:
        return RedshiftSqlError(text.replace("string literal", "quoted string"))
    if duckerrors.SYNTAX_ERROR_AT_END.search(text):
        return RedshiftSqlError("syntax error at end of input")
    if duckerrors.DIVISION_BY_ZERO in text:
        return RedshiftSqlError("division by zero")
    if match := duckerrors.FAILED_CONVERSION.search(text):
        kind = _INPUT_TYPES.get(match.group(2).upper(), match.group(2).lower())
        return RedshiftSqlError(f'invalid input syntax for {kind}: "{match.group(1)}"')
    if match := duckerrors.TABLE_EXISTS.search(text):
        return RedshiftSqlError(f'relation "{match.group(1)}" already exists')
    return RedshiftSqlError(text)


def duckdb_syntax_error(text: str) -> RedshiftSqlError | None:
    """DuckDB's (Postgres-derived) parser names the offending token as Redshift does."""
    con = offline_connection()
    try:
        con.extract_statements(text)
    except duckdb.ParserException as exc:
        return from_duckdb_error(exc)
    except duckdb.Error:
        return None
    finally:
        con.close()
    return None
