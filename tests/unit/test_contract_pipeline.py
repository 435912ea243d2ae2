"""The pipeline under a contract: choosing it, packaging it, and the café through the code."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from infra_scripts import cli
from infra_scripts.config import Settings
from infra_scripts.exceptions import ConfigError
from infra_scripts.provision.artifacts import CONTRACT_IN_PACKAGE, CONTRACT_KEY, Artifacts
from pipeline_src.contracts import model
from pipeline_src.dedup import SeenKeys
from pipeline_src.etl import transform as T
from pipeline_src.schema import named

CAFE = named("cafe")


def test_another_business_gets_a_stack_of_its_own():
    assert Settings.load(env={}).stack_name == "retail-kit"
    assert Settings.load(env={}, contract="cafe").stack_name == "retail-kit-cafe"
    assert Settings.load(env={"RETAIL_KIT_CONTRACT": "cafe"}).stack_name == "retail-kit-cafe"
    chosen = Settings.load(env={"RETAIL_KIT_CONTRACT": "cafe", "RETAIL_KIT_STACK_NAME": "my-cafe"})
    assert chosen.stack_name == "my-cafe"
    assert chosen.business == "cafe"


def test_a_contract_file_names_its_business_and_a_bad_one_is_a_config_error(tmp_path):
    document = model.get("cafe").document | {"business": {"name": "corner_shop"}}
    path = tmp_path / "shop.json"
    path.write_text(json.dumps(document))
    assert Settings.load(env={}, contract=str(path)).stack_name == "retail-kit-corner-shop"
    with pytest.raises(ConfigError, match="no such contract"):
        Settings.load(env={}, contract="pharmacy")
    path.write_text(json.dumps({**document, "partition_by": ["colour"]}))
    with pytest.raises(ConfigError, match=r"partition_by\[0\]"):
        Settings.load(env={}, contract=str(path))


def test_the_command_line_takes_contract_before_or_after_the_command():
    for argv in (["--contract", "cafe", "plan"], ["plan", "--contract", "cafe"]):
        args = cli.parse_args(argv)
        assert cli._settings(args).stack_name == "retail-kit-cafe"


def test_the_artifacts_carry_the_chosen_contract():
    artifacts = Artifacts(model.get("cafe"))
    for body in (artifacts.lambda_zip, artifacts.glue_library_zip):
        packaged = zipfile.ZipFile(io.BytesIO(body)).read(CONTRACT_IN_PACKAGE)
        assert json.loads(packaged)["business"]["name"] == "cafe"
    assert json.loads(artifacts.objects()[CONTRACT_KEY])["business"]["name"] == "cafe"
    assert artifacts.lambda_zip != Artifacts(model.get("bookstore")).lambda_zip


def test_ids_of_different_lengths_are_different_keys():
    seen = SeenKeys(model.get("bookstore"))
    assert seen.compact is not None and seen.compact.digits == 8
    assert seen.add("T00000001") and seen.add("T000000001") and seen.add("T0000000001")
    assert not seen.add("T00000001") and not seen.add("T0000000001")


def test_a_two_column_key_is_kept_as_pairs():
    seen = SeenKeys(model.get("cafe"))
    assert seen.compact is None
    assert seen.add(("01-000001", "Latte")) and seen.add(("01-000001", "Scone"))
    assert not seen.add(("01-000001", "Latte"))


def _cafe_csv(rng: random.Random, rows: int) -> str:
    """Café rows, some of them bad in the ways the contract refuses."""
    items = [("Latte", "coffee"), ("Scone", "Pastries"), ("Green Tea", "tea"), ("Brownie", "x")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["item", "category", "unit_price", "quantity", "order_id", "sold_at", "size"])
    for _ in range(rows):
        item, category = rng.choice(items)
        writer.writerow(
            [
                item,
                category,
                rng.choice(["3.20", "2.5"] * 8 + ["-1", "abc", "600"]),
                rng.choice(["1", "2"] * 8 + ["0", "101"]),
                f"0{rng.randint(1, 2)}-{rng.randint(1, 40):06d}",
                rng.choice(["2026-11-02T08:15:00", "2026-11-02"] * 8 + ["later"]),
                rng.choice(["", "Large"] * 8 + ["huge"]),
            ]
        )
    return out.getvalue()


def _rows(result: T.TransformResult) -> list[dict]:
    rows = []
    for category, path in result.files.items():
        rows += [{**row, "category": category} for row in pq.read_table(path).to_pylist()]
    return sorted((r for r in rows), key=lambda r: r["source_row"])


def _rejects(result: T.TransformResult) -> list[dict]:
    if not result.rejects_path:
        return []
    return list(csv.DictReader(Path(result.rejects_path).open(encoding="utf-8")))


@pytest.mark.parametrize("seed", range(3))
def test_cafe_fast_path_agrees_with_the_record_path(tmp_path, seed):
    path = tmp_path / "sales_2026-11-02.csv"
    path.write_text(_cafe_csv(random.Random(seed), 300), encoding="utf-8")
    source = T.SourceInfo("raw", "incoming/sales_2026-11-02.csv", "v1", dt.datetime(2026, 12, 1))
    at = dt.datetime(2026, 12, 1)
    fast = T.transform_file(str(path), "csv", source, str(tmp_path / "fast"), CAFE, ingested_at=at)
    layout = T.Layout(CAFE)
    exact = T._run(
        T._record_batches(str(path), "csv", layout),
        False,
        source,
        str(tmp_path / "exact"),
        at,
        dt.date(2026, 11, 2),
        "key",
        layout,
    )
    assert fast.fast_path and not exact.fast_path
    assert _rows(fast) == _rows(exact) and _rejects(fast) == _rejects(exact)
    codes = set(fast.rejected_by_reason)
    assert {"DUPLICATE_ORDER_ID_ITEM", "NEGATIVE_UNIT_PRICE", "INVALID_QUANTITY"} <= codes
    assert {r["category"] for r in _rows(fast)} <= {"Coffee", "Pastries", "Tea", "x"}
    keys = [(r["order_id"], r["item"]) for r in _rows(fast)]
    assert len(keys) == len(set(keys))  # each (order_id, item) once


def test_cafe_rows_are_typed_as_the_contract_says(tmp_path):
    path = tmp_path / "sales_2026-11-03.csv"
    path.write_text(
        "item,category,unit_price,quantity,order_id,sold_at,eat_in\n"
        "Flat White, coffee ,3.4,2,01-000007,2026-11-03 07:45,Yes\n"
    )
    source = T.SourceInfo("raw", "incoming/sales_2026-11-03.csv", "v1", dt.datetime(2026, 12, 1))
    result = T.transform_file(str(path), "csv", source, str(tmp_path / "out"), CAFE)
    [row] = _rows(result)
    assert row["category"] == "Coffee"  # the canonical casing, surrounding spaces trimmed
    assert str(row["unit_price"]) == "3.40" and row["quantity"] == 2
    assert row["eat_in"] is True and row["size"] is None
    assert row["sold_at"] == dt.datetime(2026, 11, 3, 7, 45)
    assert row["sale_date"] == dt.date(2026, 11, 3)


def test_the_glue_library_zip_on_sys_path_runs_its_own_contract(tmp_path):
    """Glue puts --extra-py-files zips on sys.path: the contract is read through the import
    system, never as a file beside the module (which a zip does not have)."""
    library = tmp_path / "pipeline_src.zip"
    library.write_bytes(Artifacts(model.get("cafe")).glue_library_zip)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from pipeline_src import schema; "
        "print(schema.deployed().contract.name, schema.__file__.startswith(sys.argv[1]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(library)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "")},
    )
    assert done.stdout.split() == ["cafe", "True"]


def test_a_package_without_its_contract_says_so(tmp_path):
    archive = zipfile.ZipFile(io.BytesIO(Artifacts(model.get("cafe")).glue_library_zip))
    stripped = tmp_path / "no-contract.zip"
    with zipfile.ZipFile(stripped, "w") as out:
        for name in archive.namelist():
            if not name.endswith(".json"):
                out.writestr(name, archive.read(name))
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from pipeline_src import schema; "
        "schema.deployed()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(stripped)], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode != 0 and "carries no contract" in done.stderr


@pytest.mark.parametrize(
    ("fallbacks", "key", "expected"),
    [
        (["file_name_date", "upload_date"], "incoming/sales_2026-11-05.csv", "key"),
        (["upload_date", "file_name_date"], "incoming/sales_2026-11-05.csv", "upload"),
        (["file_name_date"], "incoming/sales.csv", "upload"),  # the last resort
    ],
)
def test_the_sale_date_fall_backs_are_tried_in_order(fallbacks, key, expected):
    document = model.get("cafe").document | {
        "sale_date": {"column": "sold_at", "fallbacks": fallbacks}
    }
    source = T.SourceInfo("raw", key, "v1", dt.datetime(2026, 12, 1, 9))
    day, used = T.default_sale_date(source, model.Contract(document))
    assert used == expected
    assert day == (dt.date(2026, 11, 5) if expected == "key" else dt.date(2026, 12, 1))
