"""The Glue job's transform on the sample files and the bad corpus (local files, no cloud)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import threading
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline_src.etl import transform as T
from pipeline_src.etl.table import file_schema
from pipeline_src.schema import named

BOOKSTORE = named("bookstore")
FILE_SCHEMA = file_schema(BOOKSTORE.contract)

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "sample_data" / "bad"
MANIFEST = json.loads((BAD / "manifest.json").read_text(encoding="utf-8"))
ACCEPTED = [e for e in MANIFEST if e["expected"]["outcome"] == "accepted"]
HEADER = "title,price,age_group,genre,book_id,transaction_id\n"


def run(path: Path, out: Path, key: str | None = None) -> T.TransformResult:
    source = T.SourceInfo("raw", key or f"incoming/{path.name}", "v1", dt.datetime(2026, 12, 1, 9))
    fmt = path.suffix.lstrip(".").lower()
    return T.transform_file(str(path), fmt, source, str(out), ingested_at=dt.datetime(2026, 12, 1))


def rows_of(result: T.TransformResult) -> list[dict]:
    rows = []
    for genre, path in result.files.items():
        for row in pq.read_table(path).to_pylist():
            rows.append({**row, "genre": genre})
    return sorted(rows, key=lambda r: r["source_row"])


def rejects_of(result: T.TransformResult) -> list[dict]:
    if not result.rejects_path:
        return []
    with open(result.rejects_path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("entry", ACCEPTED, ids=[e["file"] for e in ACCEPTED])
def test_bad_corpus_rows(entry, tmp_path):
    expected = entry["expected"]
    result = run(BAD / entry["file"], tmp_path)
    assert result.rows_read == expected["rows_total"]
    assert result.rows_accepted == expected["rows_accepted"] == len(rows_of(result))
    assert result.rows_rejected == expected["rows_rejected"]
    rejects = [{"row": int(r["row"]), "reason_code": r["reason_code"]} for r in rejects_of(result)]
    assert rejects == expected["rejects"]
    accepted_rows = {r["source_row"] for r in rows_of(result)}
    assert accepted_rows.isdisjoint({r["row"] for r in expected["rejects"]})


def test_typed_output_of_a_seed_csv(tmp_path):
    path = ROOT / "sample_data" / "seed" / "sales_2026-10-26.csv"
    result = run(path, tmp_path)
    assert result.fast_path and result.rows_accepted == 100
    with path.open(encoding="utf-8") as f:
        expected = list(csv.DictReader(f))
    rows = rows_of(result)
    first = rows[0]
    assert first["title"] == expected[0]["title"]
    assert first["price"] == Decimal(expected[0]["price"]).quantize(Decimal("0.01"))
    assert first["quantity"] == 1 and first["sold_at"] is None
    assert first["sale_date"] == dt.date(2026, 10, 26)  # from the key
    assert (first["source_key"], first["source_version"]) == ("incoming/sales_2026-10-26.csv", "v1")
    assert sum(r["price"] for r in rows) == sum(Decimal(r["price"]) for r in expected)
    for path_ in result.files.values():
        assert pq.read_schema(path_).remove_metadata() == FILE_SCHEMA
        assert pq.read_metadata(path_).row_group(0).column(1).compression == "SNAPPY"


def test_extended_file_keeps_optional_columns(tmp_path):
    path = ROOT / "sample_data" / "extended" / "sales_2026-11-02_S01.csv"
    result = run(path, tmp_path)
    with path.open(encoding="utf-8") as f:
        expected = list(csv.DictReader(f))
    rows = rows_of(result)
    assert len(rows) == len(expected)
    assert rows[0]["sold_at"] == dt.datetime.fromisoformat(expected[0]["sold_at"])
    assert rows[0]["sale_date"] == rows[0]["sold_at"].date()
    assert sum(r["quantity"] for r in rows) == sum(int(r["quantity"]) for r in expected)
    assert {r["store_id"] for r in rows} == {"S01"}


def test_sale_date_falls_back_to_the_upload_date(tmp_path):
    path = tmp_path / "nodate.csv"
    path.write_text(HEADER + "Dune,10,30s,fiction,B000001,T00000001\n")
    result = run(path, tmp_path / "out", key="incoming/nodate.csv")
    (row,) = rows_of(result)
    assert row["sale_date"] == dt.date(2026, 12, 1) and row["genre"] == "Fiction"


def test_duplicates_across_batches_are_dropped_and_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(T, "CSV_BLOCK_BYTES", 1 << 10)  # many small batches
    lines = [f"Dune,10,30s,Fiction,B000001,T{i % 300:08d}\n" for i in range(1000)]
    path = tmp_path / "dups.csv"
    path.write_text(HEADER + "".join(lines))
    result = run(path, tmp_path / "out")
    assert result.fast_path
    assert (result.rows_read, result.rows_accepted, result.duplicates_dropped) == (1000, 300, 700)
    assert [r["source_row"] for r in rows_of(result)] == list(range(1, 301))


def test_reprocessing_writes_the_same_file_names(tmp_path):
    path = ROOT / "sample_data" / "seed" / "sales_2026-10-27.csv"
    first, second = run(path, tmp_path / "a"), run(path, tmp_path / "b")
    relative = {g: Path(p).relative_to(tmp_path / "a").as_posix() for g, p in first.files.items()}
    assert relative == {
        g: Path(p).relative_to(tmp_path / "b").as_posix() for g, p in second.files.items()
    }
    assert all("/" not in p and p.endswith(".parquet") for p in relative.values())  # flat
    assert len(set(relative.values())) == len(relative)  # one file per genre


def test_a_ragged_row_in_a_late_batch_falls_back_to_the_record_path(tmp_path, monkeypatch):
    monkeypatch.setattr(T, "CSV_BLOCK_BYTES", 1 << 10)  # the bad row is batches ahead
    lines = [f"Dune,10,30s,Fiction,B000001,T{i:08d}\n" for i in range(2000)]
    lines[1500] = "Dune,10,30s,Fiction,B000001,T00001500,extra\n"
    path = tmp_path / "ragged.csv"
    path.write_text(HEADER + "".join(lines))
    result = run(path, tmp_path / "out")
    assert not result.fast_path
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (2000, 1999, 1)
    assert not [t for t in threading.enumerate() if t.name == "csv-read-ahead"]


def _random_csv(rng: random.Random, rows: int) -> str:
    values = {
        "title": ["Dune", " Dune ", "=cmd", "", "Long" * 300, "Les Misérables", "@x"],
        "price": ["10", "10.5", "-1", "abc", "nan", "1.234", " 7.25 ", "", "-0", "123456789"],
        "age_group": ["30s", "30S", "70s", "", " 20s"],
        "genre": ["Fiction", "science  fiction", "Poetry", "", "+x"],
        "book_id": ["B000001", "B1", " B000002", ""],
        "transaction_id": ["T00000001", "T00000002", " T00000003 ", "T1", ""],
    }
    lines = [HEADER]
    for _ in range(rows):
        row = [rng.choice(v) for v in values.values()]
        lines.append(",".join(f'"{v}"' if "," in v else v for v in row) + "\n")
    return "".join(lines)


@pytest.mark.parametrize("seed", range(5))
def test_fast_path_agrees_with_the_record_path(tmp_path, seed):
    path = tmp_path / "random.csv"
    path.write_text(_random_csv(random.Random(seed), 400), encoding="utf-8")
    fast = run(path, tmp_path / "fast")
    source = T.SourceInfo("raw", "incoming/random.csv", "v1", dt.datetime(2026, 12, 1))
    layout = T.Layout(BOOKSTORE)
    exact = T._run(
        T._record_batches(str(path), "csv", layout),
        False,
        source,
        str(tmp_path / "exact"),
        dt.datetime(2026, 12, 1),
        dt.date(2026, 12, 1),
        "upload",
        layout,
    )
    assert fast.fast_path and not exact.fast_path
    assert rows_of(fast) == rows_of(exact)
    assert rejects_of(fast) == rejects_of(exact)


@pytest.mark.parametrize(
    "name",
    [
        f"sales_data_00{i}.{ext}"
        for i, ext in enumerate(["csv"] * 2 + ["json"] * 2 + ["xlsx"] * 2, 1)
    ],
)
def test_original_bookstore_files_transform(name, tmp_path, seed_samples):
    result = run(seed_samples / name, tmp_path)
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (100, 100, 0)
    assert len(rows_of(result)) == 100


def test_a_stalled_csv_reader_is_an_error_not_a_hang(monkeypatch):
    """The read-ahead consumer waits for a parsed batch with a deadline."""

    def stalled():
        threading.Event().wait(1)  # a reader that produces nothing for a long time
        yield from ()

    monkeypatch.setattr(T, "READ_AHEAD_WAIT_S", 0.2)
    monkeypatch.setattr(T, "READ_AHEAD_STOP_S", 0.1)
    with pytest.raises(RuntimeError, match=r"parsed nothing for 0\.2 s"):
        next(T._read_ahead(stalled()))
