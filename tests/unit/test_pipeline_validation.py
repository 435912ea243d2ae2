"""ValidateFile's pure function on the sample files and every bad-corpus file."""

from __future__ import annotations

import ast
import io
import json
import sys
from pathlib import Path

import pytest

from pipeline_src.validation import validate

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "sample_data" / "bad"
MANIFEST = json.loads((BAD / "manifest.json").read_text(encoding="utf-8"))
GOOD_FILES = sorted((ROOT / "sample_data" / "seed").iterdir()) + sorted(
    (ROOT / "sample_data" / "extended").iterdir()
)


def _validate(path: Path, **kwargs) -> dict:
    with path.open("rb") as stream:
        return validate(stream, f"incoming/{path.name}", size=path.stat().st_size, **kwargs)


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_bad_corpus_verdicts(entry):
    expected = entry["expected"]
    report = _validate(BAD / entry["file"])
    if expected["outcome"] == "rejected":
        assert not report["valid"]
        assert report["reason_code"] == expected["reason_code"]
        assert report["reasons"][0]["code"] == expected["reason_code"]
        assert report["reasons"][0]["message"]
        return
    assert report["valid"], report["reasons"]
    assert report["rows"] == expected["rows_total"]
    assert report["rows_valid"] == expected["rows_accepted"]
    assert report["rows_rejected"] == expected["rows_rejected"]
    rows = [{"row": r["row"], "reason_code": r["code"]} for r in report["reasons"]]
    assert rows == expected["rejects"]


@pytest.mark.parametrize("path", GOOD_FILES, ids=lambda p: p.name)
def test_committed_sample_files_are_valid(path):
    report = _validate(path)
    assert report["valid"] and report["rows_rejected"] == 0, report["reasons"]
    if path.parent.name == "seed":
        assert report["rows"] == 100


@pytest.mark.parametrize(
    "name",
    [
        f"sales_data_00{i}.{ext}"
        for i, ext in enumerate(["csv"] * 2 + ["json"] * 2 + ["xlsx"] * 2, 1)
    ],
)
def test_original_bookstore_files_are_valid(name, seed_samples):
    report = _validate(seed_samples / name)
    assert (report["valid"], report["rows"], report["rows_valid"]) == (True, 100, 100)
    assert report["columns"][:6] == [
        "title",
        "price",
        "age_group",
        "genre",
        "book_id",
        "transaction_id",
    ]


def test_file_too_large_uses_the_configured_limit():
    report = _validate(ROOT / "sample_data" / "seed" / "sales_2026-10-26.csv", max_bytes=1000)
    assert (report["valid"], report["reason_code"]) == (False, "FILE_TOO_LARGE")


def test_reasons_are_capped_but_counts_are_complete():
    rows = "".join(f"Dune,abc,30s,Fiction,B000001,T{i:08d}\n" for i in range(100))
    data = b"title,price,age_group,genre,book_id,transaction_id\n"
    data += b"Dune,1,30s,Fiction,B000001,T99999999\n"
    report = validate(io.BytesIO(data + rows.encode()), "incoming/x.csv")
    assert report["valid"] and report["rows_rejected"] == 100
    assert report["rejected_by_reason"] == {"INVALID_PRICE": 100}
    assert len(report["reasons"]) == 20


def test_json_array_is_streamed_across_chunks(monkeypatch):
    from pipeline_src import readers

    monkeypatch.setattr(readers, "CHUNK_BYTES", 7)  # every element straddles chunks
    record = {
        "title": "Dune",
        "price": 12.5,
        "age_group": "30s",
        "genre": "fiction",
        "book_id": "B000001",
        "transaction_id": "T00000001",
    }
    items = [dict(record, transaction_id=f"T{i:08d}") for i in range(50)]
    report = validate(io.BytesIO(json.dumps(items).encode()), "incoming/a.json")
    assert (report["valid"], report["rows"], report["rows_valid"]) == (True, 50, 50)


def test_utf16_without_bom_and_bom_less_utf8_are_told_apart():
    text = (
        "title,price,age_group,genre,book_id,transaction_id\nDune,1,30s,Fiction,B000001,T00000001\n"
    )
    assert validate(io.BytesIO(text.encode("utf-16-le")), "a.csv")["reason_code"] == (
        "UNSUPPORTED_ENCODING"
    )
    assert validate(io.BytesIO(text.encode()), "a.csv")["valid"]


def test_validation_path_imports_only_the_standard_library_and_openpyxl():
    """The Lambda has no pandas/pyarrow/numpy: check what its modules import."""
    allowed_third_party = {"openpyxl", "boto3", "pipeline_src"}
    modules = [
        "schema",
        "readers",
        "validation",
        "dedup",
        "naming",
        "notifications",
        "events",
        "handlers/validate_file",
        "handlers/notify",
    ]
    for name in modules:
        tree = ast.parse((ROOT / "pipeline_src" / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [node.module.split(".")[0]]
            else:
                continue
            for root in roots:
                assert root in sys.stdlib_module_names or root in allowed_third_party, (name, root)
