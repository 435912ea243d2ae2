"""Sample data: generator determinism and formats, committed files, the bad-file corpus.

Expectations are written out here (column lists, id patterns, the originals' number format)
or checked with independent parsers (csv, json, openpyxl), not re-derived from the generator.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import zipfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from infra_scripts.sampledata import bad_files, generate, reason_codes, rows
from infra_scripts.sampledata.__main__ import main as sampledata_main
from infra_scripts.sampledata.catalog import CATALOG, DISCOUNTS
from infra_scripts.sampledata.cli import add_cli
from infra_scripts.sampledata.ids import TransactionIds
from infra_scripts.sampledata.seed_files import write_seed_files

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data"
SEED_HEADER = ["title", "price", "age_group", "genre", "book_id", "transaction_id"]
EXTENDED_HEADER = [*SEED_HEADER, "sold_at", "store_id", "quantity", "payment_method"]
GENRES = {
    "Fiction", "Self-Help", "Thriller", "Romance", "Finance", "Science Fiction",
    "Spirituality", "Classic", "Mystery", "History", "Historical Fiction",
}  # fmt: skip
AGE_GROUPS = {"10s", "20s", "30s", "40s", "50s", "60s"}
PRICE_TEXT = re.compile(r"^\d{2}\.\d{1,2}$")
BOOK_ID = re.compile(r"^B\d{6}$")
TRANSACTION_ID = re.compile(r"^T\d{8}$")
UPPER_SNAKE = re.compile(r"^[A-Z]+(_[A-Z]+)*$")


# --- helpers: independent readers ------------------------------------------------------


def read_rows(path: Path) -> list[list[str]]:
    """Header + data rows of any generated format, every value as text (price as in CSV)."""
    suffix = path.suffix
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.reader(handle))
    if suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        table = [list(r) for r in sheet.iter_rows(values_only=True)]
        price = table[0].index("price")  # Excel keeps numbers: 27.0 reads back as 27
        for row in table[1:]:
            row[price] = float(row[price])
        return [table[0]] + [[_text(v) for v in r] for r in table[1:]]
    if suffix == ".json":
        objects = json.loads(path.read_text(encoding="utf-8"))
    else:
        objects = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    header = list(objects[0]) if objects else []
    return [header] + [[_text(o[k]) for k in header] for o in objects]


def _text(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def same_content(a: Path, b: Path) -> bool:
    """Byte equality; zip and gzip containers compare their members' bytes and names."""
    if a.suffix == ".gz":
        return gzip.decompress(a.read_bytes()) == gzip.decompress(b.read_bytes())
    if a.suffix == ".xlsx" and zipfile.is_zipfile(a):
        with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
            names = [(i.filename, i.date_time) for i in za.infolist()]
            if names != [(i.filename, i.date_time) for i in zb.infolist()]:
                return False
            return all(za.read(n) == zb.read(n) for n in za.namelist())
    return a.read_bytes() == b.read_bytes()


def run_generate(out: Path, **kwargs: Any) -> generate.GenerateResult:
    options = generate.GenerateOptions(out=out, **{"rows": 300, "seed": 7, **kwargs})
    return generate.generate(options)


# --- generator -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "xlsx"])
def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path, fmt: str) -> None:
    kwargs = {"fmt": fmt, "schema": "extended", "daily": True, "days": 3}
    first = run_generate(tmp_path / "a", **kwargs)
    again = run_generate(tmp_path / "b", **kwargs)
    other = run_generate(tmp_path / "c", **{**kwargs, "seed": 8})
    assert [p.name for p in first.files] == [p.name for p in again.files]
    for a, b in zip(first.files, again.files, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert first.files[0].read_bytes() != other.files[0].read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "xlsx"])
def test_row_counts_and_daily_split(tmp_path: Path, fmt: str) -> None:
    result = run_generate(tmp_path, rows=1234, fmt=fmt, daily=True, days=5)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"sales_2026-11-0{d}.{fmt}" for d in range(2, 7)]
    counts = [len(read_rows(tmp_path / n)) - 1 for n in names]
    assert sum(counts) == 1234 == result.rows
    assert min(counts) > 0
    assert result.bytes == sum((tmp_path / n).stat().st_size for n in names)


def test_single_file_spans_the_days_and_holds_the_daily_rows(tmp_path: Path) -> None:
    single = run_generate(tmp_path / "one", rows=2000, days=4)
    daily = run_generate(tmp_path / "many", rows=2000, days=4, daily=True)
    assert [p.name for p in single.files] == ["sales_2026-11-02_to_2026-11-05.csv"]
    joined = [row for path in daily.files for row in read_rows(path)[1:]]
    assert read_rows(single.files[0])[1:] == joined


def test_every_format_holds_the_same_rows(tmp_path: Path) -> None:
    tables = [
        read_rows(run_generate(tmp_path / fmt, fmt=fmt, schema="extended").files[0])
        for fmt in ("csv", "json", "jsonl", "xlsx")
    ]
    assert tables[0][0] == EXTENDED_HEADER
    for table in tables[1:]:
        assert table == tables[0]


def test_zero_rows_give_valid_empty_files(tmp_path: Path) -> None:
    run_generate(tmp_path, rows=0, fmt="json")
    run_generate(tmp_path, rows=0, fmt="csv")
    assert json.loads((tmp_path / "sales_2026-11-02.json").read_text()) == []
    assert (tmp_path / "sales_2026-11-02.csv").read_text() == ",".join(SEED_HEADER) + "\n"


def test_invalid_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rows >= days"):
        run_generate(tmp_path, rows=3, daily=True, days=5)
    with pytest.raises(ValueError, match="format"):
        run_generate(tmp_path, fmt="parquet")
    with pytest.raises(ValueError, match="schema"):
        run_generate(tmp_path, schema="wide")
    with pytest.raises(ValueError, match="XLSX sheet holds at most 1,048,575 rows"):
        run_generate(tmp_path / "xlsx", rows=1_048_576, fmt="xlsx")
    assert not (tmp_path / "xlsx").exists()


def test_generation_streams_in_bounded_chunks(tmp_path: Path, monkeypatch) -> None:
    sizes: list[int] = []
    real = generate.sample_chunk

    def spy(rng, count, *args, **kwargs):
        sizes.append(count)
        return real(rng, count, *args, **kwargs)

    monkeypatch.setattr(generate, "sample_chunk", spy)
    run_generate(tmp_path, rows=250_000, days=2)
    assert sum(sizes) == 250_000
    assert max(sizes) <= 100_000 and len(sizes) >= 3


def test_transaction_ids_are_distinct_eight_digit_numbers() -> None:
    numbers = TransactionIds(42).numbers(0, 1_000_000)
    assert len(set(numbers.tolist())) == 1_000_000
    assert int(numbers.min()) >= 0 and int(numbers.max()) < 10**8
    assert (numbers[:1000] != TransactionIds(43).numbers(0, 1000)).any()
    with pytest.raises(ValueError):
        TransactionIds(1).numbers(10**8 - 5, 10)


def test_catalog_is_consistent() -> None:
    assert len({b.book_id for b in CATALOG}) == len(CATALOG)
    assert len({b.title for b in CATALOG}) == len(CATALOG)
    assert all(BOOK_ID.match(b.book_id) and b.genre in GENRES for b in CATALOG)
    assert {b.genre for b in CATALOG} == GENRES
    lowest = min(b.list_cents for b in CATALOG) * min(p for p, _ in DISCOUNTS) / 100
    assert lowest >= 1000 and max(b.list_cents for b in CATALOG) <= 4000


# --- seed format -----------------------------------------------------------------------


def check_seed_row(row: list[str]) -> None:
    title, price, age_group, genre, book_id, transaction_id = row
    assert title and genre in GENRES and age_group in AGE_GROUPS
    assert PRICE_TEXT.match(price) and str(float(price)) == price, price  # like the originals
    assert 10 <= float(price) <= 40
    assert BOOK_ID.match(book_id) and TRANSACTION_ID.match(transaction_id)


def test_seed_csv_is_exactly_the_original_format(tmp_path: Path) -> None:
    path = run_generate(tmp_path, rows=2000).files[0]
    data = path.read_bytes()
    assert data.startswith(b"title,price,age_group,genre,book_id,transaction_id\n")
    assert b"\r" not in data and data.endswith(b"\n")
    table = read_rows(path)
    assert table[0] == SEED_HEADER
    for row in table[1:]:
        check_seed_row(row)
    rewritten = io.StringIO()
    csv.writer(rewritten, lineterminator="\n").writerows(table)
    assert rewritten.getvalue().encode() == data  # minimal quoting, nothing else
    assert any(row[1].endswith(".0") for row in table[1:])  # 34.0 as in the originals
    assert len({row[5] for row in table[1:]}) == 2000


def test_seed_json_is_an_indented_array_with_numeric_prices(tmp_path: Path) -> None:
    path = run_generate(tmp_path, rows=500, fmt="json").files[0]
    raw = path.read_bytes()
    objects = json.loads(raw)
    assert isinstance(objects, list) and len(objects) == 500
    assert all(list(o) == SEED_HEADER for o in objects)
    assert all(type(o["price"]) is float for o in objects)
    assert json.dumps(objects, indent=2, ensure_ascii=False).encode() == raw


def test_extended_values(tmp_path: Path) -> None:
    path = run_generate(tmp_path, rows=3000, fmt="jsonl", schema="extended", days=7).files[0]
    for line in path.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        assert list(obj) == EXTENDED_HEADER
        check_seed_row([_text(obj[k]) for k in SEED_HEADER])
        sold_at = datetime.fromisoformat(obj["sold_at"])
        assert date(2026, 11, 2) <= sold_at.date() <= date(2026, 11, 8)
        assert 9 <= sold_at.hour < 21 and obj["sold_at"] == sold_at.isoformat()
        assert type(obj["quantity"]) is int and obj["quantity"] >= 1
        assert obj["store_id"] in {"S01", "S02", "S03"}
        assert obj["payment_method"] in {"card", "mobile", "cash", "gift_card"}


def test_xlsx_header_on_the_first_sheet(tmp_path: Path) -> None:
    path = run_generate(tmp_path, rows=50, fmt="xlsx").files[0]
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    assert sheet.title == "Sales Data"
    assert [c.value for c in sheet[1]] == SEED_HEADER
    assert sheet.max_row == 51 and all(isinstance(c.value, int | float) for c in sheet["B"][1:])


# --- committed files -------------------------------------------------------------------

SEED_FILES = [
    "sales_2026-10-26.csv",
    "sales_2026-10-27.csv",
    "sales_2026-10-28.json",
    "sales_2026-10-29.json",
    "sales_2026-10-30.xlsx",
    "sales_2026-10-31.xlsx",
]


def committed_tables() -> dict[str, list[list[str]]]:
    paths = [SAMPLE / "seed" / n for n in SEED_FILES] + sorted((SAMPLE / "extended").iterdir())
    return {p.name: read_rows(p) for p in paths}


def test_committed_seed_files_match_the_schema() -> None:
    tables = committed_tables()
    for name in SEED_FILES:
        assert tables[name][0] == SEED_HEADER and len(tables[name]) == 101
        for row in tables[name][1:]:
            check_seed_row(row)
    json_prices = json.loads((SAMPLE / "seed" / SEED_FILES[2]).read_text())
    assert all(type(o["price"]) is float for o in json_prices)
    extended = [n for n in tables if n not in SEED_FILES]
    assert len(extended) == 63 and all(tables[n][0] == EXTENDED_HEADER for n in extended)
    ids = [row[5] for table in tables.values() for row in table[1:]]
    assert len(ids) == len(set(ids))  # unique across every committed file
    total = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert total < 4 * 2**20


def test_committed_extended_files_tell_the_story() -> None:
    sales = [
        dict(zip(EXTENDED_HEADER, row, strict=True))
        for name, table in committed_tables().items()
        if name not in SEED_FILES
        for row in table[1:]
    ]
    per_day = Counter(s["sold_at"][:10] for s in sales)
    for week in range(3):
        monday, saturday = date(2026, 11, 2 + 7 * week), date(2026, 11, 7 + 7 * week)
        assert per_day[saturday.isoformat()] > 1.4 * per_day[monday.isoformat()]
    per_store = Counter(s["store_id"] for s in sales)
    assert per_store["S03"] < 0.5 * per_store["S01"] and per_store["S03"] < per_store["S02"]
    top_two = Counter(s["title"] for s in sales).most_common(2)
    assert top_two[0][0] == "Atomic Habits" and top_two[0][1] > 1.5 * top_two[1][1]
    weeks = [[s for s in sales if (int(s["sold_at"][8:10]) - 2) // 7 == w] for w in range(3)]
    share = [sum(s["genre"] == "Classic" for s in week) / len(week) for week in weeks]
    assert share[0] < share[1] < share[2] and share[2] > 1.6 * share[0]


def test_committed_seed_and_extended_files_regenerate_identically(tmp_path: Path) -> None:
    result = write_seed_files(tmp_path)
    assert len(result.files) == 69
    for path in result.files:
        committed = SAMPLE / path.relative_to(tmp_path)
        assert same_content(path, committed), committed


def test_matches_the_original_files_format(seed_samples: Path) -> None:
    ours = (SAMPLE / "seed" / SEED_FILES[0]).read_bytes().split(b"\n", 1)[0]
    for original in sorted(seed_samples.glob("*.csv")):
        assert original.read_bytes().split(b"\n", 1)[0] == ours
        for row in read_rows(original)[1:]:
            check_seed_row(row)  # our price-format expectation holds for the originals too
    for original in sorted(seed_samples.glob("*.json")):
        raw = original.read_bytes()
        assert json.dumps(json.loads(raw), indent=2).encode() == raw
    for original in sorted(seed_samples.glob("*.xlsx")):
        theirs = openpyxl.load_workbook(original).worksheets[0]
        mine = openpyxl.load_workbook(SAMPLE / "seed" / SEED_FILES[4]).worksheets[0]
        assert theirs.title == mine.title
        assert [c.value for c in theirs[1]] == [c.value for c in mine[1]]


# --- bad corpus ------------------------------------------------------------------------


def load_manifest() -> list[dict[str, Any]]:
    return json.loads((SAMPLE / "bad" / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_is_well_formed() -> None:
    entries = load_manifest()
    assert len(entries) >= 25
    names = [e["file"] for e in entries]
    assert len(set(names)) == len(names)
    outcomes = Counter(e["expected"]["outcome"] for e in entries)
    assert outcomes["rejected"] >= 10 and outcomes["accepted"] >= 10
    for entry in entries:
        assert set(entry) == {"file", "problem", "expected"} and entry["problem"]
        assert (SAMPLE / "bad" / entry["file"]).is_file()
        expected = entry["expected"]
        if expected["outcome"] == "rejected":
            assert set(expected) == {"outcome", "reason_code"}
            assert expected["reason_code"] in reason_codes.FILE_LEVEL
            continue
        assert expected["outcome"] == "accepted"
        rejects = expected["rejects"]
        codes = {r["reason_code"] for r in rejects}
        assert codes <= set(reason_codes.ROW_LEVEL)
        assert expected["rows_rejected"] == len(rejects)
        assert expected["rows_accepted"] + len(rejects) == expected["rows_total"] > len(rejects)
        rows_ = [r["row"] for r in rejects]
        assert rows_ == sorted(set(rows_)) and all(1 <= r <= expected["rows_total"] for r in rows_)
        single = codes.pop() if len(codes) == 1 else None
        assert expected["reject_reason_code"] == single


def test_reason_codes_are_stable_and_documented() -> None:
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    assert not set(reason_codes.FILE_LEVEL) & set(reason_codes.ROW_LEVEL)
    for code in reason_codes.ALL_CODES:
        assert UPPER_SNAKE.match(code) and f"`{code}`" in readme, code
    assert reason_codes.markdown_table(reason_codes.FILE_LEVEL) in readme
    assert reason_codes.markdown_table(reason_codes.ROW_LEVEL) in readme
    assert bad_files.markdown_table(load_manifest()) in readme  # README is up to date
    for entry in load_manifest():
        assert f"`{entry['file']}`" in readme, entry["file"]
    used = {e["expected"].get("reason_code") for e in load_manifest()} - {None}
    used |= {r["reason_code"] for e in load_manifest() for r in e["expected"].get("rejects", [])}
    assert used == set(reason_codes.ALL_CODES) - {"FILE_TOO_LARGE"}  # every code has a file


def test_bad_corpus_regenerates_identically(tmp_path: Path) -> None:
    written = bad_files.write_bad_corpus(tmp_path)
    committed = sorted(p.name for p in (SAMPLE / "bad").iterdir() if p.name != "README.md")
    assert sorted(p.name for p in written) == committed
    for path in written:
        assert same_content(path, SAMPLE / "bad" / path.name), path.name
    assert bad_files.unexpected_files(SAMPLE / "bad") == []


def test_accepted_files_hold_rows_total_rows() -> None:
    """Count data rows with stdlib parsers, independently of the corpus code."""
    csv.field_size_limit(2**24)
    for entry in load_manifest():
        expected, path = entry["expected"], SAMPLE / "bad" / entry["file"]
        if expected["outcome"] != "accepted":
            continue
        if path.suffix == ".csv":
            text = path.read_text(encoding="utf-8-sig")
            delimiter = next(d for d in ",;\t" if d in text.splitlines()[0])
            table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
            count = sum(1 for row in table[1:] if any(v.strip() for v in row))
        elif path.suffix == ".json":
            count = len(json.loads(path.read_text(encoding="utf-8")))
        elif path.suffix == ".jsonl":
            count = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line)
        else:
            sheet = openpyxl.load_workbook(path).worksheets[0]
            count = sheet.max_row - 1
        assert count == expected["rows_total"], entry["file"]


def _lines(name: str, encoding: str = "utf-8") -> list[str]:
    return (SAMPLE / "bad" / name).read_bytes().decode(encoding).splitlines()


def _fails(call: Any) -> bool:
    try:
        call()
    except Exception:
        return True
    return False


def test_bad_files_have_their_problem() -> None:
    bad = SAMPLE / "bad"
    raw = {p.name: p.read_bytes() for p in bad.iterdir()}
    header = ",".join(SEED_HEADER)
    assert raw["empty.csv"] == b""
    assert _lines("header_only.csv") == [header]
    assert json.loads(raw["empty_array.json"]) == []
    assert "genre" not in _lines("missing_column.csv")[0].split(",")
    assert _lines("misspelt_header.csv")[0].endswith(",transacton_id")
    assert _lines("duplicate_column.csv")[0].split(",").count("price") == 2
    assert _lines("pipe_delimited.csv")[0] == "|".join(SEED_HEADER)
    assert b"\x00" in raw["binary_junk.csv"] and _fails(lambda: raw["binary_junk.csv"].decode())
    assert raw["utf16_le.csv"][:2] == b"\xff\xfe"
    assert raw["utf16_le.csv"][2:].decode("utf-16-le").startswith(header + "\n")
    assert (
        _fails(lambda: raw["latin1.csv"].decode())
        and "Misérables" in _lines("latin1.csv", "latin-1")[2]
    )
    assert _fails(lambda: json.loads(raw["truncated.json"]))
    assert isinstance(json.loads(raw["object_not_array.json"]), dict)
    assert all("age_group" not in o for o in json.loads(raw["json_missing_column.json"]))
    assert _lines("wrong_extension.txt")[0] == header
    assert gzip.decompress(raw["compressed.csv.gz"]).startswith(header.encode() + b"\n")
    assert not zipfile.is_zipfile(bad / "csv_named.xlsx") and _lines("csv_named.xlsx")[0] == header
    header_only = openpyxl.load_workbook(bad / "header_only.xlsx").worksheets[0]
    assert [[c.value for c in r] for r in header_only.iter_rows()] == [SEED_HEADER]
    assert list(openpyxl.load_workbook(bad / "empty_sheet.xlsx").worksheets[0].values) == []
    assert all(line.split(",")[1] == "N/A" for line in _lines("all_rows_invalid.csv")[1:])
    assert raw["utf8_bom.csv"].startswith(b"\xef\xbb\xbf" + header.encode())
    assert _lines("semicolon_delimited.csv")[0] == ";".join(SEED_HEADER)
    assert _lines("tab_delimited.csv")[0] == "\t".join(SEED_HEADER)
    assert b'"Girl, Woman, Other"' in raw["quoted_fields.csv"]
    padded = _lines("lowercase_padded_header.csv")[0].split(",")
    assert padded != SEED_HEADER and [h.strip().lower() for h in padded] == SEED_HEADER
    assert raw["crlf_line_endings.csv"].count(b"\r\n") == 11
    assert raw["blank_lines.csv"].count(b"\n\n") >= 2 and b"\n,,,,,\n" in raw["blank_lines.csv"]
    assert all(isinstance(o["price"], str) for o in json.loads(raw["json_price_as_string.json"]))
    assert b'"=HYPERLINK(""http' in raw["formula_injection.csv"]
    txn = [line.split(",")[-1] for line in _lines("duplicate_transaction_ids.csv")[1:]]
    assert len(txn) - len(set(txn)) == 3
    assert max(len(line) for line in _lines("very_long_title.csv")) > 2**20
    ragged = [len(line.split(",")) for line in _lines("ragged_rows.csv")[1:]]
    assert ragged[3] == 7 and ragged[8] == 5 and ragged.count(6) == 8
    nested = json.loads(raw["nested_values.json"])
    assert isinstance(nested[1]["title"], dict) and isinstance(nested[4]["genre"], list)
    jsonl = _lines("malformed_line.jsonl")
    assert [i + 1 for i, line in enumerate(jsonl) if _fails(lambda s=line: json.loads(s))] == [3, 7]
    records = json.loads(raw["non_object_records.json"])
    assert [i + 1 for i, r in enumerate(records) if not isinstance(r, dict)] == [4, 7]


# --- CLI -------------------------------------------------------------------------------


def test_add_cli_registers_sample_data_commands(tmp_path: Path, capsys) -> None:
    parser = argparse.ArgumentParser(prog="retailkit")
    add_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["sample-data", "generate", "--rows", "2k", "--out", str(tmp_path), "--quiet"]
    )
    assert args.rows == 2000 and args.fmt == "csv" and args.schema == "seed"
    assert args.func(args) == 0
    assert "generated 2,000 rows in 1 file(s)" in capsys.readouterr().out
    for command in (["bad", "--out", "x"], ["seed-files"]):
        assert callable(parser.parse_args(["sample-data", *command]).func)


def test_standalone_cli(tmp_path: Path, capsys) -> None:
    argv = ["generate", "--rows", "1500", "--format", "jsonl", "--daily", "--out", str(tmp_path)]
    assert sampledata_main(argv) == 0
    assert len(list(tmp_path.iterdir())) == 7  # --daily defaults to 7 days
    assert sampledata_main(["generate", "--rows", "3", "--daily", "--out", str(tmp_path)]) == 2
    assert "rows >= days" in capsys.readouterr().err
    assert sampledata_main(["sample-data", "bad", "--out", str(tmp_path / "bad")]) == 0
    assert (tmp_path / "bad" / "manifest.json").is_file()


def test_price_text_matches_the_originals_number_format() -> None:
    assert [rows.price_text(c) for c in (1234, 1280, 3400, 1005)] == [
        "12.34",
        "12.8",
        "34.0",
        "10.05",
    ]
