"""Contract evolution: which changes deploy applies to a running stack, and which it refuses."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pipeline_src.contracts import model
from pipeline_src.contracts.evolution import compare

BOOKSTORE = model.get("bookstore")


def _document() -> dict[str, Any]:
    return copy.deepcopy(model.get("bookstore").document)


def _spec(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in document["columns"] if c["name"] == name)


def _evolve(document: dict[str, Any]):
    return compare(BOOKSTORE, model.Contract(document))


def _only(evolution):
    assert len(evolution.changes) == 1, evolution.changes
    return evolution.changes[0]


# -- nothing, or only the order ------------------------------------------------------------


@pytest.mark.parametrize("name", ["bookstore", "cafe"])
def test_identical_contracts_have_no_changes(name):
    evolution = compare(model.get(name), model.get(name))
    assert evolution.changes == []
    assert evolution.ok
    assert evolution.added_columns == ()
    assert evolution.summary() == [f"Contract {name}: unchanged."]


def test_column_order_does_not_matter():
    document = _document()
    document["columns"].reverse()
    evolution = _evolve(document)
    change = _only(evolution)
    assert change.kind == "column_order_changed"
    assert not change.breaking
    assert evolution.ok
    assert evolution.added_columns == ()


# -- added columns -------------------------------------------------------------------------


def test_adding_an_optional_column_is_applied_and_appended():
    document = _document()
    document["columns"].append({"name": "loyalty_id", "type": "string"})
    evolution = _evolve(document)
    change = _only(evolution)
    assert (change.kind, change.column, change.breaking) == ("added_column", "loyalty_id", False)
    assert "`loyalty_id`" in change.message and "null" in change.message
    assert evolution.ok
    assert evolution.applied == [change]
    assert [c.name for c in evolution.added_columns] == ["loyalty_id"]
    assert evolution.added_columns[0].type == "string"


def test_added_columns_come_in_the_new_contracts_order():
    document = _document()
    document["columns"].insert(0, {"name": "till", "type": "integer"})
    document["columns"].append({"name": "gift_wrap", "type": "boolean"})
    evolution = _evolve(document)
    assert evolution.ok
    assert [c.name for c in evolution.added_columns] == ["till", "gift_wrap"]


def test_adding_a_required_column_is_refused():
    document = _document()
    document["columns"].append({"name": "cashier", "type": "string", "required": True})
    evolution = _evolve(document)
    change = _only(evolution)
    assert (change.kind, change.column, change.breaking) == ("added_column", "cashier", True)
    assert "`cashier`" in change.message and "required" in change.message
    assert "optional" in change.migrate
    assert not evolution.ok
    assert evolution.breaking == [change]
    assert evolution.added_columns == ()


# -- removed and retyped columns -----------------------------------------------------------


def test_removing_a_column_is_refused_naming_it_and_its_type():
    document = _document()
    document["columns"] = [c for c in document["columns"] if c["name"] != "price"]
    document["measures"] = {"revenue": "quantity", "units": "quantity"}
    evolution = _evolve(document)
    removed = [c for c in evolution.changes if c.kind == "removed_column"]
    assert len(removed) == 1
    change = removed[0]
    assert change.breaking and change.column == "price"
    assert "the 2nd column `price` (decimal(10,2))" in change.message
    assert "optional" in change.migrate
    assert not evolution.ok


@pytest.mark.parametrize("new_type", ["string", "decimal(12,2)"])
def test_retyping_a_column_is_refused_with_old_and_new_type(new_type):
    document = _document()
    spec = _spec(document, "price")
    spec["type"] = new_type
    spec.pop("min")  # min applies to number columns only
    document["measures"] = {"revenue": "quantity", "units": "quantity"}
    evolution = _evolve(document)
    retyped = [c for c in evolution.changes if c.kind == "retyped_column"]
    assert len(retyped) == 1
    change = retyped[0]
    assert change.breaking and change.column == "price"
    assert "`price`" in change.message
    assert f"is decimal(10,2) and would no longer be readable as {new_type}" in change.message
    assert "new column" in change.migrate and "`price`" in change.migrate
    assert not evolution.ok


def test_retyped_column_names_its_place_in_the_parquet_files():
    document = _document()
    spec = _spec(document, "quantity")
    spec["type"] = "decimal(12,2)"
    change = next(c for c in _evolve(document).changes if c.kind == "retyped_column")
    # parquet order: title, price, age_group, book_id, transaction_id, sold_at, store_id, quantity
    assert change.message.startswith("the 8th column `quantity` of files already loaded")


# -- keys ------------------------------------------------------------------------------------


def test_changing_the_partition_is_refused():
    document = _document()
    document["partition_by"] = ["age_group"]
    change = _only(_evolve(document))
    assert change.kind == "partition_changed" and change.breaking
    assert "sales/genre=<value>/" in change.message
    assert "`genre`" in change.message and "`age_group`" in change.message
    assert "keep the partition column `genre`" in change.migrate
    assert "--stack" in change.migrate


def test_changing_the_dedup_key_is_refused():
    document = _document()
    document["dedup_key"] = ["book_id", "transaction_id"]
    change = _only(_evolve(document))
    assert change.kind == "dedup_key_changed" and change.breaking
    assert "`transaction_id`" in change.message
    assert "`book_id` + `transaction_id`" in change.message
    assert "--stack" in change.migrate


def test_reordering_the_dedup_key_is_applied():
    cafe = model.get("cafe")
    document = copy.deepcopy(cafe.document)
    document["dedup_key"] = ["item", "order_id"]
    change = _only(compare(cafe, model.Contract(document)))
    assert change.kind == "dedup_key_changed" and not change.breaking
    assert "DUPLICATE_ITEM_ORDER_ID" in change.message


def test_renaming_the_business_is_refused_and_another_business_too():
    document = _document()
    document["business"]["name"] = "bookshop"
    change = _only(_evolve(document))
    assert change.kind == "business_renamed" and change.breaking
    assert "`bookstore`" in change.message and "`bookshop`" in change.message
    assert "--stack" in change.migrate

    evolution = compare(BOOKSTORE, model.get("cafe"))
    kinds = {c.kind for c in evolution.breaking}
    assert {"business_renamed", "partition_changed", "dedup_key_changed"} <= kinds
    assert {"removed_column", "added_column"} <= kinds
    assert not evolution.ok


# -- required and rules ----------------------------------------------------------------------


def test_optional_becoming_required_is_refused():
    document = _document()
    spec = _spec(document, "store_id")
    spec["required"] = True
    change = _only(_evolve(document))
    assert (change.kind, change.column, change.breaking) == ("required_changed", "store_id", True)
    assert "`store_id` becomes required" in change.message
    assert change.migrate


def test_required_becoming_optional_is_applied():
    document = _document()
    _spec(document, "title")["required"] = False
    evolution = _evolve(document)
    change = _only(evolution)
    assert (change.kind, change.column, change.breaking) == ("required_changed", "title", False)
    assert change.migrate == ""
    assert evolution.ok


@pytest.mark.parametrize(
    "edit, kind",
    [
        (lambda s: s["allowed"].append("00s"), "rule_loosened"),  # superset
        (lambda s: s["allowed"].remove("90s"), "rule_tightened"),  # subset
        (lambda s: s.pop("allowed"), "rule_loosened"),  # no list: any value
        (lambda s: s.__setitem__("allowed", ["10s", "20s", "30s"]), "rule_tightened"),
        (lambda s: s.__setitem__("max_length", 4), "rule_loosened"),
        (lambda s: s.__setitem__("max_length", 2), "rule_tightened"),
        (lambda s: s.__setitem__("case", "upper"), "rule_tightened"),
    ],
)
def test_age_group_rules(edit, kind):
    document = _document()
    edit(_spec(document, "age_group"))
    evolution = _evolve(document)
    change = _only(evolution)
    assert (change.kind, change.column, change.breaking) == (kind, "age_group", False)
    assert evolution.ok


def test_allowed_superset_names_what_it_gains():
    document = _document()
    _spec(document, "age_group")["allowed"].append("00s")
    change = _only(_evolve(document))
    assert change.message.startswith("the allowed values of `age_group` gain ['00s'] (looser)")


@pytest.mark.parametrize(
    "key, value, kind",
    [
        ("min", 0, "rule_loosened"),  # lowered
        ("min", 2, "rule_tightened"),  # raised
        ("max", 5000000, "rule_loosened"),  # raised
        ("max", 100, "rule_tightened"),  # lowered
        ("max", None, "rule_loosened"),  # removed
        ("min", None, "rule_loosened"),  # removed
    ],
)
def test_quantity_bounds(key, value, kind):
    document = _document()
    spec = _spec(document, "quantity")
    if value is None:
        spec.pop(key)
    else:
        spec[key] = value
    if key == "min" and value == 2:
        spec.pop("default")  # its default 1 would break the new rule (then "default_changed")
    changes = [c for c in _evolve(document).changes if c.kind != "default_changed"]
    assert len(changes) == 1, changes
    change = changes[0]
    assert (change.kind, change.column, change.breaking) == (kind, "quantity", False)


def test_min_lowered_message_names_old_and_new():
    document = _document()
    _spec(document, "quantity")["min"] = 0
    change = _only(_evolve(document))
    assert change.message.startswith("the minimum of `quantity` changes from 1 to 0 (looser)")


def test_pattern_removed_is_loosened():
    document = _document()
    _spec(document, "book_id").pop("pattern")
    change = _only(_evolve(document))
    assert (change.kind, change.column) == ("rule_loosened", "book_id")


def test_changed_pattern_is_tightened_even_when_it_accepts_more():
    document = _document()
    _spec(document, "book_id")["pattern"] = "B[0-9]{6,7}"  # looser, but not provably
    change = _only(_evolve(document))
    assert (change.kind, change.column, change.breaking) == ("rule_tightened", "book_id", False)
    assert "'B[0-9]{6}'" in change.message and "'B[0-9]{6,7}'" in change.message


def test_pattern_added_is_tightened():
    document = _document()
    _spec(document, "store_id")["pattern"] = "S[0-9]{3}"
    change = _only(_evolve(document))
    assert (change.kind, change.column) == ("rule_tightened", "store_id")


def test_canonical_superset_is_loosened_and_subset_tightened():
    document = _document()
    _spec(document, "genre")["canonical"].append("Poetry")
    assert _only(_evolve(document)).kind == "rule_loosened"
    document = _document()
    _spec(document, "genre")["canonical"].remove("Classic")
    change = _only(_evolve(document))
    assert change.kind == "rule_tightened"
    assert "lose ['Classic']" in change.message


def test_file_wide_field_length():
    document = _document()
    document["rules"]["max_field_chars"] = 256
    change = _only(_evolve(document))
    assert (change.kind, change.column, change.breaking) == ("rule_tightened", None, False)
    document["rules"]["max_field_chars"] = 4096
    assert _only(_evolve(document)).kind == "rule_loosened"


# -- descriptions, measures, defaults --------------------------------------------------------


def test_descriptions_titles_measures_and_defaults_are_applied():
    document = _document()
    document["business"]["title"] = "A bookshop"
    _spec(document, "title")["description"] = "the title as printed"
    document["measures"]["revenue"] = "price * quantity * 1"
    document["measures"]["copies"] = "quantity"
    _spec(document, "quantity")["default"] = 2
    evolution = _evolve(document)
    kinds = sorted(c.kind for c in evolution.changes)
    assert kinds == [
        "default_changed",
        "description_changed",
        "measure_changed",
        "measure_changed",
        "title_changed",
    ]
    assert evolution.ok
    measures = " ".join(c.message for c in evolution.changes if c.kind == "measure_changed")
    assert "`revenue` changes from `price * quantity` to `price * quantity * 1`" in measures
    assert "`copies` is added" in measures


# -- summary ---------------------------------------------------------------------------------


def test_summary_of_a_refused_deploy():
    document = _document()
    document["columns"].append({"name": "loyalty_id", "type": "string"})
    _spec(document, "price")["type"] = "decimal(12,2)"
    lines = _evolve(document).summary()
    assert lines[0] == "Contract bookstore: 2 changes (1 refused, 1 applied)."
    assert lines[1].startswith("  REFUSED  the 2nd column `price` of files already loaded")
    assert lines[2].startswith("           to migrate: add a new column")
    assert lines[3].startswith("  applied  the optional column `loyalty_id` (string)")
    assert lines[-1].startswith("Deploy refused")
    assert len(lines) == 5


def test_summary_flags_tightened_rules_but_goes_ahead():
    document = _document()
    _spec(document, "quantity")["max"] = 100
    lines = _evolve(document).summary()
    assert lines[0] == "Contract bookstore: 1 change (0 refused, 1 applied)."
    assert lines[1].startswith("  tighter  the maximum of `quantity` changes from 1000000 to 100")
    assert not any("refused" in line.lower() for line in lines[1:])
