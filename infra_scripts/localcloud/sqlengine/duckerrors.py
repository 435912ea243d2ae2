"""What DuckDB's error messages say, for the engines that reword them as Athena or Redshift.

DuckDB puts the error's class in front of its message (``Binder Error: …``) and the
statement's line under it (``LINE 1: SELECT …``); :func:`error_message` takes both off.
The patterns name the failures the engines recognise; each engine words them its own way
(Athena ``COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved …``, Redshift
``ERROR: column "x" does not exist``). A DuckDB upgrade that rewords a message is met here.
"""

from __future__ import annotations

import re

import duckdb

_ERROR_CLASS = re.compile(r"^[A-Za-z ]+ Error: ")

# --- recognised by both engines ------------------------------------------------------------
#: group 1: the column
MISSING_COLUMN = re.compile(r'Referenced column "([^"]+)" not found')
#: groups: the table (or values list, binding…), the column
RELATION_LACKS_COLUMN = re.compile(r'"([^"]+)" does not have a column named "([^"]+)"')
#: group 1: the function
MISSING_FUNCTION = re.compile(
    r"(?:Scalar|Aggregate|Table) Function with name (\S+?) does not exist"
)
#: groups: the value, DuckDB's target type (``INT32``…), the source column (or None)
FAILED_CONVERSION = re.compile(
    r"Could not convert string '(.*)' to (\w+)(?: when casting from source column (\w+))?"
)
#: group 1: the column
NOT_IN_GROUP_BY = re.compile(r'column "([^"]+)" must appear in the GROUP BY clause')
DIVISION_BY_ZERO = "Division by zero"

# --- recognised by Athena ------------------------------------------------------------------
#: groups: the operator or function, its argument types (``VARCHAR, INTEGER_LITERAL``)
ARGUMENT_TYPES = re.compile(r"argument types '([^(]+)\(([^)]*)\)'")
NO_MATCHING_FUNCTION = "No function matches"
INCOMPARABLE_TYPES = ("Cannot compare values of type", "Cannot mix values of type")

# --- recognised by Redshift ----------------------------------------------------------------
MISSING_TABLE = re.compile(r'Table with name "?([^"!\s]+)"? does not exist', re.I)
MISSING_SCHEMA = re.compile(r'Schema with name "?([^"!\s]+)"? does not exist', re.I)
AMBIGUOUS_COLUMN = re.compile(r'Ambiguous reference to column name "([^"]+)"', re.I)
#: groups: the column of an UPDATE, or the table and the column of an INSERT
MISSING_TARGET_COLUMN = re.compile(
    r'(?:Referenced update column (\S+) not found in table|Table "([^"]+)" does not have a '
    r'column with name "([^"]+)")',
    re.I,
)
SYNTAX_ERROR_AT = re.compile(r'syntax error at or near "([^"]*)"', re.I)
SYNTAX_ERROR_AT_END = re.compile(r"syntax error at end of input", re.I)
UNTERMINATED = "unterminated"
TABLE_EXISTS = re.compile(r'Table with name "?([^"\s]+)"? already exists', re.I)


def error_message(exc: BaseException) -> str:
    """DuckDB's message without its error class in front and the statement's line under it."""
    text = str(exc).split("\n\nLINE ", 1)[0].split("\nLINE ", 1)[0]
    return _ERROR_CLASS.sub("", text).strip()


def is_permission_error(exc: BaseException) -> bool:
    """The sandbox refused a file or setting (``enable_external_access``, allowed dirs)."""
    return isinstance(exc, duckdb.PermissionException)
