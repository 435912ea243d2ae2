"""The value rules of a data contract, as the pipeline applies them, and the reason codes.

A :class:`Schema` is built from a contract (``pipeline_src/contracts/<business>.json``); the
validation Lambda and the Glue job use :func:`deployed`, the contract their artifact carries.
Values are checked as text after trimming spaces:

- ``string``: ``case`` applied; ``canonical`` values get their listed casing (inner
  whitespace collapsed; other values kept as written); ``allowed`` values only; ``pattern``
  matched in full; at most ``max_length`` characters.
- ``decimal(p,s)``: digits, optionally ``.`` and 1…s digits, at most p-s integer digits;
  ``NaN``/``inf`` → ``NON_FINITE_<COLUMN>``; below a ``min`` of 0 → ``NEGATIVE_<COLUMN>``.
- ``integer``: a whole number (32-bit), within ``min``/``max``.
- ``timestamp``: ISO-8601 local time without offset, ``YYYY-MM-DD[[T ]HH:MM[:SS[.ffffff]]]``;
  ``date``: ``YYYY-MM-DD``; ``boolean``: true/false, yes/no, y/n, 1/0 (any case).

Other failures of a column's rules → ``INVALID_<COLUMN>``. An empty optional value takes the
column's default (else null). Every text value is at most the contract's ``max_field_chars``
(``FIELD_TOO_LONG``) and a string value must not start with a formula prefix
(``FORMULA_INJECTION``: the row is rejected, not escaped).

Column names are matched after trimming whitespace and lower-casing, in any order.
**Unknown extra columns are accepted and ignored** (a till may export more than we load);
two columns with the same normalised name reject the file (``DUPLICATE_COLUMNS``).

A rejected row gets one code, the first that applies in this order: record shape,
``MISSING_VALUE``, ``NESTED_VALUE``, ``FIELD_TOO_LONG``, ``FORMULA_INJECTION``, then each
column's own check in the contract's column order, and last ``DUPLICATE_<KEY>``.

Plain Python 3.9 with the standard library only.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Callable, NamedTuple

from pipeline_src.contracts import model
from pipeline_src.contracts.model import Column, Contract

FILE_LEVEL: dict[str, str] = {
    "UNSUPPORTED_FORMAT": "the extension is not .csv, .json, .jsonl or .xlsx (case-insensitive)",
    "FILE_TOO_LARGE": "the object is larger than the pipeline's configured maximum size",
    "EMPTY_FILE": "no content: 0 bytes or only whitespace, an empty JSON array, "
    "or an XLSX first sheet without cells",
    "UNREADABLE_FILE": "the content is not the format the extension names "
    "(NUL bytes in a text file, an .xlsx that is not a workbook)",
    "UNSUPPORTED_ENCODING": "text is not UTF-8 (a UTF-8 BOM is fine; UTF-16/32 or Latin-1 are not)",
    "DELIMITER_NOT_DETECTED": "the CSV header contains none of the accepted delimiters "
    "(comma, semicolon, tab)",
    "MISSING_COLUMNS": "a required column is absent from the header "
    "(JSON: absent from every object)",
    "DUPLICATE_COLUMNS": "two header names are equal after trimming and lower-casing",
    "HEADER_ONLY": "a header but no data rows",
    "MALFORMED_JSON": "a .json file is not valid JSON",
    "NOT_A_JSON_ARRAY": "a .json file's top-level value is not an array",
    "NO_VALID_ROWS": "every data row was rejected",
}

# Precedence of row codes that do not belong to one column's own check.
_SHAPE_CODES = ("WRONG_FIELD_COUNT", "MALFORMED_JSON_LINE", "INVALID_RECORD")
_CATEGORY = {"MISSING_VALUE": 1, "NESTED_VALUE": 2, "FIELD_TOO_LONG": 3, "FORMULA_INJECTION": 4}
_OWN_CHECK = 5
_INT32 = (-(2**31), 2**31 - 1)

_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_INTEGER = re.compile(r"-?[0-9]+")
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?)?"
)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_BOOLEANS = {"true": True, "yes": True, "y": True, "1": True}
_BOOLEANS.update({"false": False, "no": False, "n": False, "0": False})
_WHITESPACE = re.compile(r"\s+")


class Nested:
    """Marks a JSON object or array found where a single value is expected."""

    def __repr__(self) -> str:
        return "NESTED"


NESTED = Nested()


class ValueCheck(NamedTuple):
    """The verdict on one value: ``code`` is None when it is fine; ``value`` is normalised."""

    code: str | None
    value: Any


class RowCheck(NamedTuple):
    """The verdict on one row: its code (None: valid), the column at fault, typed values."""

    code: str | None
    column: str | None
    values: dict[str, Any]


def normalise_column_name(name: Any) -> str:
    """A header name as matched: whitespace trimmed, lower-cased."""
    return str(name if name is not None else "").strip().lower()


def parse_timestamp(text: str) -> dt.datetime | None:
    """An ISO-8601 local date-time as a naive datetime, or None when it is not one we accept."""
    match = _TIMESTAMP.fullmatch(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        return dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
        )
    except ValueError:
        return None


def shape_rejected(code: str) -> RowCheck:
    """The verdict on a record whose shape is wrong (no values to check)."""
    if code not in _SHAPE_CODES:
        raise ValueError(f"{code} is not a record-shape code")
    return RowCheck(code, None, {})


def code_rank(code: str, column_index: int) -> tuple[int, int]:
    """Sort key of a value's code within a row: category first, then column order."""
    return (_CATEGORY.get(code, _OWN_CHECK), column_index)


Checker = Callable[[str], ValueCheck]


class Schema:
    """A contract's columns and value rules, ready to check values and rows."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.columns: tuple[str, ...] = contract.names
        self.required: tuple[str, ...] = contract.required
        self.optional: tuple[str, ...] = contract.optional
        self.text_columns = frozenset(c.name for c in contract.columns if c.is_text)
        self.partition: str = contract.partition
        self.dedup_key: tuple[str, ...] = contract.dedup_key
        self.duplicate_code: str = contract.duplicate_code
        self.max_field_chars = contract.max_field_chars
        self.formula_prefixes = contract.formula_prefixes
        self.row_level: dict[str, str] = {
            "WRONG_FIELD_COUNT": "a CSV row has more or fewer fields than the header",
            "MALFORMED_JSON_LINE": "a .jsonl line is not valid JSON",
            "INVALID_RECORD": "a JSON array element or JSON Lines line is not an object",
            "MISSING_VALUE": "a required value is empty, null or absent",
            "NESTED_VALUE": "a JSON object or array where a single value is expected",
            "FIELD_TOO_LONG": f"a value longer than {self.max_field_chars:,} characters",
            "FORMULA_INJECTION": "a text value starts with "
            + _listing([_prefix_words(p) for p in self.formula_prefixes]),
            **contract.row_codes(),
        }
        self.all_codes: dict[str, str] = {**FILE_LEVEL, **self.row_level}
        self._defaults = {c.name: _typed_default(c) for c in contract.columns if not c.required}
        self._checks: dict[str, Checker] = {c.name: _checker(c) for c in contract.columns}

    def __repr__(self) -> str:
        return f"Schema({self.contract.name!r})"

    def check_value(self, column: str, raw: Any) -> ValueCheck:
        """Check one value of ``column``; ``raw`` is text, None (empty/absent) or NESTED.

        Returns the value's first problem in the row-code precedence, else the typed value.
        """
        if raw is NESTED:
            return ValueCheck("NESTED_VALUE", None)
        text = "" if raw is None else raw.strip(" ")
        if text == "":
            if column in self._defaults:
                return ValueCheck(None, self._defaults[column])
            return ValueCheck("MISSING_VALUE", None)
        if len(text) > self.max_field_chars:
            return ValueCheck("FIELD_TOO_LONG", None)
        if column in self.text_columns and text.startswith(self.formula_prefixes):
            return ValueCheck("FORMULA_INJECTION", None)
        return self._checks[column](text)

    def check_row(self, values: Mapping[str, Any]) -> RowCheck:
        """Check a record's values (normalised column name → text, None or NESTED).

        Columns absent from ``values`` count as empty. Returns the row's first code by the
        documented precedence (duplicates are the caller's business) and the typed values.
        """
        typed: dict[str, Any] = {}
        worst: tuple[tuple[int, int], str, str] | None = None
        for index, column in enumerate(self.columns):
            verdict = self.check_value(column, values.get(column))
            if verdict.code is None:
                typed[column] = verdict.value
                continue
            rank = code_rank(verdict.code, index)
            if worst is None or rank < worst[0]:
                worst = (rank, verdict.code, column)
        if worst is None:
            return RowCheck(None, None, typed)
        return RowCheck(worst[1], worst[2], typed)

    def dedup_value(self, typed: Mapping[str, Any]) -> Any:
        """A valid row's de-duplication key: the value of a one-column key, else a tuple."""
        if len(self.dedup_key) == 1:
            return typed[self.dedup_key[0]]
        return tuple(typed[name] for name in self.dedup_key)

    def row_message(self, code: str, column: str | None) -> str:
        """A plain-language sentence for a row-level code."""
        meaning = self.row_level[code]
        if column and code in _CATEGORY:
            return f"{column}: {meaning}"
        return meaning


@functools.cache
def deployed() -> Schema:
    """The schema of the contract this code was deployed with (bookstore from source)."""
    return Schema(model.deployed())


@functools.lru_cache(maxsize=16)
def named(name_or_path: str) -> Schema:
    """The schema of a bundled contract (or a contract file)."""
    return Schema(model.get(name_or_path))


def _listing(words: list[str]) -> str:
    """``= + - @ tab or carriage return``: the last two joined by "or"."""
    return " or ".join([" ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def _prefix_words(prefix: str) -> str:
    return {"\t": "tab", "\r": "carriage return"}.get(prefix, prefix)


def default_problem(spec: Mapping[str, Any]) -> str | None:
    """Why a column's ``default`` breaks the column's own rules (None: it passes, or none)."""
    if "default" not in spec or spec["default"] is None:
        return None
    column = model.column(dict(spec))
    verdict = _checker(column)(str(column.default))
    if verdict.code is None:
        return None
    return f"the default {column.default!r} breaks the column's own rules ({verdict.code})"


def _typed_default(column: Column) -> Any:
    if column.default is None:
        return None
    verdict = _checker(column)(str(column.default))
    return verdict.value


def _checker(column: Column) -> Checker:
    invalid = ValueCheck(f"INVALID_{column.code}", None)
    if column.is_decimal:
        return _decimal_checker(column, invalid)
    if column.type == "integer":
        return _integer_checker(column, invalid)
    if column.type == "timestamp":
        return lambda text: _or_invalid(parse_timestamp(text), invalid)
    if column.type == "date":
        return lambda text: _or_invalid(_parse_date(text), invalid)
    if column.type == "boolean":
        return lambda text: _or_invalid(_BOOLEANS.get(text.lower()), invalid)
    return _text_checker(column, invalid)


def _or_invalid(value: Any, invalid: ValueCheck) -> ValueCheck:
    return invalid if value is None else ValueCheck(None, value)


def _parse_date(text: str) -> dt.date | None:
    if not _DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _decimal_checker(column: Column, invalid: ValueCheck) -> Checker:
    precision, scale = column.precision_scale
    fraction = rf"(?:\.[0-9]{{1,{scale}}})?" if scale else ""
    shape = re.compile(rf"-?([0-9]+){fraction}")
    quantum = Decimal(1).scaleb(-scale)
    non_finite = ValueCheck(f"NON_FINITE_{column.code}", None)
    below = ValueCheck(f"NEGATIVE_{column.code}", None) if column.min == 0 else invalid

    def check(text: str) -> ValueCheck:
        if _NON_FINITE.fullmatch(text):
            return non_finite
        match = shape.fullmatch(text)
        if not match or len(match.group(1).lstrip("0")) > precision - scale:
            return invalid
        value = Decimal(text).quantize(quantum)
        if column.min is not None and value < column.min:
            return below
        if column.max is not None and value > column.max:
            return invalid
        return ValueCheck(None, abs(value) if value == 0 else value)  # "-0.00" is 0.00

    return check


def _integer_checker(column: Column, invalid: ValueCheck) -> Checker:
    low = max(_INT32[0], column.min) if column.min is not None else _INT32[0]
    high = min(_INT32[1], column.max) if column.max is not None else _INT32[1]

    def check(text: str) -> ValueCheck:
        if not _INTEGER.fullmatch(text) or len(text.lstrip("-").lstrip("0")) > 12:
            return invalid
        value = int(text)
        return ValueCheck(None, value) if low <= value <= high else invalid

    return check


def _text_checker(column: Column, invalid: ValueCheck) -> Checker:
    pattern = re.compile(column.pattern) if column.pattern else None
    allowed = {_case(v, column.case).lower(): v for v in column.allowed}
    canonical = {v.lower(): v for v in column.canonical}

    def check(text: str) -> ValueCheck:
        value = _case(text, column.case)
        if canonical:
            collapsed = _WHITESPACE.sub(" ", value.strip())
            value = canonical.get(collapsed.lower(), collapsed)
        if allowed:
            listed = allowed.get(value.lower())
            if listed is None or (column.case and listed != value):
                return invalid
            value = listed
        if pattern is not None and not pattern.fullmatch(value):
            return invalid
        if column.max_length is not None and len(value) > column.max_length:
            return invalid
        return ValueCheck(None, value)

    return check


def _case(text: str, case: str | None) -> str:
    if case == "lower":
        return text.lower()
    if case == "upper":
        return text.upper()
    return text
