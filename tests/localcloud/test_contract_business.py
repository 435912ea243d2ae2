"""A second business through its data contract: the café, end to end in the local cloud.

Its seed files load with the rows counted here from the files themselves (csv/json/openpyxl,
not the pipeline's code); its bad corpus gets the verdicts of ``sample_data/cafe/bad/
manifest.json``; the catalog, Parquet and curated view follow the café contract, and the
Redshift fact table loads the same rows. Then evolution: a contract file with an optional
column added is deployed over a running stack and queried across old and new files; a
retyped column is refused before anything changes.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import io
import json
from pathlib import Path

import openpyxl
import pytest

from infra_scripts.exceptions import QueryFailedError
from infra_scripts.ops.queries import (
    load_fact_sales,
    redshift_query,
    redshift_script,
    redshift_sql,
)
from infra_scripts.provision import deploy as provision
from infra_scripts.provision.contract_change import ContractChangeRefused
from pipeline_src.contracts import model
from tests.helpers import unique
from tests.pipeline_stack import PipelineStack, athena, deploy, wait_for_executions

pytestmark = pytest.mark.localcloud

CAFE = Path(__file__).resolve().parents[2] / "sample_data" / "cafe"
SEEDS = sorted((CAFE / "seed").glob("sales_*"))
MANIFEST = json.loads((CAFE / "bad" / "manifest.json").read_text())


def file_rows(path: Path) -> list[dict[str, str]]:
    """A sample file's rows as text, read independently of the pipeline."""
    if path.suffix == ".csv":
        return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    if path.suffix == ".json":
        return [{k: str(v) for k, v in row.items()} for row in json.loads(path.read_text())]
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    return [
        {h: "" if v is None else str(v) for h, v in zip(header, row, strict=False)} for row in rows
    ]


def put(session, stack: PipelineStack, key: str, body: bytes) -> str:
    return session.client("s3").put_object(Bucket=stack.raw_bucket, Key=key, Body=body)["VersionId"]


def upload_all(session, stack: PipelineStack, files: dict[str, bytes]) -> dict[str, dict]:
    versions = {key: put(session, stack, key, body) for key, body in files.items()}
    done = wait_for_executions(session, stack, list(versions.items()), deadline_s=180)
    return {key: done[(key, version)] for key, version in versions.items()}


@pytest.fixture(scope="module")
def cafe(session, local_cloud) -> PipelineStack:
    settings = dataclasses.replace(local_cloud.settings, contract="cafe")
    return deploy(session, settings, prefix="cafe")


@pytest.fixture(scope="module")
def seeded(session, cafe) -> dict[str, dict]:
    return upload_all(session, cafe, {f"incoming/{p.name}": p.read_bytes() for p in SEEDS})


def test_the_cafe_ships_seed_files_and_a_bad_corpus():
    assert len(SEEDS) >= 4 and {p.suffix for p in SEEDS} >= {".csv", ".json", ".xlsx"}
    codes = {e["expected"].get("reason_code") for e in MANIFEST}
    assert {"MISSING_COLUMNS", "NO_VALID_ROWS"} <= codes


def test_the_catalog_table_has_the_cafe_columns(session, cafe, seeded):
    table = session.client("glue").get_table(DatabaseName=cafe.database, Name=cafe.table)
    columns = {c["Name"]: c["Type"] for c in table["Table"]["StorageDescriptor"]["Columns"]}
    assert columns["unit_price"] == "decimal(8,2)"
    assert columns["quantity"] == "int"
    assert columns["eat_in"] == "boolean"
    assert "genre" not in columns and "book_id" not in columns
    assert [k["Name"] for k in table["Table"]["PartitionKeys"]] == ["category"]


def test_cafe_seed_files_load_every_row_by_category(session, cafe, seeded):
    assert {e["status"] for e in seeded.values()} == {"SUCCEEDED"}, seeded
    expected: dict[str, int] = {}
    lines = set()
    for path in SEEDS:
        for row in file_rows(path):
            lines.add((row["order_id"], row["item"]))
            category = row["category"].strip()
            expected[category] = expected.get(category, 0) + 1
    frame = athena(
        session,
        cafe,
        f'SELECT category, COUNT(*) AS n FROM "{cafe.table}_curated" GROUP BY category',
    )
    assert {r.category: int(r.n) for r in frame.itertuples()} == expected
    assert sum(expected.values()) == len(lines)  # no (order_id, item) repeats in the seeds


def test_revenue_is_unit_price_times_quantity(session, cafe, seeded):
    cents = 0
    for path in SEEDS:
        for row in file_rows(path):
            cents += round(float(row["unit_price"]) * 100) * int(row["quantity"])
    frame = athena(
        session, cafe, f'SELECT SUM(unit_price * quantity) AS revenue FROM "{cafe.table}_curated"'
    )
    assert round(float(frame["revenue"][0]) * 100) == cents


def test_redshift_loads_what_the_curated_view_shows(session, cafe, seeded):
    outputs = cafe.outputs
    for script in ("external_schema", "fact_sales"):
        redshift_script(session, redshift_sql(script, outputs), outputs)
    loaded = load_fact_sales(session, outputs)
    view = athena(
        session,
        cafe,
        f"SELECT category, COUNT(*) AS n, SUM(unit_price * quantity) AS revenue "
        f'FROM "{cafe.table}_curated" GROUP BY category',
    )
    assert dict(zip(loaded["category"], loaded["rows"], strict=True)) == {
        r.category: int(r.n) for r in view.itertuples()
    }
    ranking = redshift_query(session, "category_ranking", outputs).frame
    by_category = dict(zip(ranking["category"], ranking["revenue"], strict=True))
    for row in view.itertuples():
        assert round(float(by_category[row.category]), 2) == round(float(row.revenue), 2)


@pytest.fixture(scope="module")
def corpus(session, cafe) -> dict[str, dict]:
    files = {f"incoming/bad/{e['file']}": (CAFE / "bad" / e["file"]).read_bytes() for e in MANIFEST}
    return upload_all(session, cafe, files)


def test_each_bad_cafe_file_gets_its_verdict(session, cafe, corpus):
    s3 = session.client("s3")
    for entry in MANIFEST:
        name, expected = entry["file"], entry["expected"]
        execution = corpus[f"incoming/bad/{name}"]
        if expected["outcome"] == "rejected":
            assert execution["status"] == "FAILED", name
            assert f"({expected['reason_code']})" in execution["cause"], (name, execution["cause"])
            copy_ = s3.get_object(Bucket=cafe.quarantine_bucket, Key=f"quarantine/bad/{name}")
            assert copy_["Metadata"]["reject-reason"] == expected["reason_code"], name
            continue
        assert execution["status"] == "SUCCEEDED", name
        if expected.get("rejects"):
            body = s3.get_object(
                Bucket=cafe.processed_bucket, Key=f"rejects/bad/{name}.rejects.csv"
            )["Body"].read()
            rejected = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
            assert [(int(r["row"]), r["reason_code"]) for r in rejected] == [
                (r["row"], r["reason_code"]) for r in expected["rejects"]
            ], name


# --- evolution ------------------------------------------------------------------------------


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_an_added_optional_column_is_deployed_and_read_across_old_and_new_files(
    session, local_cloud, tmp_path
):
    document = copy.deepcopy(model.get("cafe").document)
    document["business"]["name"] = "kiosk"
    path = tmp_path / "kiosk.json"
    path.write_text(json.dumps(document))
    settings = dataclasses.replace(
        local_cloud.settings, contract=str(path), stack_name=unique("kiosk")
    )
    stack = deploy(session, settings, prefix="kiosk")
    settings = dataclasses.replace(settings, stack_name=stack.outputs["stack"])
    old = {
        "item": "Espresso",
        "category": "Coffee",
        "unit_price": "2.20",
        "quantity": "2",
        "order_id": "01-000001",
        "sold_at": "2026-11-02T08:00:00",
    }
    first = upload_all(session, stack, {"incoming/old.csv": _csv([old])})
    assert first["incoming/old.csv"]["status"] == "SUCCEEDED"

    document["columns"].append(
        {"name": "loyalty_card", "type": "string", "required": False, "case": "upper"}
    )
    path.write_text(json.dumps(document))
    lines: list[str] = []
    outputs = provision(settings, session, progress=lines.append).outputs
    assert any("loyalty_card" in line and "applied" in line for line in lines), lines

    new = {**old, "order_id": "01-000002", "loyalty_card": "lc-7"}
    second = upload_all(session, stack, {"incoming/new.csv": _csv([new])})
    assert second["incoming/new.csv"]["status"] == "SUCCEEDED"
    frame = athena(
        session,
        stack,
        f'SELECT order_id, loyalty_card FROM "{stack.table}_curated" ORDER BY order_id',
    )
    cards = dict(zip(frame["order_id"], frame["loyalty_card"], strict=True))
    assert cards["01-000002"] == "LC-7"
    assert cards["01-000001"] is None or str(cards["01-000001"]) in ("<NA>", "nan", "None")

    # Redshift: COPY maps Parquet columns by position and cannot read both files of the
    # folder; through Spectrum (by name) the fact table gets both rows.
    for script in ("external_schema", "fact_sales"):
        redshift_script(session, redshift_sql(script, outputs), outputs)
    with pytest.raises(QueryFailedError, match="through='spectrum'"):
        load_fact_sales(session, outputs)
    loaded = load_fact_sales(session, outputs, through="spectrum")
    assert loaded.to_dict("records")[0] | {"seconds": 0} == {
        "category": "Coffee",
        "rows": 2,
        "seconds": 0,
    }
    fact = redshift_query(
        session,
        "cards",
        outputs,
        sql="SELECT order_id, loyalty_card FROM mart.fact_sales ORDER BY order_id",
    ).frame
    assert fact["order_id"].tolist() == ["01-000001", "01-000002"]
    assert fact["loyalty_card"].isna().tolist() == [True, False]


def test_a_retyped_column_is_refused_with_what_it_breaks(session, local_cloud, tmp_path):
    document = copy.deepcopy(model.get("cafe").document)
    document["business"]["name"] = "stall"
    path = tmp_path / "stall.json"
    path.write_text(json.dumps(document))
    settings = dataclasses.replace(local_cloud.settings, contract=str(path))
    stack = deploy(session, settings, prefix="stall")
    settings = dataclasses.replace(settings, stack_name=stack.outputs["stack"])
    for column in document["columns"]:
        if column["name"] == "eat_in":
            column["type"] = "string"
    path.write_text(json.dumps(document))
    with pytest.raises(ContractChangeRefused) as refused:
        provision(settings, session, progress=lambda _: None)
    message = str(refused.value)
    assert "eat_in" in message and "boolean" in message and "string" in message
    assert "migrate" in message.lower()
    table = session.client("glue").get_table(DatabaseName=stack.database, Name=stack.table)
    columns = {c["Name"]: c["Type"] for c in table["Table"]["StorageDescriptor"]["Columns"]}
    assert columns["eat_in"] == "boolean"  # nothing was changed
