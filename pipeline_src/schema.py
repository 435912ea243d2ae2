"""The sales schema, in one place: columns, types, value rules and reason codes.

Columns. The six columns of the original bookstore files are required; four richer columns
are optional and may be absent from a file or empty in a row:

=================  ==========  ==========================================================
column             type        rule (values are checked as text after trimming spaces)
=================  ==========  ==========================================================
title              string      any text up to 1,024 characters
price              DECIMAL     digits, optionally ``.`` and one or two digits, at most
                   (10,2)      8 integer digits, ``>= 0`` (a leading ``-`` is allowed only
                               to be rejected as ``NEGATIVE_PRICE``)
age_group          string      ``10s`` ... ``90s`` (any case; stored lower-case)
genre              string      any text; the known genres get their canonical casing
                               (``science fiction`` → ``Science Fiction``), others are
                               kept as written with inner whitespace collapsed
book_id            string      ``B`` + 6 digits
transaction_id     string      ``T`` + 8 digits, unique within a file (first one kept)
sold_at            timestamp   optional: ISO-8601 local time without offset,
                               ``YYYY-MM-DD``, ``YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]]``
store_id           string      optional: any text
quantity           int         optional: a whole number 1 ... 1,000,000; empty means 1
payment_method     string      optional: any text, stored lower-case
=================  ==========  ==========================================================

Every text value is at most 1,024 characters (``FIELD_TOO_LONG``) and a text column's value
must not start with ``= + - @``, tab or carriage return (``FORMULA_INJECTION``: the row is
rejected, not escaped).

Column names are matched after trimming whitespace and lower-casing, in any order.
**Unknown extra columns are accepted and ignored** (a till may export more than we load);
two columns with the same normalised name reject the file (``DUPLICATE_COLUMNS``).

A rejected row gets one code, the first that applies in this order: record shape,
``MISSING_VALUE``, ``NESTED_VALUE``, ``FIELD_TOO_LONG``, ``FORMULA_INJECTION``, then each
column's own check in the column order above, and last ``DUPLICATE_TRANSACTION_ID``.

This module is the source of truth for the whole pipeline (validation Lambda, Glue job,
catalog table); it is plain Python 3.9 with the standard library only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

REQUIRED_COLUMNS: tuple[str, ...] = (
    "title",
    "price",
    "age_group",
    "genre",
    "book_id",
    "transaction_id",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("sold_at", "store_id", "quantity", "payment_method")
COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
TEXT_COLUMNS = frozenset(
    {"title", "age_group", "genre", "book_id", "transaction_id", "store_id", "payment_method"}
)

MAX_FIELD_CHARS = 1024
PRICE_PRECISION, PRICE_SCALE = 10, 2
MAX_QUANTITY = 1_000_000
AGE_GROUP_VALUES: tuple[str, ...] = ("10s", "20s", "30s", "40s", "50s", "60s", "70s", "80s", "90s")
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
GENRES: tuple[str, ...] = (
    "Fiction",
    "Self-Help",
    "Thriller",
    "Romance",
    "Finance",
    "Science Fiction",
    "Spirituality",
    "Classic",
    "Mystery",
    "History",
    "Historical Fiction",
)

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

ROW_LEVEL: dict[str, str] = {
    "WRONG_FIELD_COUNT": "a CSV row has more or fewer fields than the header",
    "MALFORMED_JSON_LINE": "a .jsonl line is not valid JSON",
    "INVALID_RECORD": "a JSON array element or JSON Lines line is not an object",
    "MISSING_VALUE": "a required value is empty, null or absent",
    "NESTED_VALUE": "a JSON object or array where a single value is expected",
    "FIELD_TOO_LONG": f"a value longer than {MAX_FIELD_CHARS:,} characters",
    "FORMULA_INJECTION": "a text value starts with = + - @ tab or carriage return",
    "INVALID_PRICE": "price is not a decimal number with at most 2 decimal places",
    "NON_FINITE_PRICE": "price is NaN or infinite",
    "NEGATIVE_PRICE": "price is below zero",
    "INVALID_AGE_GROUP": "age_group is not one of 10s, 20s, … 90s",
    "INVALID_BOOK_ID": "book_id is not B followed by 6 digits",
    "INVALID_TRANSACTION_ID": "transaction_id is not T followed by 8 digits",
    "INVALID_SOLD_AT": "sold_at (optional) is not an ISO-8601 date or date-time",
    "INVALID_QUANTITY": "quantity (optional) is not a whole number of at least 1",
    "DUPLICATE_TRANSACTION_ID": "a transaction_id already seen in an earlier valid row "
    "of the same file (the first is kept)",
}

ALL_CODES: dict[str, str] = {**FILE_LEVEL, **ROW_LEVEL}

# Precedence of row codes that do not belong to one column's own check.
_SHAPE_CODES = ("WRONG_FIELD_COUNT", "MALFORMED_JSON_LINE", "INVALID_RECORD")
_CATEGORY = {"MISSING_VALUE": 1, "NESTED_VALUE": 2, "FIELD_TOO_LONG": 3, "FORMULA_INJECTION": 4}
_OWN_CHECK = 5

_PRICE = re.compile(r"-?([0-9]+)(?:\.[0-9]{1,2})?")
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_BOOK_ID = re.compile(r"B[0-9]{6}")
_TRANSACTION_ID = re.compile(r"T[0-9]{8}")
_QUANTITY = re.compile(r"[0-9]+")
_SOLD_AT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?)?"
)
_WHITESPACE = re.compile(r"\s+")
_GENRE_BY_KEY = {genre.lower(): genre for genre in GENRES}
_CENT = Decimal("0.01")


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


def canonical_genre(text: str) -> str:
    """``text`` with inner whitespace collapsed, known genres in their canonical casing."""
    collapsed = _WHITESPACE.sub(" ", text.strip())
    return _GENRE_BY_KEY.get(collapsed.lower(), collapsed)


def check_value(column: str, raw: Any) -> ValueCheck:
    """Check one value of ``column``; ``raw`` is text, None (empty/absent) or NESTED.

    Returns the value's first problem in the row-code precedence, else the typed value
    (Decimal price, int quantity, datetime sold_at, trimmed/canonical text).
    """
    if raw is NESTED:
        return ValueCheck("NESTED_VALUE", None)
    text = "" if raw is None else raw.strip(" ")
    if text == "":
        if column in OPTIONAL_COLUMNS:
            return ValueCheck(None, 1 if column == "quantity" else None)
        return ValueCheck("MISSING_VALUE", None)
    if len(text) > MAX_FIELD_CHARS:
        return ValueCheck("FIELD_TOO_LONG", None)
    if column in TEXT_COLUMNS and text.startswith(FORMULA_PREFIXES):
        return ValueCheck("FORMULA_INJECTION", None)
    return _OWN_CHECKS.get(column, _text)(text)


def _text(text: str) -> ValueCheck:
    return ValueCheck(None, text)


def _price(text: str) -> ValueCheck:
    if _NON_FINITE.fullmatch(text):
        return ValueCheck("NON_FINITE_PRICE", None)
    match = _PRICE.fullmatch(text)
    if not match or len(match.group(1).lstrip("0")) > PRICE_PRECISION - PRICE_SCALE:
        return ValueCheck("INVALID_PRICE", None)
    value = Decimal(text).quantize(_CENT)
    if value < 0:
        return ValueCheck("NEGATIVE_PRICE", None)
    return ValueCheck(None, abs(value))  # abs: "-0.00" is the price 0.00


def _age_group(text: str) -> ValueCheck:
    value = text.lower()
    return (
        ValueCheck(None, value)
        if value in AGE_GROUP_VALUES
        else ValueCheck("INVALID_AGE_GROUP", None)
    )


def _genre(text: str) -> ValueCheck:
    return ValueCheck(None, canonical_genre(text))


def _book_id(text: str) -> ValueCheck:
    return (
        ValueCheck(None, text) if _BOOK_ID.fullmatch(text) else ValueCheck("INVALID_BOOK_ID", None)
    )


def _transaction_id(text: str) -> ValueCheck:
    if _TRANSACTION_ID.fullmatch(text):
        return ValueCheck(None, text)
    return ValueCheck("INVALID_TRANSACTION_ID", None)


def _sold_at(text: str) -> ValueCheck:
    value = parse_sold_at(text)
    return ValueCheck(None, value) if value is not None else ValueCheck("INVALID_SOLD_AT", None)


def _quantity(text: str) -> ValueCheck:
    if _QUANTITY.fullmatch(text) and 1 <= int(text) <= MAX_QUANTITY:
        return ValueCheck(None, int(text))
    return ValueCheck("INVALID_QUANTITY", None)


def _payment_method(text: str) -> ValueCheck:
    return ValueCheck(None, text.lower())


_OWN_CHECKS = {
    "price": _price,
    "age_group": _age_group,
    "genre": _genre,
    "book_id": _book_id,
    "transaction_id": _transaction_id,
    "sold_at": _sold_at,
    "quantity": _quantity,
    "payment_method": _payment_method,
}


def parse_sold_at(text: str) -> dt.datetime | None:
    """A sold_at text as a naive datetime, or None when it is not an accepted ISO form."""
    match = _SOLD_AT.fullmatch(text)
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


def code_rank(code: str, column_index: int) -> tuple[int, int]:
    """Sort key of a value's code within a row: category first, then column order."""
    return (_CATEGORY.get(code, _OWN_CHECK), column_index)


def check_row(values: Mapping[str, Any]) -> RowCheck:
    """Check a record's values (normalised column name → text, None or NESTED).

    Columns absent from ``values`` count as empty. Returns the row's first code by the
    documented precedence (duplicates are the caller's business) and the typed values.
    """
    typed: dict[str, Any] = {}
    worst: tuple[tuple[int, int], str, str] | None = None
    for index, column in enumerate(COLUMNS):
        verdict = check_value(column, values.get(column))
        if verdict.code is None:
            typed[column] = verdict.value
            continue
        rank = code_rank(verdict.code, index)
        if worst is None or rank < worst[0]:
            worst = (rank, verdict.code, column)
    if worst is None:
        return RowCheck(None, None, typed)
    return RowCheck(worst[1], worst[2], typed)


def shape_rejected(code: str) -> RowCheck:
    """The verdict on a record whose shape is wrong (no values to check)."""
    if code not in _SHAPE_CODES:
        raise ValueError(f"{code} is not a record-shape code")
    return RowCheck(code, None, {})


def row_message(code: str, column: str | None) -> str:
    """A plain-language sentence for a row-level code."""
    meaning = ROW_LEVEL[code]
    if column and code in _CATEGORY:
        return f"{column}: {meaning}"
    return meaning
