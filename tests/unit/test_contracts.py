"""Data contracts: the format's checks, the bookstore's contract, ``retailkit contract``."""

from __future__ import annotations

import copy
import json
import re

import pytest

from infra_scripts import cli
from pipeline_src import contracts, schema


@pytest.fixture
def bookstore() -> dict:
    return copy.deepcopy(contracts.load("bookstore"))


def _columns(document: dict) -> dict[str, dict]:
    return {c["name"]: c for c in document["columns"]}


# The bookstore's behaviour before contracts (schema.py at commit d447cef), as facts.
OLD_BOOKSTORE_CODES = {
    "WRONG_FIELD_COUNT", "MALFORMED_JSON_LINE", "INVALID_RECORD", "MISSING_VALUE",
    "NESTED_VALUE", "FIELD_TOO_LONG", "FORMULA_INJECTION", "INVALID_PRICE", "NON_FINITE_PRICE",
    "NEGATIVE_PRICE", "INVALID_AGE_GROUP", "INVALID_BOOK_ID", "INVALID_TRANSACTION_ID",
    "INVALID_SOLD_AT", "INVALID_QUANTITY", "DUPLICATE_TRANSACTION_ID",
}  # fmt: skip


def test_the_bookstore_contract_keeps_the_original_files_columns_and_codes(bookstore):
    columns = _columns(bookstore)
    required = tuple(n for n, c in columns.items() if c.get("required"))
    # the original files' header: title,price,age_group,genre,book_id,transaction_id
    assert required == ("title", "price", "age_group", "genre", "book_id", "transaction_id")
    assert set(schema.named("bookstore").row_level) == OLD_BOOKSTORE_CODES
    rules = schema.named("bookstore")
    assert rules.row_level["FIELD_TOO_LONG"] == "a value longer than 1,024 characters"
    assert rules.row_level["FORMULA_INJECTION"] == (
        "a text value starts with = + - @ tab or carriage return"
    )
    for column, good, bad in (
        ("book_id", "B123456", "B12345"),
        ("transaction_id", "T12345678", "T1234567"),
        ("transaction_id", "T9616100001", "T1234567890123"),  # loosened: tills' longer ids
    ):
        pattern = re.compile(columns[column]["pattern"])
        assert pattern.fullmatch(good) and not pattern.fullmatch(bad)
        assert rules.check_value(column, good).code is None
        assert rules.check_value(column, bad).code == f"INVALID_{column.upper()}"


@pytest.mark.parametrize(
    ("change", "place", "words"),
    [
        (lambda d: d["columns"][0].update(type="money"), "columns[0].type", "unknown type 'money'"),
        (lambda d: d["columns"][1].update(type="decimal(40,2)"), "columns[1].type", "unknown type"),
        (lambda d: d.update(partition_by=["shelf"]), "partition_by[0]", "'shelf' is not a column"),
        (lambda d: d.update(partition_by=["price"]), "partition_by[0]", "is not a string"),
        (lambda d: d["columns"][4].update(pattern="B[0-9"), "columns[4].pattern", "not a regular"),
        (lambda d: d["columns"][2].update(name="title"), "columns[2].name", "duplicate column"),
        (lambda d: d.update(dedup_key=["receipt"]), "dedup_key[0]", "'receipt' is not a column"),
        (lambda d: d.update(dedup_key=[]), "dedup_key", "at least one column"),
        (lambda d: d.update(dedup_key=["store_id"]), "dedup_key[0]", "must be required"),
        (lambda d: d.update(dedup_key=["genre"]), "dedup_key[0]", "the partition column"),
        (lambda d: d["columns"][3].update(required=False), "partition_by[0]", "must be required"),
        (lambda d: d["columns"][7].update(name="record"), "columns[7].name", "reserved"),
        (lambda d: d["columns"][0].update(max_length=True), "columns[0].max_length", "positive"),
        (lambda d: d["sale_date"].update(column="sold"), "sale_date.column", "'sold' is not a col"),
        (lambda d: d["measures"].pop("units"), "measures.units", "required"),
        (lambda d: d["columns"][8].update(default=0), "columns[8].default", "INVALID_QUANTITY"),
        (lambda d: d.update(partition_by=["genre", "age_group"]), "partition_by", "exactly one"),
        (lambda d: d["columns"][7].update(name="source_key"), "columns[7].name", "lineage"),
        (lambda d: d["sale_date"].update(column="genre"), "sale_date.column", "not a date"),
        (
            lambda d: d["measures"].update(revenue="price * genre"),
            "measures.revenue",
            "not a number",
        ),
        (lambda d: d["measures"].update(revenue="price ^ 2"), "measures.revenue", "cannot read"),
        (lambda d: d["columns"][0].update(colour="red"), "columns[0].colour", "unknown key"),
        (lambda d: d.update(format=2), "format", "must be 1"),
    ],
)
def test_each_problem_is_named_with_its_place(bookstore, change, place, words):
    change(bookstore)
    errors = contracts.check(bookstore)
    assert [e.place for e in errors] == [place], errors
    assert words in errors[0].message


def test_every_problem_is_reported_at_once(bookstore):
    bookstore["columns"][0]["type"] = "money"
    bookstore["partition_by"] = ["shelf"]
    bookstore["columns"][4]["pattern"] = "("
    assert {e.place for e in contracts.check(bookstore)} == {
        "columns[0].type",
        "partition_by[0]",
        "columns[4].pattern",
    }


def test_the_published_json_schema_names_the_keys_the_checks_know():
    published = json.loads(contracts.SCHEMA_FILE.read_text())
    assert set(published["properties"]) == contracts.TOP_LEVEL
    column = published["properties"]["columns"]["items"]["properties"]
    assert set(column) == contracts.COLUMN_KEYS


def test_validate_a_broken_file_exits_non_zero_in_a_few_clear_lines(tmp_path, capsys):
    broken = tmp_path / "cafe.json"
    broken.write_text(
        json.dumps(
            {
                "format": 1,
                "business": {"name": "cafe"},
                "columns": [{"name": "item", "type": "text"}],
                "partition_by": ["category"],
            }
        )
    )
    assert cli.main(["contract", "validate", str(broken)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"{broken}: invalid contract",
        "  columns[0].type: unknown type 'text' (one of string, integer, date, timestamp, "
        "boolean, decimal(p,s))",
        "  dedup_key: at least one column: what makes a sale unique",
        "  partition_by[0]: partition column 'category' is not a column",
        "  measures.revenue: required: what the sales bring in, such as price * quantity",
        "  measures.units: required: how many things were sold, such as quantity (or 1)",
    ]
    broken.write_text('{"format": 1,\n  "business": }')
    assert cli.main(["contract", "validate", str(broken)]) == 2
    assert "line 2, column 15: not JSON" in capsys.readouterr().err


def test_new_writes_a_valid_starting_file_and_never_overwrites(tmp_path, capsys):
    target = tmp_path / "cafe.json"
    assert cli.main(["contract", "new", "cafe", "--output", str(target)]) == 0
    assert contracts.check(json.loads(target.read_text())) == []
    assert cli.main(["contract", "validate", str(target)]) == 0
    assert cli.main(["contract", "new", "cafe", "--output", str(target)]) == 1
    assert "exists" in capsys.readouterr().err
    assert cli.main(["contract", "new", "Café", "--output", str(tmp_path / "x.json")]) == 2


def test_show_lists_and_summarises(capsys):
    assert cli.main(["contract", "show"]) == 0
    assert capsys.readouterr().out.startswith("bookstore ")
    assert cli.main(["contract", "show", "bookstore"]) == 0
    out = capsys.readouterr().out
    assert "partitioned by:   genre" in out and "transaction_id  string" in out
    assert cli.main(["contract", "show", "pharmacy"]) == 1
