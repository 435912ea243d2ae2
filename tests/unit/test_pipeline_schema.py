"""The schema's value rules, one code per problem, and agreement with the corpus generator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pipeline_src import naming
from pipeline_src.schema import NESTED, named

check_row = named("bookstore").check_row
check_value = named("bookstore").check_value


@pytest.mark.parametrize(
    ("column", "raw", "code", "value"),
    [
        ("price", "27.14", None, Decimal("27.14")),
        ("price", " 34.0 ", None, Decimal("34.00")),
        ("price", "0", None, Decimal("0.00")),
        ("price", "-0.00", None, Decimal("0.00")),
        ("price", "12345678.99", None, Decimal("12345678.99")),
        ("price", "123456789", "INVALID_PRICE", None),
        ("price", "27.149", "INVALID_PRICE", None),
        ("price", "$27.14", "INVALID_PRICE", None),
        ("price", "1e3", "INVALID_PRICE", None),
        ("price", "٣", "INVALID_PRICE", None),  # a non-ASCII digit
        ("price", "-Infinity", "NON_FINITE_PRICE", None),
        ("price", "NaN", "NON_FINITE_PRICE", None),
        ("price", "-12.5", "NEGATIVE_PRICE", None),
        ("price", "", "MISSING_VALUE", None),
        ("age_group", "30S", None, "30s"),
        ("age_group", "90s", None, "90s"),  # the range: 10s … 90s
        ("age_group", "100s", "INVALID_AGE_GROUP", None),
        ("age_group", "05s", "INVALID_AGE_GROUP", None),
        ("genre", " science   FICTION ", None, "Science Fiction"),
        ("genre", "Fiction\t", None, "Fiction"),  # any trailing whitespace, not only spaces
        ("genre", "science  fiction\n", None, "Science Fiction"),
        ("quantity", "0000000000001", None, 1),  # leading zeros are not digits too many
        ("genre", "Poetry", None, "Poetry"),
        ("genre", "=Poetry", "FORMULA_INJECTION", None),
        ("title", "\tTab", "FORMULA_INJECTION", None),
        ("title", "x" * 1025, "FIELD_TOO_LONG", None),
        ("title", "x" * 1024, None, "x" * 1024),
        ("book_id", "b458702", "INVALID_BOOK_ID", None),
        ("transaction_id", "T1234567", "INVALID_TRANSACTION_ID", None),
        ("transaction_id", "T9616100001", None, "T9616100001"),  # a till's 10-digit ids
        ("transaction_id", "T1234567890123", "INVALID_TRANSACTION_ID", None),
        ("sold_at", "2026-11-02T10:15:42", None, dt.datetime(2026, 11, 2, 10, 15, 42)),
        ("sold_at", "2026-11-02 10:15", None, dt.datetime(2026, 11, 2, 10, 15)),
        ("sold_at", "2026-11-02", None, dt.datetime(2026, 11, 2)),
        ("sold_at", "2026-02-30", "INVALID_SOLD_AT", None),
        ("sold_at", "2026-11-02T10:15:42Z", "INVALID_SOLD_AT", None),
        ("sold_at", "", None, None),
        ("quantity", "", None, 1),
        ("quantity", "3", None, 3),
        ("quantity", "0", "INVALID_QUANTITY", None),
        ("quantity", "1.5", "INVALID_QUANTITY", None),
        ("payment_method", "Card", None, "card"),
        ("title", NESTED, "NESTED_VALUE", None),
    ],
)
def test_value_rules(column, raw, code, value):
    assert check_value(column, raw) == (code, value)


def test_row_code_precedence():
    row = {
        "title": "=x",
        "price": "abc",
        "age_group": "",
        "genre": "x" * 2000,
        "book_id": "B1",
        "transaction_id": "T00000001",
    }
    assert check_row(row)[:2] == ("MISSING_VALUE", "age_group")
    row["age_group"] = "30s"
    assert check_row(row)[:2] == ("FIELD_TOO_LONG", "genre")
    row["genre"] = "Fiction"
    assert check_row(row)[:2] == ("FORMULA_INJECTION", "title")
    row["title"] = "Dune"
    assert check_row(row)[:2] == ("INVALID_PRICE", "price")
    row["price"] = "1"
    assert check_row(row)[:2] == ("INVALID_BOOK_ID", "book_id")


def test_extra_columns_are_ignored_and_optional_ones_default():
    verdict = check_row(
        {
            "title": "Dune",
            "price": "9.99",
            "age_group": "20s",
            "genre": "Fiction",
            "book_id": "B000001",
            "transaction_id": "T00000001",
            "discount": "=x",
        }
    )
    assert verdict.code is None
    assert verdict.values["quantity"] == 1 and verdict.values["sold_at"] is None


def test_output_names_derive_from_the_source_key():
    key = "incoming/shop 1/sales_2026-11-02.csv"
    assert naming.data_key(key, "genre", "Science Fiction").startswith(
        "sales/genre=Science Fiction/sales_2026-11-02.csv-"
    )
    assert naming.data_key(key, "genre", "X") != naming.data_key(
        "incoming/shop 2/sales_2026-11-02.csv", "genre", "X"
    )
    assert naming.summary_key(key) == "summaries/shop 1/sales_2026-11-02.csv.json"
    assert naming.upload_summary_key(key, "v1") == (
        "summaries-by-upload/shop 1/sales_2026-11-02.csv/v1.json"
    )
    assert naming.upload_summary_key(key, None).endswith("/null.json")  # unversioned bucket
    assert naming.quarantine_key(key) == "quarantine/shop 1/sales_2026-11-02.csv"
    assert (
        naming.copy_source("b", key, "v+1")
        == "b/incoming/shop%201/sales_2026-11-02.csv?versionId=v%2B1"
    )
    assert naming.date_in_key(key) == dt.date(2026, 11, 2)
    assert naming.date_in_key("incoming/sales_2026-13-45.csv") is None
    assert naming.partition_prefix("genre", "a/b") == "sales/genre=a%2Fb/"
