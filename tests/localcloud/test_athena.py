"""Athena on the local cloud: statements checked against DuckDB run directly on the same files.

A bookstore's sales (partitioned Parquet written by awswrangler), stores (CSV) and reviews
(JSON Lines) are put in the local S3. Every Athena answer is compared with the answer DuckDB
computes on copies of the same objects downloaded with boto3 — an independent path that
never goes through the local cloud's engine.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import awswrangler as wr
import boto3
import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.helpers import unique

pytestmark = pytest.mark.localcloud

GENRES = ["Fiction", "History", "Science Fiction", "Poetry"]
FINAL = {"SUCCEEDED", "FAILED", "CANCELLED"}
ROWS = 3000


# --- helpers (also used by test_athena_wrangler.py) -------------------------------------------


@dataclass
class Answer:
    execution: dict[str, Any]
    columns: list[dict[str, Any]]
    rows: list[tuple[str | None, ...]]
    update_count: int = 0

    @property
    def scanned(self) -> int:
        return int(self.execution["Statistics"]["DataScannedInBytes"])

    @property
    def types(self) -> list[str]:
        return [c["Type"] for c in self.columns]

    @property
    def names(self) -> list[str]:
        return [c["Name"] for c in self.columns]


class Athena:
    """Runs statements the way a boto3 user does: start, poll, page through the results."""

    def __init__(self, session: boto3.Session, database: str, output: str) -> None:
        self.client = session.client("athena")
        self.database = database
        self.output = output

    def start(self, sql: str, **kwargs: Any) -> str:
        args: dict[str, Any] = {
            "QueryString": sql,
            "QueryExecutionContext": {"Database": self.database},
            "ResultConfiguration": {"OutputLocation": self.output},
        }
        args.update(kwargs)
        return self.client.start_query_execution(**args)["QueryExecutionId"]

    def wait(self, query_id: str, deadline_s: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + deadline_s
        while True:
            execution = self.client.get_query_execution(QueryExecutionId=query_id)
            if execution["QueryExecution"]["Status"]["State"] in FINAL:
                return execution["QueryExecution"]
            assert time.monotonic() < deadline, f"query {query_id} did not finish"
            time.sleep(0.02)

    def run(self, sql: str, **kwargs: Any) -> Answer:
        execution = self.wait(self.start(sql, **kwargs))
        status = execution["Status"]
        assert status["State"] == "SUCCEEDED", f"{sql}: {status.get('StateChangeReason')}"
        pages, token, columns, update_count = [], None, [], 0
        while True:
            args = {"QueryExecutionId": execution["QueryExecutionId"], "MaxResults": 1000}
            if token:
                args["NextToken"] = token
            page = self.client.get_query_results(**args)
            columns = page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
            update_count = page.get("UpdateCount", 0)
            pages += [
                tuple(d.get("VarCharValue") for d in row["Data"])
                for row in page["ResultSet"]["Rows"]
            ]
            token = page.get("NextToken")
            if not token:
                break
        if execution["StatementType"] == "DML" and pages:
            assert pages[0] == tuple(c["Name"] for c in columns), "the header row comes first"
            pages = pages[1:]
        return Answer(execution, columns, pages, update_count)

    def fail(self, sql: str, **kwargs: Any) -> dict[str, Any]:
        execution = self.wait(self.start(sql, **kwargs))
        assert execution["Status"]["State"] == "FAILED", f"{sql} did not fail"
        return execution["Status"]


def athena_text(value: Any) -> str | None:
    """A DuckDB value as Athena prints it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def assert_rows(
    actual: list[tuple[Any, ...]], expected: list[tuple[Any, ...]], ordered: bool = True
) -> None:
    """Athena's text rows equal DuckDB's rows (doubles to 1e-9 relative)."""
    want = [
        tuple(athena_text(v) if not isinstance(v, float) else v for v in row) for row in expected
    ]
    got = list(actual)
    if not ordered:
        want = sorted(want, key=repr)
        got = sorted(got, key=repr)
    assert len(got) == len(want), f"{len(got)} rows, expected {len(want)}"
    for got_row, want_row in zip(got, want, strict=True):
        assert len(got_row) == len(want_row)
        for g, w in zip(got_row, want_row, strict=True):
            if isinstance(w, float):
                assert g is not None and math.isclose(float(g), w, rel_tol=1e-9), (
                    got_row,
                    want_row,
                )
            else:
                assert g == w, (got_row, want_row)


def download_prefix(s3: Any, bucket: str, prefix: str, target: Path) -> list[Path]:
    """Copy every object under ``prefix`` to ``target`` with boto3 (the independent path)."""
    paths = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            path = target / item["Key"]
            path.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, item["Key"], str(path))
            paths.append(path)
    return paths


def object_sizes(s3: Any, bucket: str, prefix: str) -> int:
    total = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        total += sum(item["Size"] for item in page.get("Contents", []))
    return total


def parquet_chunk_bytes(s3: Any, bucket: str, prefix: str, columns: set[str]) -> int:
    """Compressed size of ``columns``' chunks in the Parquet objects under ``prefix``: what
    Athena bills a query that reads those columns there."""
    import pyarrow.parquet as pq

    total = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            meta = pq.ParquetFile(io.BytesIO(body)).metadata
            for i in range(meta.num_row_groups):
                group = meta.row_group(i)
                total += sum(
                    group.column(j).total_compressed_size
                    for j in range(group.num_columns)
                    if group.column(j).path_in_schema in columns
                )
    return total


# --- the bookstore --------------------------------------------------------------------------


def write_sales_table(session: Any, frame: pd.DataFrame, bucket: str, database: str) -> None:
    """``frame`` as the genre-partitioned Parquet table ``sales`` (awswrangler, as users do)."""
    wr.s3.to_parquet(
        frame,
        f"s3://{bucket}/sales/",
        dataset=True,
        database=database,
        table="sales",
        partition_cols=["genre"],
        dtype={"price": "decimal(10,2)"},
        boto3_session=session,
    )


def sales_frame(rows: int = ROWS, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = datetime(2024, 1, 1)
    age_groups = np.array(["children", "teen", "adult"], dtype=object)
    frame = pd.DataFrame(
        {
            "title": [f"Title {i:03d}" for i in rng.integers(0, 80, rows)],
            "price": [Decimal(int(c)) / 100 for c in rng.integers(199, 5999, rows)],
            "age_group": age_groups[rng.integers(0, 3, rows)],
            "sold_at": [
                start + timedelta(seconds=int(s)) for s in rng.integers(0, 90 * 86400, rows)
            ],
            "quantity": rng.integers(1, 6, rows).astype("int32"),
            "store_id": rng.integers(1, 6, rows).astype("int32"),
            "genre": np.array(GENRES, dtype=object)[rng.integers(0, len(GENRES), rows)],
        }
    )
    frame.loc[rng.random(rows) < 0.05, "age_group"] = None
    return frame


STORES_CSV = (
    "store_id,city,opened,sqft\n"
    "1,Lisbon,2019-03-01,120\n"
    "2,Porto,2020-07-15,95\n"
    "3,Lisbon,2021-01-10,80\n"
    "4,Braga,2022-05-05,60\n"
    "5,Faro,2023-09-30,45\n"
)


def reviews_lines(seed: int = 3) -> list[str]:
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(400):
        record = {
            "title": f"Title {int(rng.integers(0, 80)):03d}",
            "stars": int(rng.integers(1, 6)),
            "reviewed_on": (
                date(2024, 1, 1) + timedelta(days=int(rng.integers(0, 120)))
            ).isoformat(),
            "review": f"review {i}",
        }
        lines.append(json.dumps(record))
    return lines


@dataclass
class Bookstore:
    session: boto3.Session
    athena: Athena
    bucket: str
    database: str
    duck: duckdb.DuckDBPyConnection
    data_dir: Path
    frame: pd.DataFrame

    @property
    def s3(self) -> Any:
        return self.session.client("s3")

    def duck_rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.duck.execute(sql).fetchall()


@pytest.fixture(scope="module")
def store(session: boto3.Session, tmp_path_factory: pytest.TempPathFactory) -> Bookstore:
    bucket = unique("athena-books")
    database = unique("athena_books", sep="_")
    s3 = session.client("s3")
    s3.create_bucket(Bucket=bucket)
    wr.catalog.create_database(database, boto3_session=session)
    frame = sales_frame()
    write_sales_table(session, frame, bucket, database)
    s3.put_object(Bucket=bucket, Key="stores/stores.csv", Body=STORES_CSV.encode())
    lines = reviews_lines()
    s3.put_object(Bucket=bucket, Key="reviews/part-0.json", Body="\n".join(lines[:200]).encode())
    s3.put_object(Bucket=bucket, Key="reviews/part-1.json", Body="\n".join(lines[200:]).encode())
    athena = Athena(session, database, f"s3://{bucket}/results/")
    athena.run(
        "CREATE EXTERNAL TABLE stores (store_id int, city string, opened date, sqft int) "
        "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' STORED AS TEXTFILE "
        f"LOCATION 's3://{bucket}/stores/' TBLPROPERTIES ('skip.header.line.count'='1')"
    )
    athena.run(
        "CREATE EXTERNAL TABLE IF NOT EXISTS reviews (title string, stars int, reviewed_on date, "
        "review string) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' "
        f"LOCATION 's3://{bucket}/reviews/'"
    )
    data_dir = tmp_path_factory.mktemp("athena-direct")
    for prefix in ("sales/", "stores/", "reviews/"):
        download_prefix(s3, bucket, prefix, data_dir)
    duck = duckdb.connect()
    duck.execute(
        f"CREATE VIEW sales AS SELECT * FROM read_parquet('{data_dir}/sales/**/*.parquet', "
        "hive_partitioning = true)"
    )
    duck.execute(
        f"CREATE VIEW stores AS SELECT * FROM read_csv('{data_dir}/stores/stores.csv', "
        "header = true, columns = {'store_id': 'INTEGER', 'city': 'VARCHAR', 'opened': 'DATE', "
        "'sqft': 'INTEGER'})"
    )
    duck.execute(
        f"CREATE VIEW reviews AS SELECT * FROM read_json('{data_dir}/reviews/*.json', "
        "format = 'newline_delimited', columns = {'title': 'VARCHAR', 'stars': 'INTEGER', "
        "'reviewed_on': 'DATE', 'review': 'VARCHAR'})"
    )
    return Bookstore(session, athena, bucket, database, duck, data_dir, frame)


# --- SELECT: the same answer as DuckDB on the same files --------------------------------------

SAME_ANSWER = {
    "count": ("SELECT count(*) FROM sales", "SELECT count(*) FROM sales"),
    "group_by_partition": (
        "SELECT genre, count(*) AS n, sum(quantity) AS q, sum(price) AS revenue "
        "FROM sales GROUP BY genre ORDER BY genre",
        "SELECT genre, count(*), sum(quantity), sum(price) FROM sales "
        "GROUP BY genre ORDER BY genre",
    ),
    "filter_and_order": (
        "SELECT title, price, quantity FROM sales WHERE price > 55 AND quantity >= 4 "
        "ORDER BY price DESC, title, quantity LIMIT 25",
        "SELECT title, price, quantity FROM sales WHERE price > 55 AND quantity >= 4 "
        "ORDER BY price DESC, title, quantity LIMIT 25",
    ),
    "null_values": (
        "SELECT age_group, count(*) FROM sales GROUP BY age_group ORDER BY age_group NULLS FIRST",
        "SELECT age_group, count(*) FROM sales GROUP BY age_group ORDER BY age_group NULLS FIRST",
    ),
    "rank_window": (
        "SELECT genre, title, price, rank() OVER (PARTITION BY genre ORDER BY price DESC) AS r "
        "FROM sales ORDER BY genre, r, title, price LIMIT 40",
        "SELECT genre, title, price, rank() OVER (PARTITION BY genre ORDER BY price DESC) AS r "
        "FROM sales ORDER BY genre, r, title, price LIMIT 40",
    ),
    "lag_window": (
        "SELECT day, revenue, lag(revenue) OVER (ORDER BY day) AS previous FROM ("
        "SELECT date(sold_at) AS day, sum(price * quantity) AS revenue FROM sales GROUP BY 1"
        ") ORDER BY day",
        "SELECT day, revenue, lag(revenue) OVER (ORDER BY day) FROM ("
        "SELECT CAST(sold_at AS DATE) AS day, sum(price * quantity) AS revenue FROM sales "
        "GROUP BY 1) ORDER BY day",
    ),
    "running_sum": (
        "SELECT title, sold_at, sum(quantity) OVER (PARTITION BY genre ORDER BY sold_at, title "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running FROM sales "
        "WHERE genre = 'Poetry' ORDER BY sold_at, title LIMIT 60",
        "SELECT title, sold_at, sum(quantity) OVER (PARTITION BY genre ORDER BY sold_at, title "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM sales "
        "WHERE genre = 'Poetry' ORDER BY sold_at, title LIMIT 60",
    ),
    "date_trunc_month": (
        "SELECT date_trunc('month', sold_at) AS month, count(*) FROM sales GROUP BY 1 ORDER BY 1",
        "SELECT date_trunc('month', sold_at), count(*) FROM sales GROUP BY 1 ORDER BY 1",
    ),
    "date_format": (
        "SELECT date_format(sold_at, '%Y-%m-%d') AS d, sum(quantity) FROM sales "
        "WHERE sold_at < TIMESTAMP '2024-01-08 00:00:00' GROUP BY 1 ORDER BY 1",
        "SELECT strftime(sold_at, '%Y-%m-%d'), sum(quantity) FROM sales "
        "WHERE sold_at < TIMESTAMP '2024-01-08 00:00:00' GROUP BY 1 ORDER BY 1",
    ),
    "day_of_week": (
        "SELECT day_of_week(sold_at) AS dow, count(*) FROM sales GROUP BY 1 ORDER BY 1",
        "SELECT isodow(sold_at), count(*) FROM sales GROUP BY 1 ORDER BY 1",
    ),
    "date_add_and_diff": (
        "SELECT title, date_add('day', 7, sold_at) AS due, "
        "date_diff('day', TIMESTAMP '2024-01-01 00:00:00', sold_at) AS age "
        "FROM sales ORDER BY sold_at, title LIMIT 15",
        "SELECT title, sold_at + INTERVAL 7 DAY, "
        "date_diff('day', TIMESTAMP '2024-01-01 00:00:00', sold_at) "
        "FROM sales ORDER BY sold_at, title LIMIT 15",
    ),
    "csv_table": (
        "SELECT city, count(*) AS stores, sum(sqft) AS area, min(opened) AS first "
        "FROM stores GROUP BY city ORDER BY city",
        "SELECT city, count(*), sum(sqft), min(opened) FROM stores GROUP BY city ORDER BY city",
    ),
    "json_table": (
        "SELECT stars, count(*) FROM reviews WHERE reviewed_on >= DATE '2024-02-01' "
        "GROUP BY stars ORDER BY stars",
        "SELECT stars, count(*) FROM reviews WHERE reviewed_on >= DATE '2024-02-01' "
        "GROUP BY stars ORDER BY stars",
    ),
    "join_three_formats": (
        "SELECT st.city, s.genre, count(DISTINCT r.review) AS reviews FROM sales s "
        "JOIN stores st ON s.store_id = st.store_id JOIN reviews r ON r.title = s.title "
        "WHERE r.stars >= 4 GROUP BY st.city, s.genre ORDER BY st.city, s.genre",
        "SELECT st.city, s.genre, count(DISTINCT r.review) FROM sales s "
        "JOIN stores st ON s.store_id = st.store_id JOIN reviews r ON r.title = s.title "
        "WHERE r.stars >= 4 GROUP BY st.city, s.genre ORDER BY st.city, s.genre",
    ),
    "cte_having": (
        "WITH per_title AS (SELECT title, sum(quantity) AS q FROM sales GROUP BY title) "
        "SELECT title, q FROM per_title WHERE q > (SELECT avg(q) FROM per_title) "
        "ORDER BY q DESC, title",
        "WITH per_title AS (SELECT title, sum(quantity) AS q FROM sales GROUP BY title) "
        "SELECT title, q FROM per_title WHERE q > (SELECT avg(q) FROM per_title) "
        "ORDER BY q DESC, title",
    ),
    "union_and_in": (
        "SELECT 'top' AS kind, title FROM reviews WHERE stars = 5 AND title IN "
        "(SELECT title FROM sales WHERE genre IN ('History', 'Poetry')) "
        "UNION SELECT 'store', city FROM stores ORDER BY 1, 2",
        "SELECT 'top', title FROM reviews WHERE stars = 5 AND title IN "
        "(SELECT title FROM sales WHERE genre IN ('History', 'Poetry')) "
        "UNION SELECT 'store', city FROM stores ORDER BY 1, 2",
    ),
    "left_join_nulls": (
        "SELECT s.store_id, st.city FROM (SELECT DISTINCT store_id FROM sales) s "
        "LEFT JOIN (SELECT * FROM stores WHERE city <> 'Faro') st ON s.store_id = st.store_id "
        "ORDER BY s.store_id",
        "SELECT s.store_id, st.city FROM (SELECT DISTINCT store_id FROM sales) s "
        "LEFT JOIN (SELECT * FROM stores WHERE city <> 'Faro') st ON s.store_id = st.store_id "
        "ORDER BY s.store_id",
    ),
    "fully_qualified_names": (
        'SELECT count(*) FROM "awsdatacatalog"."{database}"."sales" WHERE genre = \'Fiction\'',
        "SELECT count(*) FROM sales WHERE genre = 'Fiction'",
    ),
}


@pytest.mark.parametrize("case", sorted(SAME_ANSWER))
def test_select_matches_duckdb(store: Bookstore, case: str) -> None:
    athena_sql, duck_sql = SAME_ANSWER[case]
    answer = store.athena.run(athena_sql.replace("{database}", store.database))
    assert_rows(answer.rows, store.duck_rows(duck_sql))


def test_partition_pruning_scans_only_the_matching_partition(store: Bookstore) -> None:
    full = store.athena.run("SELECT sum(quantity) FROM sales")
    one = store.athena.run("SELECT sum(quantity), count(*) FROM sales WHERE genre = 'History'")
    assert_rows(
        one.rows,
        store.duck_rows("SELECT sum(quantity), count(*) FROM sales WHERE genre = 'History'"),
    )
    quantity = {"quantity"}
    assert full.scanned == parquet_chunk_bytes(store.s3, store.bucket, "sales/", quantity)
    assert one.scanned == parquet_chunk_bytes(
        store.s3, store.bucket, "sales/genre=History/", quantity
    )
    assert 0 < one.scanned < full.scanned


def test_column_types_and_names(store: Bookstore) -> None:
    answer = store.athena.run(
        "SELECT title, price, quantity, count(*) OVER () AS n, sold_at, date(sold_at), "
        "quantity > 2 AS big, CAST(1.5 AS double) FROM sales LIMIT 1"
    )
    assert answer.names == ["title", "price", "quantity", "n", "sold_at", "_col5", "big", "_col7"]
    assert answer.types == [
        "varchar",
        "decimal",
        "integer",
        "bigint",
        "timestamp",
        "date",
        "boolean",
        "double",
    ]
    price = answer.columns[1]
    assert (price["Precision"], price["Scale"]) == (10, 2)


def test_integer_division_truncates_like_trino(store: Bookstore) -> None:
    answer = store.athena.run(
        "SELECT 5 / 2, -7 / 2, sum(quantity) / count(*), 7 % 3, 5.0 / 2 FROM sales"
    )
    total, count = store.duck_rows("SELECT sum(quantity), count(*) FROM sales")[0]
    assert answer.rows == [("2", "-3", str(int(total / count)), "1", answer.rows[0][4])]
    assert float(answer.rows[0][4]) == 2.5
    assert answer.types[:3] == ["integer", "integer", "bigint"]


def test_decimal_semantics(store: Bookstore) -> None:
    answer = store.athena.run(
        "SELECT sum(price * quantity), sum(price * quantity) / sum(quantity), avg(price), "
        "CAST(12.5 AS DECIMAL), CAST(price AS DECIMAL(12, 1)) FROM sales "
        "GROUP BY price ORDER BY price LIMIT 1"
    )
    price = store.duck_rows("SELECT min(price) FROM sales")[0][0]
    amount, quantity = store.duck_rows(
        f"SELECT sum(price * quantity), sum(quantity) FROM sales WHERE price = {price}"
    )[0]
    cent = Decimal("0.01")
    assert answer.rows == [
        (
            str(amount),
            str((Decimal(amount) / quantity).quantize(cent, ROUND_HALF_UP)),
            str(price),
            "13",  # DECIMAL without precision is decimal(38,0): 12.5 rounds half up
            str(Decimal(price).quantize(Decimal("0.1"), ROUND_HALF_UP)),
        )
    ]
    assert answer.types == ["decimal"] * 5
    assert [(c["Precision"], c["Scale"]) for c in answer.columns[2:4]] == [(10, 2), (38, 0)]


def test_execution_parameters(store: Bookstore) -> None:
    answer = store.athena.run(
        "SELECT count(*) FROM sales WHERE genre = ? AND quantity >= ?",
        ExecutionParameters=["'Science Fiction'", "3"],
    )
    assert_rows(
        answer.rows,
        store.duck_rows(
            "SELECT count(*) FROM sales WHERE genre = 'Science Fiction' AND quantity >= 3"
        ),
    )


def test_pagination_returns_every_row_in_order(store: Bookstore) -> None:
    sql = "SELECT title, sold_at, quantity FROM sales ORDER BY sold_at, title, quantity"
    execution = store.athena.wait(store.athena.start(sql))
    client = store.athena.client
    first = client.get_query_results(
        QueryExecutionId=execution["QueryExecutionId"], MaxResults=1000
    )
    assert len(first["ResultSet"]["Rows"]) == 1000 and "NextToken" in first
    with pytest.raises(client.exceptions.InvalidRequestException):
        client.get_query_results(QueryExecutionId=execution["QueryExecutionId"], MaxResults=1001)
    answer = store.athena.run(sql)
    assert len(answer.rows) == ROWS
    assert_rows(answer.rows, store.duck_rows(sql))


def test_results_csv_and_metadata_in_the_output_location(store: Bookstore) -> None:
    answer = store.athena.run(
        "SELECT store_id, city, CAST(NULL AS varchar) AS nothing, '' AS empty, 'say \"hi\"' AS q "
        "FROM stores ORDER BY store_id"
    )
    location = answer.execution["ResultConfiguration"]["OutputLocation"]
    query_id = answer.execution["QueryExecutionId"]
    assert location == f"s3://{store.bucket}/results/{query_id}.csv"
    body = store.s3.get_object(Bucket=store.bucket, Key=f"results/{query_id}.csv")["Body"].read()
    lines = body.decode().splitlines()
    assert lines[0] == '"store_id","city","nothing","empty","q"'
    assert lines[1] == '"1","Lisbon",,"","say ""hi"""'
    parsed = list(csv.reader(io.StringIO(body.decode())))[1:]
    expected = store.duck_rows("SELECT store_id, city FROM stores ORDER BY store_id")
    assert [(r[0], r[1]) for r in parsed] == [(str(a), b) for a, b in expected]
    assert answer.rows[0] == ("1", "Lisbon", None, "", 'say "hi"')
    metadata = store.s3.get_object(Bucket=store.bucket, Key=f"results/{query_id}.csv.metadata")
    assert b"city" in metadata["Body"].read()
    stats = answer.execution["Statistics"]
    assert stats["TotalExecutionTimeInMillis"] >= stats["EngineExecutionTimeInMillis"] >= 0


# --- CTAS, UNLOAD, views, DDL ----------------------------------------------------------------


def test_ctas_partitioned_parquet_registers_the_table(store: Bookstore) -> None:
    location = f"s3://{store.bucket}/ctas/top_sales/"
    answer = store.athena.run(
        "CREATE TABLE top_sales WITH (format = 'PARQUET', write_compression = 'SNAPPY', "
        f"external_location = '{location}', partitioned_by = ARRAY['genre']) AS "
        "SELECT title, price, quantity, genre FROM sales WHERE quantity >= 4"
    )
    expected_count = store.duck_rows("SELECT count(*) FROM sales WHERE quantity >= 4")[0][0]
    assert answer.update_count == expected_count
    table = store.session.client("glue").get_table(DatabaseName=store.database, Name="top_sales")
    assert [k["Name"] for k in table["Table"]["PartitionKeys"]] == ["genre"]
    assert table["Table"]["StorageDescriptor"]["Location"] == location
    assert "Parquet" in table["Table"]["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"]
    keys = [
        o["Key"]
        for o in store.s3.list_objects_v2(Bucket=store.bucket, Prefix="ctas/top_sales/")["Contents"]
    ]
    assert any(k.startswith("ctas/top_sales/genre=Science Fiction/") for k in keys)
    manifest = answer.execution["Statistics"]["DataManifestLocation"]
    listed = store.s3.get_object(Bucket=store.bucket, Key=manifest.split("/", 3)[3])["Body"]
    assert sorted(listed.read().decode().splitlines()) == sorted(
        f"s3://{store.bucket}/{k}" for k in keys
    )
    again = store.athena.run(
        "SELECT genre, count(*), sum(price * quantity) FROM top_sales GROUP BY genre ORDER BY genre"
    )
    assert_rows(
        again.rows,
        store.duck_rows(
            "SELECT genre, count(*), sum(price * quantity) FROM sales WHERE quantity >= 4 "
            "GROUP BY genre ORDER BY genre"
        ),
    )
    partitions = store.athena.run("SHOW PARTITIONS top_sales")
    assert partitions.rows == [(f"genre={g}",) for g in sorted(GENRES)]


def test_ctas_json_default_location_and_name_checks(store: Bookstore) -> None:
    answer = store.athena.run(
        "CREATE TABLE stores_json WITH (format = 'JSON') AS "
        "SELECT city, count(*) AS n FROM stores GROUP BY city"
    )
    query_id = answer.execution["QueryExecutionId"]
    table = store.session.client("glue").get_table(DatabaseName=store.database, Name="stores_json")
    sd = table["Table"]["StorageDescriptor"]
    assert sd["Location"] == f"s3://{store.bucket}/results/tables/{query_id}/"
    assert [(c["Name"], c["Type"]) for c in sd["Columns"]] == [("city", "string"), ("n", "bigint")]
    again = store.athena.run("SELECT city, n FROM stores_json ORDER BY city")
    assert_rows(
        again.rows, store.duck_rows("SELECT city, count(*) FROM stores GROUP BY city ORDER BY city")
    )
    unnamed = store.athena.fail("CREATE TABLE nameless AS SELECT count(*) FROM stores")
    assert "Column name not specified" in unnamed["StateChangeReason"]
    exists = store.athena.fail("CREATE TABLE stores_json AS SELECT 1 AS x")
    assert "already exists" in exists["StateChangeReason"]


def test_insert_into_appends_files_and_partitions(store: Bookstore) -> None:
    select = (
        "SELECT s.title, s.quantity, st.city FROM sales s JOIN stores st "
        "ON s.store_id = st.store_id WHERE st.city {} 'Lisbon'"
    )
    store.athena.run(
        "CREATE TABLE city_sales WITH (format = 'PARQUET', partitioned_by = ARRAY['city']) AS "
        + select.format("=")
    )
    inserted = store.athena.run("INSERT INTO city_sales " + select.format("<>"))
    assert inserted.execution["StatementType"] == "DML"
    assert (
        inserted.update_count
        == store.duck_rows("SELECT count(*) FROM (" + select.format("<>") + ")")[0][0]
    )
    answer = store.athena.run(
        "SELECT city, count(*), sum(quantity) FROM city_sales GROUP BY city ORDER BY city"
    )
    assert_rows(
        answer.rows,
        store.duck_rows(
            "SELECT st.city, count(*), sum(s.quantity) FROM sales s JOIN stores st "
            "ON s.store_id = st.store_id GROUP BY st.city ORDER BY st.city"
        ),
    )
    cities = sorted({row[0] for row in store.duck_rows("SELECT city FROM stores")})
    assert store.athena.run("SHOW PARTITIONS city_sales").rows == [(f"city={c}",) for c in cities]


def test_unload_partitioned_parquet(store: Bookstore, tmp_path: Path) -> None:
    answer = store.athena.run(
        "UNLOAD (SELECT title, quantity, age_group FROM sales WHERE genre = 'Poetry') "
        f"TO 's3://{store.bucket}/unload/poetry/' WITH (format = 'PARQUET', "
        "compression = 'SNAPPY', partitioned_by = ARRAY['age_group'])"
    )
    assert answer.execution["StatementType"] == "DML"
    files = download_prefix(store.s3, store.bucket, "unload/poetry/", tmp_path)
    assert any("age_group=teen" in str(p) for p in files)
    written = (
        duckdb.connect()
        .execute(
            "SELECT age_group, count(*), sum(quantity) FROM "
            f"read_parquet('{tmp_path}/unload/poetry/**/*', "
            "hive_partitioning = true) GROUP BY 1 ORDER BY 1"
        )
        .fetchall()
    )
    expected = store.duck_rows(
        "SELECT age_group, count(*), sum(quantity) FROM sales WHERE genre = 'Poetry' "
        "GROUP BY 1 ORDER BY 1"
    )
    assert [(str(a) if a else None, b, int(c)) for a, b, c in written] == [
        (a, b, int(c)) for a, b, c in expected
    ]
    manifest = answer.execution["Statistics"]["DataManifestLocation"]
    assert (
        manifest
        == f"s3://{store.bucket}/results/{answer.execution['QueryExecutionId']}-manifest.csv"
    )


def test_views_are_presto_views_in_the_catalog(store: Bookstore) -> None:
    store.athena.run(
        "CREATE VIEW genre_revenue AS SELECT genre, sum(price * quantity) AS revenue "
        "FROM sales GROUP BY genre"
    )
    table = store.session.client("glue").get_table(
        DatabaseName=store.database, Name="genre_revenue"
    )
    assert table["Table"]["TableType"] == "VIRTUAL_VIEW"
    assert table["Table"]["ViewOriginalText"].startswith("/* Presto View: ")
    answer = store.athena.run(
        "SELECT v.genre, v.revenue FROM genre_revenue v WHERE v.revenue > 0 ORDER BY v.revenue DESC"
    )
    assert_rows(
        answer.rows,
        store.duck_rows(
            "SELECT genre, sum(price * quantity) AS r FROM sales GROUP BY genre ORDER BY r DESC"
        ),
    )
    store.athena.run(
        "CREATE OR REPLACE VIEW genre_revenue AS "
        "SELECT genre, count(*) AS n FROM sales GROUP BY genre"
    )
    replaced = store.athena.run("SELECT genre, n FROM genre_revenue ORDER BY genre")
    assert_rows(
        replaced.rows,
        store.duck_rows("SELECT genre, count(*) FROM sales GROUP BY genre ORDER BY genre"),
    )
    assert ("genre_revenue",) in store.athena.run("SHOW VIEWS").rows
    store.athena.run("DROP VIEW genre_revenue")
    missing = store.athena.fail("SELECT * FROM genre_revenue")
    assert "TABLE_NOT_FOUND" in missing["StateChangeReason"]


def test_msck_repair_and_add_partition(store: Bookstore) -> None:
    location = f"s3://{store.bucket}/sales/"
    for name in ("sales_repaired", "sales_manual"):
        store.athena.run(
            f"CREATE EXTERNAL TABLE {name} (title string, price decimal(10,2), age_group string, "
            "sold_at timestamp, quantity int, store_id int) PARTITIONED BY (genre string) "
            f"STORED AS PARQUET LOCATION '{location}'"
        )
    assert store.athena.run("SELECT count(*) FROM sales_repaired").rows == [("0",)]
    repair = store.athena.run("MSCK REPAIR TABLE sales_repaired")
    output = (
        store.s3.get_object(
            Bucket=store.bucket, Key=f"results/{repair.execution['QueryExecutionId']}.txt"
        )["Body"]
        .read()
        .decode()
    )
    assert "Repair: Added partition to metastore sales_repaired:genre=Poetry" in output
    answer = store.athena.run("SELECT genre, count(*) FROM sales_repaired GROUP BY 1 ORDER BY 1")
    assert_rows(
        answer.rows, store.duck_rows("SELECT genre, count(*) FROM sales GROUP BY 1 ORDER BY 1")
    )
    store.athena.run(
        "ALTER TABLE sales_manual ADD IF NOT EXISTS PARTITION (genre = 'History') "
        f"LOCATION '{location}genre=History/' PARTITION (genre = 'Poetry')"
    )
    manual = store.athena.run("SELECT genre, sum(quantity) FROM sales_manual GROUP BY 1 ORDER BY 1")
    assert_rows(
        manual.rows,
        store.duck_rows(
            "SELECT genre, sum(quantity) FROM sales WHERE genre IN ('History', 'Poetry') "
            "GROUP BY 1 ORDER BY 1"
        ),
    )
    store.athena.run("ALTER TABLE sales_manual DROP PARTITION (genre = 'Poetry')")
    assert store.athena.run("SHOW PARTITIONS sales_manual").rows == [("genre=History",)]


def test_show_and_describe(store: Bookstore) -> None:
    tables = {row[0] for row in store.athena.run("SHOW TABLES").rows}
    assert {"sales", "stores", "reviews"} <= tables
    assert store.athena.run("SHOW TABLES 'stor*s|nothing*'").rows == [("stores",)]
    assert (store.database,) in store.athena.run("SHOW DATABASES").rows
    columns = [r[0].strip() for r in store.athena.run("SHOW COLUMNS IN stores").rows]
    assert columns == ["store_id", "city", "opened", "sqft"]
    described = store.athena.run(f"DESCRIBE `{store.database}`.`sales`")
    assert described.execution["StatementType"] == "UTILITY"
    names = [r[0].strip() for r in described.rows]
    assert names[:7] == ["title", "price", "age_group", "sold_at", "quantity", "store_id", "genre"]
    assert "# Partition Information" in names
    assert described.rows[1][1].strip() == "decimal(10,2)"
    table = wr.athena.describe_table(
        "sales",
        database=store.database,
        s3_output=store.athena.output,
        boto3_session=store.session,
    )
    assert table.loc[table["Column Name"] == "genre", "Partition"].item() is True


def test_database_and_table_ddl(store: Bookstore) -> None:
    scratch = unique("athena_scratch", sep="_")
    glue = store.session.client("glue")
    store.athena.run(f"CREATE DATABASE {scratch} COMMENT 'scratch space'")
    assert glue.get_database(Name=scratch)["Database"]["Description"] == "scratch space"
    dbs = store.athena.client.list_databases(CatalogName="AwsDataCatalog")["DatabaseList"]
    assert scratch in {d["Name"] for d in dbs}
    store.athena.run(
        f"CREATE EXTERNAL TABLE {scratch}.copy_of_stores (store_id int, city string) "
        f"ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://{store.bucket}/stores/' "
        "TBLPROPERTIES ('skip.header.line.count'='1')"
    )
    answer = store.athena.run(f"SELECT count(*) FROM {scratch}.copy_of_stores")
    assert answer.rows == [("5",)]
    not_empty = store.athena.fail(f"DROP DATABASE {scratch}")
    assert "is not empty" in not_empty["StateChangeReason"]
    store.athena.run(f"DROP TABLE {scratch}.copy_of_stores")
    assert store.s3.head_object(Bucket=store.bucket, Key="stores/stores.csv")  # data stays
    store.athena.run(f"DROP DATABASE IF EXISTS {scratch} CASCADE")
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_database(Name=scratch)


# --- failures ----------------------------------------------------------------------------------


def test_syntax_error(store: Bookstore) -> None:
    status = store.athena.fail("SELECT title, FROM WHERE sales")
    assert status["StateChangeReason"].startswith("SYNTAX_ERROR: line 1:")
    assert status["AthenaError"]["ErrorCategory"] == 2
    assert status["AthenaError"]["ErrorMessage"] == status["StateChangeReason"]
    assert status["AthenaError"]["Retryable"] is False
    two = store.athena.fail("SELECT 1; SELECT 2")
    assert "Only one sql statement is allowed" in two["StateChangeReason"]


def test_missing_table_and_column(store: Bookstore) -> None:
    table = store.athena.fail("SELECT * FROM no_such_table")
    assert table["StateChangeReason"] == (
        f"TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.{store.database}.no_such_table' "
        "does not exist"
    )
    column = store.athena.fail("SELECT titel FROM sales")
    assert column["StateChangeReason"].startswith(
        "COLUMN_NOT_FOUND: line 1:8: Column 'titel' cannot be resolved"
    )
    schema = store.athena.fail("SELECT * FROM no_such_db.sales")
    assert schema["StateChangeReason"].startswith("SCHEMA_NOT_FOUND")


def test_type_mismatch_and_division_by_zero(store: Bookstore) -> None:
    mismatch = store.athena.fail("SELECT title + 1 FROM sales")
    assert mismatch["StateChangeReason"] == (
        "TYPE_MISMATCH: line 1:14: Cannot apply operator: varchar + integer"
    )
    zero = store.athena.fail("SELECT quantity / 0 FROM sales")
    assert zero["StateChangeReason"] == "DIVISION_BY_ZERO: Division by zero"


def test_sql_cannot_touch_local_files(store: Bookstore) -> None:
    for sql in (
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        f"SELECT * FROM read_parquet('{store.data_dir}/sales/**/*.parquet')",
    ):
        status = store.athena.fail(sql)
        assert status["StateChangeReason"].startswith("PERMISSION_DENIED: Access Denied"), sql


def _put_parquet(store: Bookstore, key: str, table: Any) -> None:
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    store.s3.put_object(Bucket=store.bucket, Key=key, Body=buffer.getvalue())


def test_parquet_files_with_different_schemas_are_read_by_column_name(store: Bookstore) -> None:
    """Schema evolution: a later file reorders columns, widens a type and adds a column; the
    older file reads NULL for the new column, as Athena reads Parquet by name."""
    import pyarrow as pa

    table = unique("evolving", sep="_")
    _put_parquet(
        store,
        f"{table}/part-0.parquet",
        pa.table({"id": pa.array([1], pa.int32()), "name": ["first"]}),
    )
    _put_parquet(
        store,
        f"{table}/part-1.parquet",
        pa.table({"note": ["added"], "name": ["second"], "id": pa.array([2], pa.int64())}),
    )
    store.athena.run(
        f"CREATE EXTERNAL TABLE {table} (id bigint, name string, note string) "
        f"STORED AS PARQUET LOCATION 's3://{store.bucket}/{table}/'"
    )
    answer = store.athena.run(f"SELECT id, name, note FROM {table} ORDER BY id")
    assert answer.rows == [("1", "first", None), ("2", "second", "added")]


def test_parquet_columns_after_a_nested_column_are_found(store: Bookstore) -> None:
    """Files of one schema with a struct column: the columns after it are still present."""
    import pyarrow as pa

    table = unique("nested", sep="_")
    for i in range(2):
        _put_parquet(
            store,
            f"{table}/part-{i}.parquet",
            pa.table(
                {
                    "item": pa.array(
                        [{"sku": f"s{i}", "sizes": [i, i + 1]}],
                        pa.struct([("sku", pa.string()), ("sizes", pa.list_(pa.int32()))]),
                    ),
                    "store": [f"store {i}"],
                }
            ),
        )
    store.athena.run(
        f"CREATE EXTERNAL TABLE {table} (item struct<sku:string,sizes:array<int>>, store string) "
        f"STORED AS PARQUET LOCATION 's3://{store.bucket}/{table}/'"
    )
    answer = store.athena.run(f"SELECT store, item.sku FROM {table} ORDER BY store")
    assert answer.rows == [("store 0", "s0"), ("store 1", "s1")]


def test_a_rewritten_parquet_object_is_read_with_its_new_schema(store: Bookstore) -> None:
    """The same key overwritten with a file that has one more column: the next query sees
    it (what the engine remembers about a file is kept per object version)."""
    import pyarrow as pa

    table = unique("rewritten", sep="_")
    key = f"{table}/part-0.parquet"
    _put_parquet(store, key, pa.table({"id": [1], "name": ["before"]}))
    store.athena.run(
        f"CREATE EXTERNAL TABLE {table} (id bigint, name string, note string) "
        f"STORED AS PARQUET LOCATION 's3://{store.bucket}/{table}/'"
    )
    assert store.athena.run(f"SELECT id, name, note FROM {table}").rows == [("1", "before", None)]
    _put_parquet(store, key, pa.table({"id": [1], "name": ["after"], "note": ["new"]}))
    assert store.athena.run(f"SELECT id, name, note FROM {table}").rows == [("1", "after", "new")]
