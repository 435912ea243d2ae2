"""The café's sample data: committed seed files, their story, the bad corpus and its verdicts.

Expectations are written out here (columns, id format, menu categories, the codes the corpus
must cover) or read with independent parsers (csv, json, openpyxl); the pipeline's validator
checks the seed files and the hand-written verdicts of the bad files.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zipfile
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from infra_scripts.sampledata import bad_files, business, generate, reason_codes
from infra_scripts.sampledata.__main__ import main as sampledata_main
from infra_scripts.sampledata.seed_files import write_seed_files
from pipeline_src import schema, validation

REPO = Path(__file__).resolve().parents[2]
CAFE = REPO / "sample_data" / "cafe"
HEADER = ["item", "category", "unit_price", "quantity", "order_id", "sold_at", "size", "eat_in"]
REQUIRED = HEADER[:6]
CATEGORIES = {"Coffee", "Tea", "Cold Drinks", "Pastries", "Sandwiches", "Cakes"}
DRINKS = {"Coffee", "Tea", "Cold Drinks"}
ORDER_ID = re.compile(r"^\d{2}-\d{6}$")
SEED_FILES = [
    "sales_2026-11-02.csv",
    "sales_2026-11-03.csv",
    "sales_2026-11-04.json",
    "sales_2026-11-05.json",
    "sales_2026-11-06.xlsx",
    "sales_2026-11-07.xlsx",
]
CAFE_ROW_CODES = {
    "INVALID_UNIT_PRICE", "NON_FINITE_UNIT_PRICE", "NEGATIVE_UNIT_PRICE", "INVALID_QUANTITY",
    "INVALID_ORDER_ID", "INVALID_SOLD_AT", "INVALID_SIZE", "INVALID_EAT_IN",
    "DUPLICATE_ORDER_ID_ITEM", "MISSING_VALUE", "FORMULA_INJECTION", "FIELD_TOO_LONG",
}  # fmt: skip
FILE_CODES = {
    "EMPTY_FILE", "HEADER_ONLY", "MISSING_COLUMNS", "DUPLICATE_COLUMNS", "MALFORMED_JSON",
    "NOT_A_JSON_ARRAY", "UNSUPPORTED_FORMAT", "UNREADABLE_FILE", "UNSUPPORTED_ENCODING",
    "DELIMITER_NOT_DETECTED", "NO_VALID_ROWS",
}  # fmt: skip


# --- independent readers ---------------------------------------------------------------


def read_records(path: Path) -> list[dict[str, Any]]:
    """Records of a CSV, JSON array or XLSX file, values as the format holds them."""
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    return [dict(zip(table[0], row, strict=True)) for row in table[1:]]


def line(record: dict[str, Any]) -> dict[str, Any]:
    """One seed line with typed values, whatever the format wrote."""
    sold_at = record["sold_at"]
    eat_in = record["eat_in"]
    return {
        **record,
        "unit_price": Decimal(str(record["unit_price"])),
        "quantity": int(record["quantity"]),
        "sold_at": sold_at if isinstance(sold_at, datetime) else datetime.fromisoformat(sold_at),
        "size": record["size"] or None,
        "eat_in": eat_in if isinstance(eat_in, bool) else {"true": True, "false": False}[eat_in],
    }


def seed_lines() -> dict[str, list[dict[str, Any]]]:
    return {name: [line(r) for r in read_records(CAFE / "seed" / name)] for name in SEED_FILES}


def same_content(a: Path, b: Path) -> bool:
    """Byte equality; zip and gzip containers compare their members."""
    if a.suffix == ".gz":
        return gzip.decompress(a.read_bytes()) == gzip.decompress(b.read_bytes())
    if a.suffix == ".xlsx" and zipfile.is_zipfile(a):
        with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
            if [i.filename for i in za.infolist()] != [i.filename for i in zb.infolist()]:
                return False
            return all(za.read(n) == zb.read(n) for n in za.namelist())
    return a.read_bytes() == b.read_bytes()


def validate(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return validation.validate(
        io.BytesIO(data), f"incoming/{path.name}", size=len(data), schema=schema.named("cafe")
    )


# --- seed files ------------------------------------------------------------------------


def test_seed_files_regenerate_identically(tmp_path: Path) -> None:
    result = write_seed_files(tmp_path, contract="cafe")
    assert sorted(p.name for p in result.files) == SEED_FILES
    assert sorted(p.name for p in (CAFE / "seed").iterdir()) == SEED_FILES
    for path in result.files:
        assert same_content(path, CAFE / "seed" / path.name), path.name
    other = write_seed_files(tmp_path / "other", seed=7, contract="cafe")
    assert other.files[0].read_bytes() != result.files[0].read_bytes()


def test_seed_files_are_valid_for_the_contract() -> None:
    for name in SEED_FILES:
        report = validate(CAFE / "seed" / name)
        assert report["valid"], (name, report["reasons"][:3])
        assert report["rows_rejected"] == 0 and 60 <= report["rows"] <= 150, name
        assert report["columns"] == HEADER


def test_seed_files_hold_realistic_orders() -> None:
    assert (CAFE / "seed" / SEED_FILES[0]).read_text().startswith(",".join(HEADER) + "\n")
    assert isinstance(json.loads((CAFE / "seed" / SEED_FILES[2]).read_text())[0]["eat_in"], bool)
    keys: set[tuple[str, str]] = set()
    orders: dict[str, list[dict[str, Any]]] = {}
    for name, lines in seed_lines().items():
        day = date.fromisoformat(name[6:16])
        assert [s["sold_at"] for s in lines] == sorted(s["sold_at"] for s in lines)
        for sale in lines:
            assert list(sale) == HEADER and sale["category"] in CATEGORIES
            assert ORDER_ID.match(sale["order_id"]) and sale["order_id"][:3] in {"01-", "02-"}
            assert sale["sold_at"].date() == day and 7 <= sale["sold_at"].hour < 18
            assert Decimal("1.50") <= sale["unit_price"] <= Decimal("10.00")
            assert sale["unit_price"] == sale["unit_price"].quantize(Decimal("0.01"))
            assert 1 <= sale["quantity"] <= 4 and isinstance(sale["eat_in"], bool)
            assert sale["size"] in {None, "small", "regular", "large"}
            assert sale["size"] is None or sale["category"] in DRINKS, sale
            key = (sale["order_id"], sale["item"])
            assert key not in keys, key
            keys.add(key)
            orders.setdefault(sale["order_id"], []).append(sale)
    assert Counter(len(lines) for lines in orders.values()).keys() == {1, 2, 3, 4}
    for lines in orders.values():  # an order is one moment at one till, eaten in or not
        assert len({(s["sold_at"], s["eat_in"]) for s in lines}) == 1
    items = {s["item"] for lines in orders.values() for s in lines}
    assert 20 <= len(items) <= 30


def test_seed_files_tell_the_story() -> None:
    by_file = seed_lines()
    sales = [sale for lines in by_file.values() for sale in lines]
    top_two = Counter(s["item"] for s in sales).most_common(2)
    assert top_two[0][0] == "Flat White" and top_two[0][1] > 1.5 * top_two[1][1]
    hours = Counter(s["sold_at"].hour for s in sales)
    assert hours.most_common(1)[0][0] == 8  # the morning rush
    lunch = [s for s in sales if 11 <= s["sold_at"].hour < 14]
    assert Counter(s["category"] for s in lunch)["Sandwiches"] > 0.2 * len(lunch)
    morning = [s for s in sales if s["sold_at"].hour < 11]
    assert sum(s["category"] == "Sandwiches" for s in morning) < 0.1 * len(morning)
    revenue = {
        n: sum(s["unit_price"] * s["quantity"] for s in lines) for n, lines in by_file.items()
    }
    saturday = "sales_2026-11-07.xlsx"
    assert max(revenue, key=revenue.__getitem__) == saturday
    assert all(len(by_file[saturday]) > 1.3 * len(by_file[n]) for n in SEED_FILES[:5])


# --- bad corpus ------------------------------------------------------------------------


def load_manifest() -> list[dict[str, Any]]:
    return json.loads((CAFE / "bad" / "manifest.json").read_text(encoding="utf-8"))


def test_bad_corpus_regenerates_identically(tmp_path: Path) -> None:
    written = bad_files.write_bad_corpus(tmp_path, contract="cafe")
    committed = sorted(p.name for p in (CAFE / "bad").iterdir())
    assert sorted(p.name for p in written) == committed
    for path in written:
        assert same_content(path, CAFE / "bad" / path.name), path.name
    assert bad_files.unexpected_files(CAFE / "bad", contract="cafe") == []


def test_manifest_is_well_formed_and_covers_the_cafe_codes() -> None:
    entries = load_manifest()
    names = [e["file"] for e in entries]
    assert len(set(names)) == len(names) >= 30
    codes = set(reason_codes.all_codes("cafe"))
    used_file, used_row = set(), set()
    for entry in entries:
        assert set(entry) == {"file", "problem", "expected"} and entry["problem"]
        expected = entry["expected"]
        if expected["outcome"] == "rejected":
            assert set(expected) == {"outcome", "reason_code"}
            used_file.add(expected["reason_code"])
            continue
        rejects = expected["rejects"]
        rows = [r["row"] for r in rejects]
        assert rows == sorted(set(rows)) and all(1 <= r <= expected["rows_total"] for r in rows)
        assert expected["rows_accepted"] + len(rejects) == expected["rows_total"] > len(rejects)
        used_row |= {r["reason_code"] for r in rejects}
        single = {r["reason_code"] for r in rejects}
        assert expected["reject_reason_code"] == (single.pop() if len(single) == 1 else None)
    assert used_file == FILE_CODES and used_row >= CAFE_ROW_CODES
    assert used_file | used_row <= codes


def test_validator_gives_every_expected_verdict() -> None:
    for entry in load_manifest():
        expected, report = entry["expected"], validate(CAFE / "bad" / entry["file"])
        if expected["outcome"] == "rejected":
            assert report["reason_code"] == expected["reason_code"], entry["file"]
            continue
        assert report["valid"], (entry["file"], report["reasons"][:3])
        assert report["rows"] == expected["rows_total"], entry["file"]
        got = [{"row": r["row"], "reason_code": r["code"]} for r in report["reasons"]]
        assert got == expected["rejects"], entry["file"]


def _csv(name: str, encoding: str = "utf-8", delimiter: str = ",") -> list[dict[str, str]]:
    text = (CAFE / "bad" / name).read_bytes().decode(encoding)
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def _fails(call: Any) -> bool:
    try:
        call()
    except Exception:
        return True
    return False


def test_file_level_bad_files_have_their_problem() -> None:
    bad = CAFE / "bad"
    raw = {p.name: p.read_bytes() for p in bad.iterdir()}
    header = ",".join(HEADER)
    assert raw["empty.csv"] == b"" and json.loads(raw["empty_array.json"]) == []
    assert raw["header_only.csv"].decode().splitlines() == [header]
    sheet = openpyxl.load_workbook(bad / "header_only.xlsx").worksheets[0]
    assert [[c.value for c in r] for r in sheet.iter_rows()] == [HEADER]
    assert "category" not in raw["missing_column.csv"].decode().splitlines()[0].split(",")
    assert all("sold_at" not in o for o in json.loads(raw["json_missing_column.json"]))
    assert raw["duplicate_column.csv"].decode().splitlines()[0].split(",").count("unit_price") == 2
    assert raw["pipe_delimited.csv"].decode().splitlines()[0] == "|".join(HEADER)
    assert raw["utf16_le.csv"][:2] == b"\xff\xfe"
    assert raw["utf16_le.csv"][2:].decode("utf-16-le").startswith(header + "\n")
    assert _fails(lambda: raw["latin1.csv"].decode()) and "Caffè" in raw["latin1.csv"].decode(
        "latin-1"
    )
    assert b"\x00" in raw["binary_junk.csv"] and _fails(lambda: raw["binary_junk.csv"].decode())
    assert _fails(lambda: json.loads(raw["truncated.json"]))
    assert isinstance(json.loads(raw["object_not_array.json"]), dict)
    assert raw["wrong_extension.txt"].decode().startswith(header + "\n")
    assert gzip.decompress(raw["compressed.csv.gz"]).startswith(header.encode() + b"\n")
    assert not zipfile.is_zipfile(bad / "csv_named.xlsx")
    assert all(r["unit_price"] == "N/A" for r in _csv("all_rows_invalid.csv"))


def test_row_level_bad_files_have_their_problem() -> None:
    prices = [r["unit_price"] for r in _csv("text_in_unit_price.csv")]
    assert prices[2] == "three fifty" and prices[6] == "£3.40"
    assert [r["unit_price"] for r in _csv("non_finite_unit_price.csv")][1] == "NaN"
    assert _csv("negative_unit_price.csv")[3]["unit_price"] == "-2.40"
    jsonl = (CAFE / "bad" / "bad_quantity.jsonl").read_text().splitlines()
    assert [json.loads(x)["quantity"] for x in jsonl][1:8:2] == [0, 101, "two", 1.5]
    assert [r["order_id"] for r in _csv("bad_order_id.csv")][2] == "1-000042"
    assert _csv("bad_sold_at.csv")[1]["sold_at"] == "2026-11-31T08:00:00"
    assert [_csv("bad_size.csv")[i]["size"] for i in (2, 7)] == ["venti", "XL"]
    assert json.loads((CAFE / "bad" / "bad_eat_in.json").read_text())[6]["eat_in"] == 2
    dup = [(r["order_id"], r["item"]) for r in _csv("duplicate_order_lines.csv")]
    assert dup[11] == dup[0] and dup[16] == dup[1] and len(set(dup)) == 18
    missing = json.loads((CAFE / "bad" / "missing_values.json").read_text())
    assert "category" not in missing[1] and missing[4]["order_id"] is None
    formula = _csv("formula_injection.csv")
    assert formula[2]["item"].startswith("=HYPERLINK") and formula[7]["order_id"][0] == "-"
    long_values = _csv("very_long_values.csv")
    assert len(long_values[1]["item"]) == 300 and len(long_values[3]["size"]) == 300
    nested = json.loads((CAFE / "bad" / "nested_values.json").read_text())
    assert isinstance(nested[1]["item"], dict) and isinstance(nested[4]["category"], list)
    assert list(_csv("required_columns_only.csv")[0]) == REQUIRED
    assert _csv("semicolon_delimited.csv", delimiter=";")[0].keys() == set(HEADER)


def test_reason_codes_and_files_are_documented() -> None:
    readme = (REPO / "sample_data" / "README.md").read_text(encoding="utf-8")
    assert reason_codes.markdown_table(reason_codes.row_level("cafe")) in readme
    assert bad_files.markdown_table(load_manifest()) in readme
    for name in SEED_FILES:
        assert f"`{name}`" in readme


# --- the generator -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "xlsx"])
def test_generate_exact_rows_per_day_and_same_seed_same_bytes(tmp_path: Path, fmt: str) -> None:
    def run(out: Path, seed: int) -> generate.GenerateResult:
        options = generate.GenerateOptions(
            rows=700, out=out, fmt=fmt, schema="extended", seed=seed, daily=True, days=3,
            contract="cafe",
        )  # fmt: skip
        return generate.generate(options)

    first, again, other = run(tmp_path / "a", 1), run(tmp_path / "b", 1), run(tmp_path / "c", 2)
    assert [p.name for p in first.files] == [f"sales_2026-11-0{d}.{fmt}" for d in (2, 3, 4)]
    assert [p.read_bytes() for p in first.files] == [p.read_bytes() for p in again.files]
    assert first.files[0].read_bytes() != other.files[0].read_bytes()
    assert first.rows == 700 and first.bytes == sum(p.stat().st_size for p in first.files)
    total = 0
    for path in first.files:
        report = validate(path)
        assert report["valid"] and report["rows_rejected"] == 0, report["reasons"][:3]
        total += report["rows"]
    assert total == 700


def test_generate_seed_schema_writes_the_required_columns(tmp_path: Path) -> None:
    argv = ["generate", "--contract", "cafe", "--rows", "50", "--out", str(tmp_path), "--quiet"]
    assert sampledata_main(argv) == 0
    path = tmp_path / "sales_2026-11-02.csv"
    assert path.read_text().splitlines()[0] == ",".join(REQUIRED)
    assert len(_rows(path)) == 50


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_cli_writes_the_cafe_files(tmp_path: Path) -> None:
    assert sampledata_main(["seed-files", "--contract", "cafe", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in (tmp_path / "seed").iterdir()) == SEED_FILES
    assert sampledata_main(["bad", "--contract", "cafe", "--out", str(tmp_path / "bad")]) == 0
    assert (tmp_path / "bad" / "manifest.json").read_bytes() == (
        CAFE / "bad" / "manifest.json"
    ).read_bytes()
    with pytest.raises(SystemExit):
        sampledata_main(["bad", "--contract", "pharmacy"])


def test_settings_must_fit_the_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    document = json.loads(business.settings_path("cafe").read_text(encoding="utf-8"))
    for entry in document["catalogue"]["entries"]:
        del entry["category"]  # a required column nobody fills
    (tmp_path / "nocategory.json").write_text(json.dumps(document), encoding="utf-8")
    monkeypatch.setattr(business, "SETTINGS_DIR", tmp_path)
    business.load.cache_clear()
    try:
        with pytest.raises(ValueError, match="category"):
            business.load("nocategory")
        with pytest.raises(ValueError, match="no sample-data settings"):
            business.load("pharmacy")
    finally:
        business.load.cache_clear()


def test_generic_modules_name_no_business_columns() -> None:
    generic = ["business", "orders", "record_files", "till_files", "contract_corpus", "corpus"]
    names = {c for n in ("bookstore", "cafe") for c in schema.named(n).columns}
    for module in generic:
        source = (REPO / "infra_scripts" / "sampledata" / f"{module}.py").read_text()
        quoted = set(re.findall(r"[\"']([a-z_]+)[\"']", source))
        assert not quoted & names, (module, quoted & names)


def test_unknown_contract_for_generate_is_refused(tmp_path: Path) -> None:
    options = generate.GenerateOptions(rows=10, out=tmp_path, contract="pharmacy")
    with pytest.raises(ValueError, match="pharmacy"):
        generate.generate(options)
    assert not list(tmp_path.iterdir())
