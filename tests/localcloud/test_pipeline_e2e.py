"""The whole pipeline in the local cloud: a plain S3 upload → EventBridge → Step Functions
(ValidateFile Lambda → Glue job → Notify Lambda) → Parquet, catalog, rejects, quarantine, mail.

Expected figures are computed here from the sample files with csv/json/openpyxl, never with
the pipeline's own code.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import awswrangler as wr
import openpyxl
import pandas as pd
import pytest

from infra_scripts.localcloud.outbox import list_mail
from tests.pipeline_stack import (
    PipelineStack,
    athena,
    deploy,
    states_entered,
    wait_for_execution,
)

pytestmark = pytest.mark.localcloud

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
SEED_CSV = SAMPLES / "seed" / "sales_2026-10-26.csv"
SEED_JSON = SAMPLES / "seed" / "sales_2026-10-28.json"
SEED_XLSX = SAMPLES / "seed" / "sales_2026-10-30.xlsx"


def expected_rows(path: Path) -> list[dict[str, str]]:
    """The file's rows as text, read independently of the pipeline."""
    if path.suffix == ".csv":
        return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    if path.suffix == ".json":
        return [{k: str(v) for k, v in row.items()} for row in json.loads(path.read_text())]
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    return [{h: str(v) for h, v in zip(header, row, strict=True)} for row in rows]


@pytest.fixture(scope="module")
def stack(session, local_cloud) -> PipelineStack:
    return deploy(session, local_cloud.settings, prefix="e2e")


@pytest.fixture(scope="module")
def upload(session, stack) -> Iterator:
    s3 = session.client("s3")

    def _upload(path: Path, key: str, body: bytes | None = None) -> str:
        put = s3.put_object(
            Bucket=stack.raw_bucket, Key=key, Body=path.read_bytes() if body is None else body
        )
        return put["VersionId"]

    yield _upload


def processed_rows(session, stack: PipelineStack, key: str) -> pd.DataFrame:
    frame = wr.s3.read_parquet(
        f"s3://{stack.processed_bucket}/sales/", dataset=True, boto3_session=session
    )
    return frame[frame["source_key"] == key]


def mails_about(local_cloud, address: str, name: str) -> list:
    return [m for m in list_mail(local_cloud.settings, to=address) if name in m.subject]


@pytest.fixture(scope="module")
def good_uploads(session, stack, upload) -> dict[str, dict]:
    """A seed CSV, a JSON array and an XLSX uploaded at once; their finished executions."""
    files = {f"incoming/good/{p.name}": p for p in (SEED_CSV, SEED_JSON, SEED_XLSX)}
    versions = {key: upload(path, key) for key, path in files.items()}
    with ThreadPoolExecutor(3) as pool:
        done = pool.map(
            lambda key: wait_for_execution(session, stack, key, versions[key], 90), files
        )
        return dict(zip(files, done, strict=True))


@pytest.mark.parametrize("path", [SEED_CSV, SEED_JSON, SEED_XLSX], ids=["csv", "json", "xlsx"])
def test_seed_formats_load_with_the_right_totals(session, stack, good_uploads, path):
    key = f"incoming/good/{path.name}"
    execution = good_uploads[key]
    assert execution["status"] == "SUCCEEDED", execution
    assert states_entered(session, execution["executionArn"]) == [
        "ValidateFile",
        "IsValid",
        "TransformFile",
        "NotifySuccess",
    ]
    rows = processed_rows(session, stack, key)
    expected = expected_rows(path)
    assert len(rows) == len(expected) == 100
    assert sum(rows["price"]) == sum(
        Decimal(r["price"]).quantize(Decimal("0.01")) for r in expected
    )
    assert sorted(rows["transaction_id"]) == sorted(r["transaction_id"] for r in expected)
    by_genre = rows.groupby("genre", observed=True).size().to_dict()
    expected_by_genre: dict[str, int] = {}
    for r in expected:
        expected_by_genre[r["genre"]] = expected_by_genre.get(r["genre"], 0) + 1
    assert by_genre == expected_by_genre
    assert set(rows["sale_date"].astype(str)) == {path.stem.removeprefix("sales_")}
    assert set(rows["quantity"]) == {1}


def test_partitions_are_in_the_catalog(session, stack, good_uploads):
    partitions = session.client("glue").get_partitions(
        DatabaseName=stack.database, TableName=stack.table
    )["Partitions"]
    genres = {p["Values"][0] for p in partitions}
    expected = {r["genre"] for p in (SEED_CSV, SEED_JSON, SEED_XLSX) for r in expected_rows(p)}
    assert genres == expected
    table = session.client("glue").get_table(DatabaseName=stack.database, Name=stack.table)
    columns = {c["Name"]: c["Type"] for c in table["Table"]["StorageDescriptor"]["Columns"]}
    assert columns["price"] == "decimal(10,2)" and columns["sold_at"] == "timestamp"


def test_success_mail_reads_well_and_is_machine_readable(local_cloud, stack, good_uploads):
    mail = mails_about(local_cloud, stack.email, SEED_CSV.name)
    assert mail, "no success mail"
    assert "Rows loaded:   100" in mail[0].body and "Rows rejected: 0" in mail[0].body
    doc = mails_about(local_cloud, stack.email_json, SEED_CSV.name)[0]
    facts = json.loads(json.loads(doc.body)["Message"])
    assert (facts["outcome"], facts["rows_accepted"], facts["rows_rejected"]) == ("loaded", 100, 0)


def test_bad_file_is_quarantined_and_fails_with_a_named_error(session, local_cloud, stack, upload):
    path = SAMPLES / "bad" / "missing_column.csv"
    key = "incoming/bad/missing_column.csv"
    version = upload(path, key)
    execution = wait_for_execution(session, stack, key, version)
    assert execution["status"] == "FAILED"
    assert execution["error"] == "FileRejected"
    assert "MISSING_COLUMNS" in execution["cause"]
    assert states_entered(session, execution["executionArn"])[-3:] == [
        "Quarantine",
        "NotifyRejected",
        "FileRejected",
    ]
    s3 = session.client("s3")
    copy = s3.get_object(Bucket=stack.quarantine_bucket, Key="quarantine/bad/missing_column.csv")
    assert copy["Body"].read() == path.read_bytes()
    assert copy["Metadata"]["reject-reason"] == "MISSING_COLUMNS"
    assert copy["Metadata"]["source-version"] == version
    tags = s3.get_object_tagging(
        Bucket=stack.quarantine_bucket, Key="quarantine/bad/missing_column.csv"
    )
    assert {"Key": "reject-reason", "Value": "MISSING_COLUMNS"} in tags["TagSet"]
    original = s3.get_object(Bucket=stack.raw_bucket, Key=key, VersionId=version)
    assert original["Body"].read() == path.read_bytes()
    mail = mails_about(local_cloud, stack.email, "missing_column.csv")
    assert mail and "was not loaded" in mail[0].body and "genre" in mail[0].body
    assert processed_rows(session, stack, key).empty


def test_same_file_twice_gives_no_duplicates(session, stack, upload):
    path = SAMPLES / "seed" / "sales_2026-10-27.csv"
    key = f"incoming/twice/{path.name}"
    first = wait_for_execution(session, stack, key, upload(path, key))
    second = wait_for_execution(session, stack, key, upload(path, key))
    assert (first["status"], second["status"]) == ("SUCCEEDED", "SUCCEEDED")
    rows = processed_rows(session, stack, key)
    assert len(rows) == 100
    assert rows["transaction_id"].is_unique
    assert set(rows["source_version"]) != {""}


def test_file_with_some_bad_rows_loads_the_good_ones(session, local_cloud, stack, upload):
    path = SAMPLES / "bad" / "mixed_good_and_bad.csv"
    key = f"incoming/mixed/{path.name}"
    execution = wait_for_execution(session, stack, key, upload(path, key))
    assert execution["status"] == "SUCCEEDED", execution
    rows = processed_rows(session, stack, key)
    assert len(rows) == 25
    assert not {3, 8, 12, 19, 25} & set(rows["source_row"])
    rejects = session.client("s3").get_object(
        Bucket=stack.processed_bucket, Key="rejects/mixed/mixed_good_and_bad.csv.rejects.csv"
    )
    rejected = list(csv.DictReader(io.StringIO(rejects["Body"].read().decode())))
    assert [(int(r["row"]), r["reason_code"]) for r in rejected] == [
        (3, "INVALID_PRICE"),
        (8, "MISSING_VALUE"),
        (12, "INVALID_AGE_GROUP"),
        (19, "INVALID_BOOK_ID"),
        (25, "NEGATIVE_PRICE"),
    ]
    mail = mails_about(local_cloud, stack.email, path.name)
    assert mail and "Rows loaded:   25" in mail[0].body and "Rows rejected: 5" in mail[0].body
    assert "INVALID_PRICE" in mail[0].body and "rejects/mixed/" in mail[0].body


def test_totals_through_athena(session, stack, good_uploads):
    """The catalog table answers SQL through Athena (the local cloud's SQL engine)."""
    from pipeline_src.sql import fill, queries

    totals_sql = (
        f'SELECT COUNT(*) AS n, SUM(price * quantity) AS revenue FROM "{stack.database}".'
        f"\"{stack.table}\" WHERE source_key LIKE 'incoming/good/%'"
    )
    try:
        totals = athena(session, stack, totals_sql)
    except Exception as exc:  # the SQL-engines executor may not be in this local cloud
        pytest.skip(f"Athena cannot run SQL in this local cloud: {exc}")
    expected = [r for p in (SEED_CSV, SEED_JSON, SEED_XLSX) for r in expected_rows(p)]
    revenue = sum(Decimal(r["price"]).quantize(Decimal("0.01")) for r in expected)
    assert int(totals["n"][0]) == len(expected) == 300
    assert Decimal(str(totals["revenue"][0])).quantize(Decimal("0.01")) == revenue
    by_genre = athena(
        session,
        stack,
        fill(
            queries("athena")["revenue_by_genre"],
            {"database": stack.database, "table": stack.table},
        ),
    )
    assert {r["genre"] for r in expected} <= set(by_genre["genre"])
