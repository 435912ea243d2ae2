"""Athena on the local cloud through awswrangler, work groups, named queries and cancellation.

awswrangler's defaults must return the right DataFrames (checked against DuckDB run directly
on the same Parquet files), and Athena's controls must act as on AWS: a work group's
BytesScannedCutoffPerQuery fails a query that would scan more, an enforced result location
overrides the client's, StopQueryExecution cancels a running query.
"""

from __future__ import annotations

import os
import time
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import awswrangler as wr
import boto3
import duckdb
import pandas as pd
import pytest

from tests.helpers import unique
from tests.localcloud.test_athena import (
    Athena,
    download_prefix,
    parquet_chunk_bytes,
    sales_frame,
    write_sales_table,
)

pytestmark = pytest.mark.localcloud


class Shop:
    def __init__(self, session: boto3.Session, bucket: str, database: str, data_dir: Path) -> None:
        self.session = session
        self.bucket = bucket
        self.database = database
        self.results = f"s3://{bucket}/results/"
        self.athena = Athena(session, database, self.results)
        self.duck = duckdb.connect()
        self.duck.execute(
            f"CREATE VIEW sales AS SELECT * FROM read_parquet('{data_dir}/sales/**/*.parquet', "
            "hive_partitioning = true)"
        )

    def duck_frame(self, sql: str) -> pd.DataFrame:
        return self.duck.execute(sql).df()


@pytest.fixture(scope="module")
def shop(session: boto3.Session, tmp_path_factory: pytest.TempPathFactory) -> Shop:
    bucket, database = unique("athena-wr"), unique("athena_wr", sep="_")
    s3 = session.client("s3")
    s3.create_bucket(Bucket=bucket)
    wr.catalog.create_database(database, boto3_session=session)
    write_sales_table(session, sales_frame(rows=2000, seed=11), bucket, database)
    data_dir = tmp_path_factory.mktemp("athena-wr-direct")
    download_prefix(s3, bucket, "sales/", data_dir)
    return Shop(session, bucket, database, data_dir)


QUERY = (
    "SELECT genre, age_group, count(*) AS n, sum(quantity) AS q, sum(price) AS revenue, "
    "max(sold_at) AS last_sale FROM sales GROUP BY genre, age_group"
)
DUCK_QUERY = (
    "SELECT genre, age_group, count(*) AS n, sum(quantity)::BIGINT AS q, sum(price) AS revenue, "
    "max(sold_at) AS last_sale FROM sales GROUP BY genre, age_group"
)


def _normalise(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    rows = []
    for record in frame.to_dict("records"):
        rows.append(
            (
                record["genre"],
                None if pd.isna(record["age_group"]) else record["age_group"],
                int(record["n"]),
                int(record["q"]),
                Decimal(str(record["revenue"])),
                pd.Timestamp(record["last_sale"]).to_pydatetime(),
            )
        )
    return sorted(rows, key=repr)


@pytest.mark.parametrize(
    "approach",
    [{}, {"ctas_approach": False}, {"ctas_approach": False, "unload_approach": True}],
    ids=["ctas_default", "csv_results", "unload"],
)
def test_read_sql_query_approaches(shop: Shop, approach: dict[str, bool]) -> None:
    extra = (
        {"s3_output": f"s3://{shop.bucket}/{unique('unload')}/"}
        if approach.get("unload_approach")
        else {"s3_output": shop.results}
    )
    frame = wr.athena.read_sql_query(
        QUERY, database=shop.database, boto3_session=shop.session, **approach, **extra
    )
    assert _normalise(frame) == _normalise(shop.duck_frame(DUCK_QUERY))
    assert str(frame["n"].dtype) == "Int64"
    assert str(frame["revenue"].iloc[0].__class__.__name__) == "Decimal"


def test_ctas_default_drops_its_temporary_table(shop: Shop) -> None:
    before = set(wr.catalog.tables(database=shop.database, boto3_session=shop.session)["Table"])
    frame = wr.athena.read_sql_query(
        "SELECT title, price FROM sales WHERE genre = 'Poetry' ORDER BY price DESC, title LIMIT 5",
        database=shop.database,
        s3_output=shop.results,
        boto3_session=shop.session,
    )
    expected = shop.duck_frame(
        "SELECT title, price FROM sales WHERE genre = 'Poetry' ORDER BY price DESC, title LIMIT 5"
    )
    assert list(frame["title"]) == list(expected["title"])
    after = set(wr.catalog.tables(database=shop.database, boto3_session=shop.session)["Table"])
    assert after == before  # the temp_table_… was registered, then dropped by awswrangler
    assert frame.query_metadata["Statistics"]["DataScannedInBytes"] == parquet_chunk_bytes(
        shop.session.client("s3"), shop.bucket, "sales/genre=Poetry/", {"title", "price"}
    )


def test_start_query_execution_and_wait_query(shop: Shop) -> None:
    query_id = wr.athena.start_query_execution(
        "SELECT count(*) AS n FROM sales",
        database=shop.database,
        s3_output=shop.results,
        boto3_session=shop.session,
    )
    done = wr.athena.wait_query(query_id, boto3_session=shop.session)
    assert done["Status"]["State"] == "SUCCEEDED"
    results = wr.athena.get_query_results(query_id, boto3_session=shop.session)
    assert (
        int(results["n"].iloc[0]) == shop.duck.execute("SELECT count(*) FROM sales").fetchone()[0]
    )
    failed = wr.athena.start_query_execution(
        "SELECT nope FROM sales",
        database=shop.database,
        s3_output=shop.results,
        boto3_session=shop.session,
    )
    with pytest.raises(wr.exceptions.QueryFailed, match="COLUMN_NOT_FOUND"):
        wr.athena.wait_query(failed, boto3_session=shop.session)


def test_catalog_stays_consistent(shop: Shop) -> None:
    wr.athena.read_sql_query(
        "CREATE TABLE sales_summary AS SELECT genre, sum(quantity) AS q FROM sales GROUP BY genre",
        database=shop.database,
        s3_output=shop.results,
        ctas_approach=False,
        boto3_session=shop.session,
    )
    types = wr.catalog.get_table_types(
        database=shop.database, table="sales_summary", boto3_session=shop.session
    )
    assert types == {"genre": "string", "q": "bigint"}
    assert wr.catalog.does_table_exist(shop.database, "sales_summary", boto3_session=shop.session)
    wr.athena.read_sql_query(
        "DROP TABLE sales_summary",
        database=shop.database,
        s3_output=shop.results,
        ctas_approach=False,
        boto3_session=shop.session,
    )
    assert not wr.catalog.does_table_exist(
        shop.database, "sales_summary", boto3_session=shop.session
    )


def test_primary_workgroup_default_output(shop: Shop) -> None:
    work_group = shop.athena.client.get_work_group(WorkGroup="primary")["WorkGroup"]
    assert work_group["Configuration"]["EnforceWorkGroupConfiguration"] is False
    with pytest.raises(
        shop.athena.client.exceptions.InvalidRequestException, match="output location"
    ):
        shop.athena.client.start_query_execution(QueryString="SELECT 1")
    with warnings.catch_warnings():  # awswrangler warns it uses its default results bucket
        warnings.simplefilter("ignore", UserWarning)
        frame = wr.athena.read_sql_query(
            "SELECT 1 AS one", database=shop.database, boto3_session=shop.session
        )
    assert frame["one"].tolist() == [1]


# --- work groups, named queries, cancellation ----------------------------------------------


def test_bytes_scanned_cutoff_fails_the_query(shop: Shop) -> None:
    """Athena's smallest cutoff is 10 MB: a partition holds 11 MB of text, another a few bytes."""
    s3 = shop.session.client("s3")
    noise = os.urandom(5_500_000).hex()
    big = "\n".join(noise[i : i + 100] for i in range(0, len(noise), 100))
    s3.put_object(Bucket=shop.bucket, Key="noise/part=big/data.txt", Body=big.encode())
    s3.put_object(Bucket=shop.bucket, Key="noise/part=small/data.txt", Body=b"tiny\nrows\n")
    shop.athena.run(
        "CREATE EXTERNAL TABLE noise (line string) PARTITIONED BY (part string) "
        f"LOCATION 's3://{shop.bucket}/noise/'"
    )
    shop.athena.run("MSCK REPAIR TABLE noise")
    name = unique("cutoff")
    shop.athena.client.create_work_group(
        Name=name,
        Configuration={
            "ResultConfiguration": {"OutputLocation": shop.results},
            "BytesScannedCutoffPerQuery": 10_000_000,
        },
    )
    status = shop.athena.fail("SELECT count(*) FROM noise", WorkGroup=name)
    assert "Bytes scanned limit was exceeded" in status["StateChangeReason"]
    assert "BytesScannedCutoffPerQuery" in status["StateChangeReason"]
    allowed = shop.athena.run("SELECT line FROM noise WHERE part = 'small'", WorkGroup=name)
    assert allowed.rows == [("tiny",), ("rows",)]
    assert allowed.scanned == len(b"tiny\nrows\n")
    without_cutoff = shop.athena.run("SELECT count(*) FROM noise")
    assert without_cutoff.rows == [(str(big.count("\n") + 1 + 2),)]


def test_enforced_result_location_overrides_the_client(shop: Shop) -> None:
    name = unique("enforced")
    enforced = f"s3://{shop.bucket}/enforced/"
    shop.athena.client.create_work_group(
        Name=name,
        Configuration={
            "ResultConfiguration": {"OutputLocation": enforced},
            "EnforceWorkGroupConfiguration": True,
        },
    )
    answer = shop.athena.run("SELECT 42 AS answer", WorkGroup=name)
    query_id = answer.execution["QueryExecutionId"]
    assert answer.execution["ResultConfiguration"]["OutputLocation"] == f"{enforced}{query_id}.csv"
    assert answer.execution["WorkGroup"] == name
    body = shop.session.client("s3").get_object(Bucket=shop.bucket, Key=f"enforced/{query_id}.csv")
    assert body["Body"].read().decode() == '"answer"\n"42"\n'
    listed = shop.athena.client.list_query_executions(WorkGroup=name)["QueryExecutionIds"]
    assert listed == [query_id]


def test_named_queries(shop: Shop) -> None:
    client = shop.athena.client
    named = client.create_named_query(
        Name="revenue by genre",
        Database=shop.database,
        QueryString="SELECT genre, sum(price) AS revenue FROM sales GROUP BY genre ORDER BY genre",
    )["NamedQueryId"]
    saved = client.get_named_query(NamedQueryId=named)["NamedQuery"]
    assert named in client.list_named_queries()["NamedQueryIds"]
    answer = shop.athena.run(saved["QueryString"])
    expected = shop.duck.execute(
        "SELECT genre, sum(price) FROM sales GROUP BY genre ORDER BY genre"
    ).fetchall()
    assert answer.rows == [(g, str(r)) for g, r in expected]
    client.delete_named_query(NamedQueryId=named)
    assert named not in client.list_named_queries()["NamedQueryIds"]
    with pytest.raises(client.exceptions.InvalidRequestException):
        client.get_named_query(NamedQueryId=named)


def test_update_work_group_changes_where_results_go(shop: Shop) -> None:
    client = shop.athena.client
    name = unique("updated")
    client.create_work_group(
        Name=name,
        Configuration={
            "ResultConfiguration": {"OutputLocation": f"s3://{shop.bucket}/before/"},
            "EnforceWorkGroupConfiguration": True,
            "BytesScannedCutoffPerQuery": 10_000_000,
        },
    )
    client.update_work_group(
        WorkGroup=name,
        Description="moved",
        ConfigurationUpdates={
            "ResultConfigurationUpdates": {"OutputLocation": f"s3://{shop.bucket}/after/"},
            "RemoveBytesScannedCutoffPerQuery": True,
        },
    )
    work_group = client.get_work_group(WorkGroup=name)["WorkGroup"]
    assert work_group["Description"] == "moved"
    assert "BytesScannedCutoffPerQuery" not in work_group["Configuration"]
    answer = shop.athena.run("SELECT 1 AS one", WorkGroup=name)
    assert answer.execution["ResultConfiguration"]["OutputLocation"].startswith(
        f"s3://{shop.bucket}/after/"
    )
    with pytest.raises(client.exceptions.InvalidRequestException):
        client.update_work_group(WorkGroup=unique("missing"), Description="x")


def test_stop_query_execution_cancels_a_running_query(shop: Shop) -> None:
    client = shop.athena.client
    query_id = shop.athena.start(
        "SELECT count(*) FROM sales a CROSS JOIN sales b CROSS JOIN sales c "
        "WHERE a.quantity + b.quantity + c.quantity = 7"
    )
    deadline = time.monotonic() + 10
    while (
        client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"]
        != "RUNNING"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    started = time.monotonic()
    client.stop_query_execution(QueryExecutionId=query_id)
    execution = shop.athena.wait(query_id, deadline_s=10)
    assert execution["Status"]["State"] == "CANCELLED"
    assert time.monotonic() - started < 5
    with pytest.raises(client.exceptions.InvalidRequestException, match="CANCELLED"):
        client.get_query_results(QueryExecutionId=query_id)


def test_batch_get_and_unknown_execution(shop: Shop) -> None:
    client = shop.athena.client
    answer = shop.athena.run("SELECT 1 AS one")
    batch = client.batch_get_query_execution(
        QueryExecutionIds=[answer.execution["QueryExecutionId"], "no-such-id"]
    )
    assert [q["Status"]["State"] for q in batch["QueryExecutions"]] == ["SUCCEEDED"]
    assert batch["UnprocessedQueryExecutionIds"][0]["QueryExecutionId"] == "no-such-id"
    with pytest.raises(client.exceptions.InvalidRequestException):
        client.get_query_execution(QueryExecutionId="no-such-id")
