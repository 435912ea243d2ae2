"""Redshift Data API on the local cloud: Redshift SQL checked against DuckDB on the same files.

Every answer the local Redshift gives is compared with one computed independently: the
test downloads the very S3 objects with boto3 into ``tmp_path`` and queries them with
DuckDB directly. The cloud is shared by the test session: names are unique.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import awswrangler as wr
import boto3
import duckdb
import pandas as pd
import pytest

from tests.helpers import unique

pytestmark = pytest.mark.localcloud

ROLE = "arn:aws:iam::123456789012:role/redshift-spectrum"
GENRES = ["Fiction", "Mystery", "Science", "History", "Poetry"]
FINAL = ("FINISHED", "FAILED", "ABORTED")
ROWS = 2500


class Redshift:
    """A Redshift Data API client bound to one workgroup and database, as a user writes it."""

    def __init__(self, session: boto3.Session, workgroup: str, database: str = "dev") -> None:
        self.client = session.client("redshift-data")
        self.workgroup = workgroup
        self.database = database

    def submit(self, sql: str, **kwargs: Any) -> str:
        return self.client.execute_statement(
            WorkgroupName=self.workgroup, Database=self.database, Sql=sql, **kwargs
        )["Id"]

    def wait(self, statement_id: str, deadline_s: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + deadline_s
        while True:
            described = self.client.describe_statement(Id=statement_id)
            if described["Status"] in FINAL:
                return described
            if time.monotonic() > deadline:
                raise TimeoutError(f"{statement_id} still {described['Status']}")
            time.sleep(0.01)

    def run(self, sql: str, **kwargs: Any) -> dict[str, Any]:
        """Run ``sql``; the DescribeStatement of the finished statement (must be FINISHED)."""
        described = self.wait(self.submit(sql, **kwargs))
        assert described["Status"] == "FINISHED", (sql, described.get("Error"))
        return described

    def fail(self, sql: str, **kwargs: Any) -> str:
        """Run ``sql`` expecting FAILED; its Error."""
        described = self.wait(self.submit(sql, **kwargs))
        assert described["Status"] == "FAILED", (sql, described)
        return described["Error"]

    def result(self, statement_id: str) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
        """(ColumnMetadata, rows as Python values) over every page."""
        pages = self.client.get_paginator("get_statement_result").paginate(Id=statement_id)
        columns: list[dict[str, Any]] = []
        rows: list[tuple[Any, ...]] = []
        for page in pages:
            columns = page["ColumnMetadata"]
            rows.extend(
                tuple(value(f, c) for f, c in zip(r, columns, strict=True)) for r in page["Records"]
            )
        return columns, rows

    def query(self, sql: str, **kwargs: Any) -> list[tuple[Any, ...]]:
        described = self.run(sql, **kwargs)
        assert described["HasResultSet"]
        return self.result(described["Id"])[1]


def value(field: dict[str, Any], column: dict[str, Any]) -> Any:
    """A Field as a Python value, typed by its column's Redshift type."""
    if field.get("isNull"):
        return None
    for key in ("longValue", "doubleValue", "booleanValue"):
        if key in field:
            return field[key]
    text = field["stringValue"]
    if column["typeName"] == "numeric":
        return Decimal(text)
    if column["typeName"] == "date":
        return dt.date.fromisoformat(text)
    if column["typeName"] == "timestamp":
        return dt.datetime.fromisoformat(text)
    return text


def sales_frame(rows: int = ROWS) -> pd.DataFrame:
    rng = random.Random(7)
    start = dt.date(2024, 1, 1)
    return pd.DataFrame(
        {
            "sale_id": list(range(1, rows + 1)),
            "title": [f"Book {rng.randint(1, 400)}" for _ in range(rows)],
            "genre": [rng.choice(GENRES) for _ in range(rows)],
            "store_id": [rng.randint(1, 4) for _ in range(rows)],
            "quantity": [rng.randint(1, 5) for _ in range(rows)],
            "price": [Decimal(rng.randint(199, 4999)) / 100 for _ in range(rows)],
            "sold_at": [start + dt.timedelta(days=rng.randint(0, 89)) for _ in range(rows)],
        }
    )


def download(session: boto3.Session, bucket: str, prefix: str, target: Path) -> list[Path]:
    """The objects under ``prefix``, downloaded with boto3 (keeping hive folders)."""
    s3 = session.client("s3")
    paths = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            path = target / obj["Key"]
            path.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, obj["Key"], str(path))
            paths.append(path)
    assert paths, f"nothing under s3://{bucket}/{prefix}"
    return paths


def duck(sql: str, **tables: str) -> list[tuple[Any, ...]]:
    """The answer computed directly with DuckDB (``tables``: name → SELECT over local files)."""
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    for name, body in tables.items():
        con.execute(f"CREATE VIEW {name} AS {body}")
    return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def warehouse(session: boto3.Session, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A workgroup with the sales data in S3 (Parquet, CSV, a partitioned Glue table)."""
    serverless = session.client("redshift-serverless")
    namespace, workgroup = unique("ns"), unique("wg")
    serverless.create_namespace(namespaceName=namespace, dbName="dev", iamRoles=[ROLE])
    serverless.create_workgroup(workgroupName=workgroup, namespaceName=namespace)
    bucket = unique("rs-data")
    session.client("s3").create_bucket(Bucket=bucket)
    frame = sales_frame()
    dtype = {"price": "decimal(10,2)", "sale_id": "bigint", "store_id": "int", "quantity": "int"}
    wr.s3.to_parquet(
        frame, f"s3://{bucket}/parquet/", dataset=True, dtype=dtype, boto3_session=session
    )
    wr.s3.to_csv(frame, f"s3://{bucket}/csv/sales.csv", index=False, boto3_session=session)
    glue_db = unique("retail", sep="_")
    wr.catalog.create_database(glue_db, boto3_session=session)
    wr.s3.to_parquet(
        frame,
        f"s3://{bucket}/spectrum/sales/",
        dataset=True,
        database=glue_db,
        table="sales",
        partition_cols=["genre"],
        dtype=dtype,
        boto3_session=session,
    )
    local = tmp_path_factory.mktemp("redshift-files")
    download(session, bucket, "parquet/", local)
    download(session, bucket, "csv/", local)
    download(session, bucket, "spectrum/", local)
    redshift = Redshift(session, workgroup)
    redshift.run(
        "CREATE TABLE stores (store_id INT ENCODE az64, city VARCHAR(40), opened DATE) "
        "DISTSTYLE ALL SORTKEY(store_id)"
    )
    redshift.run(
        "INSERT INTO stores VALUES (1, 'Lisbon', '2020-01-15'), (2, 'Porto', '2021-06-01'), "
        "(3, 'Braga', '2022-03-10'), (4, 'Faro', NULL)"
    )
    redshift.run(
        "CREATE TABLE sales (sale_id BIGINT, title VARCHAR(100), genre VARCHAR(20), "
        "store_id INTEGER, quantity INTEGER, price DECIMAL(10,2), sold_at DATE) "
        "DISTKEY(store_id) COMPOUND SORTKEY(sold_at, sale_id)"
    )
    copied = redshift.run(
        f"COPY sales FROM 's3://{bucket}/parquet/' IAM_ROLE '{ROLE}' FORMAT AS PARQUET"
    )
    assert copied["ResultRows"] == ROWS
    redshift.run(
        f"CREATE EXTERNAL SCHEMA spectrum FROM DATA CATALOG DATABASE '{glue_db}' "
        f"IAM_ROLE '{ROLE}' CREATE EXTERNAL DATABASE IF NOT EXISTS"
    )
    return {
        "session": session,
        "workgroup": workgroup,
        "namespace": namespace,
        "bucket": bucket,
        "glue_db": glue_db,
        "redshift": redshift,
        "local": local,
        "parquet": f"read_parquet('{local}/parquet/*.parquet')",
        "csv": f"read_csv('{local}/csv/sales.csv', header = true)",
        "spectrum": (
            f"read_parquet('{local}/spectrum/sales/*/*.parquet', hive_partitioning = true)"
        ),
        "stores": (
            "SELECT * FROM (VALUES (1, 'Lisbon', DATE '2020-01-15'), (2, 'Porto', DATE "
            "'2021-06-01'), (3, 'Braga', DATE '2022-03-10'), (4, 'Faro', NULL)) "
            "s(store_id, city, opened)"
        ),
    }


@pytest.fixture
def rs(warehouse: dict[str, Any]) -> Redshift:
    return warehouse["redshift"]


def test_local_tables_persist_across_statements(rs: Redshift, warehouse: dict[str, Any]):
    rows = rs.query("SELECT store_id, city, opened FROM stores ORDER BY store_id")
    assert rows == duck("SELECT * FROM stores ORDER BY store_id", stores=warehouse["stores"])
    columns, _ = rs.result(rs.run("SELECT * FROM stores LIMIT 1")["Id"])
    assert [c["typeName"] for c in columns] == ["int4", "varchar", "date"]


def test_copy_parquet_loads_every_row(rs: Redshift, warehouse: dict[str, Any]):
    sql = "SELECT count(*), sum(price), min(sold_at), max(sold_at), sum(quantity) FROM sales"
    rows = rs.query(sql)
    assert rows == duck(sql, sales=f"SELECT * FROM {warehouse['parquet']}")
    columns, _ = rs.result(rs.run(sql)["Id"])
    assert [c["typeName"] for c in columns] == ["int8", "numeric", "date", "date", "int8"]
    assert (columns[1]["precision"], columns[1]["scale"]) == (38, 2)


def test_copy_csv_with_ignoreheader(rs: Redshift, warehouse: dict[str, Any]):
    table = unique("sales_csv", sep="_")
    rs.run(f"CREATE TABLE {table} (LIKE sales)")
    copied = rs.run(
        f"COPY {table} FROM 's3://{warehouse['bucket']}/csv/' IAM_ROLE '{ROLE}' "
        "FORMAT AS CSV DELIMITER ',' IGNOREHEADER 1"
    )
    assert copied["ResultRows"] == ROWS
    sql = (
        f"SELECT genre, count(*), sum(price), max(title) FROM {table} GROUP BY genre ORDER BY genre"
    )
    expected = duck(
        "SELECT genre, count(*), CAST(sum(price) AS DECIMAL(38,2)), max(title) FROM sales "
        "GROUP BY genre ORDER BY genre",
        sales=f"SELECT * FROM {warehouse['csv']}",
    )
    assert rs.query(sql) == expected


def test_spectrum_join_with_local_table(rs: Redshift, warehouse: dict[str, Any]):
    sql = (
        "SELECT st.city, s.genre, count(*) AS sales, sum(s.price * s.quantity) AS revenue "
        "FROM spectrum.sales s JOIN stores st ON st.store_id = s.store_id "
        "GROUP BY st.city, s.genre ORDER BY st.city, s.genre"
    )
    expected = duck(
        "SELECT st.city, s.genre, count(*), sum(s.price * s.quantity) FROM sales s "
        "JOIN stores st ON st.store_id = s.store_id GROUP BY 1, 2 ORDER BY 1, 2",
        sales=f"SELECT * FROM {warehouse['spectrum']}",
        stores=warehouse["stores"],
    )
    rows = rs.query(sql)
    assert len(rows) == 20 and rows == expected


def test_spectrum_partition_filter(rs: Redshift, warehouse: dict[str, Any]):
    sql = "SELECT count(*), sum(quantity) FROM spectrum.sales WHERE genre = 'Poetry'"
    assert rs.query(sql) == duck(
        sql.replace("spectrum.", ""), sales=f"SELECT * FROM {warehouse['spectrum']}"
    )


def test_window_functions(rs: Redshift, warehouse: dict[str, Any]):
    sql = (
        "WITH monthly AS (SELECT genre, DATE_TRUNC('month', sold_at) AS month, "
        "SUM(price * quantity) AS revenue FROM sales GROUP BY 1, 2) "
        "SELECT genre, month, revenue, RANK() OVER (PARTITION BY month ORDER BY revenue DESC) "
        "AS rnk, SUM(revenue) OVER (PARTITION BY genre ORDER BY month ROWS UNBOUNDED PRECEDING) "
        "AS running, LAG(revenue, 1) OVER (PARTITION BY genre ORDER BY month) AS previous "
        "FROM monthly ORDER BY genre, month"
    )
    expected = duck(
        "WITH monthly AS (SELECT genre, CAST(date_trunc('month', sold_at) AS TIMESTAMP) AS month, "
        "sum(price * quantity) AS revenue FROM sales GROUP BY 1, 2) "
        "SELECT genre, month, revenue, rank() OVER (PARTITION BY month ORDER BY revenue DESC), "
        "sum(revenue) OVER (PARTITION BY genre ORDER BY month ROWS BETWEEN UNBOUNDED PRECEDING "
        "AND CURRENT ROW), lag(revenue, 1) OVER (PARTITION BY genre ORDER BY month) "
        "FROM monthly ORDER BY genre, month",
        sales=f"SELECT * FROM {warehouse['parquet']}",
    )
    rows = rs.query(sql)
    assert len(rows) == 15
    assert [r[:4] for r in rows] == [
        (g, m if isinstance(m, dt.datetime) else dt.datetime.combine(m, dt.time()), v, k)
        for g, m, v, k, *_ in expected
    ]
    assert [(r[4], r[5]) for r in rows] == [(r[4], r[5]) for r in expected]


def test_nvl_decode_top_dates_listagg(rs: Redshift, warehouse: dict[str, Any]):
    sql = (
        "SELECT TOP 5 s.sale_id, NVL(st.opened, '1999-12-31') AS opened, "
        "DECODE(s.store_id, 1, 'north', 2, 'north', 'south') AS region, "
        "DATEADD(day, 30, s.sold_at) AS due, DATEDIFF(day, st.opened, s.sold_at) AS age, "
        "DATEDIFF(month, '2024-01-01', s.sold_at) AS months "
        "FROM sales s JOIN stores st ON st.store_id = s.store_id ORDER BY s.sale_id"
    )
    expected = duck(
        "SELECT s.sale_id, coalesce(st.opened, DATE '1999-12-31'), CASE WHEN s.store_id IN (1, 2) "
        "THEN 'north' ELSE 'south' END, CAST(s.sold_at AS TIMESTAMP) + INTERVAL 30 DAY, "
        "date_diff('day', st.opened, s.sold_at), date_diff('month', DATE '2024-01-01', s.sold_at) "
        "FROM sales s JOIN stores st USING (store_id) ORDER BY s.sale_id LIMIT 5",
        sales=f"SELECT * FROM {warehouse['parquet']}",
        stores=warehouse["stores"],
    )
    rows = rs.query(sql)
    assert [(r[0], dt.date.fromisoformat(str(r[1])[:10]), *r[2:]) for r in rows] == expected
    listagg = (
        "SELECT store_id, LISTAGG(DISTINCT genre, ', ') WITHIN GROUP (ORDER BY genre) AS genres, "
        "LISTAGG(genre) WITHIN GROUP (ORDER BY sale_id) AS firsts "
        "FROM (SELECT * FROM sales WHERE sale_id <= 12) GROUP BY store_id ORDER BY store_id"
    )
    expected = duck(
        "SELECT store_id, string_agg(DISTINCT genre, ', ' ORDER BY genre), "
        "string_agg(genre, '' ORDER BY sale_id) FROM sales WHERE sale_id <= 12 "
        "GROUP BY store_id ORDER BY store_id",
        sales=f"SELECT * FROM {warehouse['parquet']}",
    )
    assert rs.query(listagg) == expected
    now = rs.query("SELECT GETDATE(), SYSDATE")[0]
    utc_now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert abs((now[0] - utc_now).total_seconds()) < 60 and now[0].microsecond == 0


def test_integer_division_and_numeric_types(rs: Redshift, warehouse: dict[str, Any]):
    sql = (
        "SELECT 7 / 2 AS a, -7 / 2 AS b, SUM(quantity) / COUNT(*) AS c, AVG(quantity) AS d, "
        "AVG(price) AS e, SUM(price) / 3 AS f, CAST(7 AS DECIMAL) AS g, MAX(price) * 2 AS h "
        "FROM sales"
    )
    described = rs.run(sql)
    columns, rows = rs.result(described["Id"])
    [(total, count, units, high)] = duck(
        "SELECT sum(price), count(*), sum(quantity), max(price) FROM sales",
        sales=f"SELECT * FROM {warehouse['parquet']}",
    )
    expected = [
        (
            3,
            -3,
            units // count,
            units // count,  # AVG of an INTEGER is a truncated BIGINT
            (total / count).quantize(Decimal("0.01"), ROUND_HALF_UP),
            (total / 3).quantize(Decimal("1e-13"), ROUND_HALF_UP),  # exact, not via DOUBLE
            Decimal(7),
            high * 2,
        )
    ]
    assert rows == expected
    assert rows[0][:2] == (3, -3)  # Redshift truncates integer division toward zero
    types = [(c["typeName"], c["precision"], c["scale"]) for c in columns]
    assert types[:4] == [("int4", 10, 0), ("int4", 10, 0), ("int8", 19, 0), ("int8", 19, 0)]
    assert types[4] == ("numeric", 38, 2)  # AVG keeps the argument's scale
    assert types[5] == ("numeric", 38, 13)  # numeric(38,2) / int4: scale max(4, 2+10-0+1)
    assert types[6] == ("numeric", 18, 0)  # DECIMAL without precision is DECIMAL(18,0)


def test_unload_parquet_then_read_back(rs: Redshift, warehouse: dict[str, Any], tmp_path: Path):
    bucket, prefix = warehouse["bucket"], f"unload/{unique('genre')}/"
    query = (
        "SELECT genre, COUNT(*) AS n, SUM(price) AS total FROM sales "
        "WHERE genre <> ''Poetry'' GROUP BY genre"
    )
    unloaded = rs.run(
        f"UNLOAD ('{query}') TO 's3://{bucket}/{prefix}' IAM_ROLE '{ROLE}' FORMAT AS PARQUET"
    )
    assert unloaded["ResultRows"] == 4
    keys = [
        p.relative_to(tmp_path).as_posix()
        for p in download(warehouse["session"], bucket, prefix, tmp_path)
    ]
    assert keys == [f"{prefix}0000_part_00.parquet"]
    back = duck(f"SELECT * FROM read_parquet('{tmp_path}/{prefix}*.parquet') ORDER BY genre")
    assert back == duck(
        "SELECT genre, count(*), sum(price) FROM sales WHERE genre <> 'Poetry' "
        "GROUP BY genre ORDER BY genre",
        sales=f"SELECT * FROM {warehouse['parquet']}",
    )
    error = rs.fail(
        f"UNLOAD ('{query}') TO 's3://{bucket}/{prefix}' IAM_ROLE '{ROLE}' FORMAT PARQUET"
    )
    assert "Specified unload destination on S3 is not empty" in error


def test_unload_csv_partitioned_with_header(
    rs: Redshift, warehouse: dict[str, Any], tmp_path: Path
):
    bucket, prefix = warehouse["bucket"], f"unload/{unique('csv')}/"
    query = "SELECT store_id, sale_id, price FROM sales WHERE sale_id <= 40"
    rs.run(
        f"UNLOAD ('{query}') TO 's3://{bucket}/{prefix}' IAM_ROLE '{ROLE}' CSV HEADER "
        "PARTITION BY (store_id) PARALLEL OFF"
    )
    paths = download(warehouse["session"], bucket, prefix, tmp_path)
    assert sorted(p.parent.name for p in paths) == [f"store_id={i}" for i in range(1, 5)]
    assert {p.name for p in paths} == {"000"}
    back = duck(
        f"SELECT store_id, sale_id, price FROM read_csv('{tmp_path}/{prefix}*/000', "
        "header = true, hive_partitioning = true) ORDER BY sale_id"
    )
    expected = duck(
        "SELECT store_id, sale_id, price FROM sales WHERE sale_id <= 40 ORDER BY sale_id",
        sales=f"SELECT * FROM {warehouse['parquet']}",
    )
    assert [(int(a), int(b), Decimal(str(c))) for a, b, c in back] == expected


def test_parameters_are_bound_as_literals(rs: Redshift, warehouse: dict[str, Any]):
    sql = (
        "SELECT count(*), sum(quantity) FROM sales WHERE genre = :genre AND quantity >= :qty "
        "AND sold_at < :before"
    )
    params = [
        {"name": "genre", "value": "Mystery"},
        {"name": "qty", "value": "3"},
        {"name": "before", "value": "2024-02-15"},
    ]
    expected = duck(
        "SELECT count(*), sum(quantity) FROM sales WHERE genre = 'Mystery' AND quantity >= 3 "
        "AND sold_at < DATE '2024-02-15'",
        sales=f"SELECT * FROM {warehouse['parquet']}",
    )
    assert rs.query(sql, Parameters=params) == expected
    injected = [{"name": "genre", "value": "x' OR '1'='1"}, *params[1:]]
    assert rs.query(sql, Parameters=injected) == [(0, None)]


def test_results_are_paginated(rs: Redshift, warehouse: dict[str, Any]):
    described = rs.run("SELECT sale_id, title, price, sold_at FROM sales ORDER BY sale_id")
    assert described["ResultRows"] == ROWS and described["ResultSize"] > 0
    first = rs.client.get_statement_result(Id=described["Id"])
    assert first["TotalNumRows"] == ROWS and "NextToken" in first
    assert 0 < len(first["Records"]) < ROWS
    _, rows = rs.result(described["Id"])
    expected = duck(
        "SELECT sale_id, title, price, sold_at FROM sales ORDER BY sale_id",
        sales=f"SELECT * FROM {warehouse['parquet']}",
    )
    assert rows == expected


def test_failures_are_redshift_errors(rs: Redshift):
    assert rs.fail("SELEC 1") == 'ERROR: syntax error at or near "SELEC"'
    assert (
        rs.fail("SELECT * FROM no_such_table") == 'ERROR: relation "no_such_table" does not exist'
    )
    assert rs.fail("SELECT nope FROM stores") == 'ERROR: column "nope" does not exist in stores'
    assert rs.fail("SELECT 1 / 0") == "ERROR: division by zero"
    assert (
        rs.fail("SELECT * FROM spectrum.no_such")
        == 'ERROR: relation "spectrum.no_such" does not exist'
    )
    local = rs.fail("SELECT * FROM read_csv('/etc/passwd')")
    assert local.startswith("ERROR: permission denied") and "/etc/passwd" in local
    assert "syntax error" in rs.fail("ATTACH '/tmp/x.db'")
    copy_local = rs.fail("COPY stores FROM '/etc/passwd' IAM_ROLE 'x' CSV")
    assert "LOAD source is not supported" in copy_local
    assert rs.fail("SELECT 'unterminated") == "ERROR: unterminated quoted string"


def test_awswrangler_read_sql_query(warehouse: dict[str, Any]):
    con = wr.data_api.redshift.connect(
        workgroup_name=warehouse["workgroup"], database="dev", boto3_session=warehouse["session"]
    )
    frame = wr.data_api.redshift.read_sql_query(
        "SELECT genre, COUNT(*) AS n, SUM(quantity) AS units FROM sales WHERE store_id = :store "
        "GROUP BY genre ORDER BY genre",
        con=con,
        parameters=[{"name": "store", "value": "2"}],
    )
    expected = duck(
        "SELECT genre, count(*), sum(quantity) FROM sales WHERE store_id = 2 "
        "GROUP BY genre ORDER BY genre",
        sales=f"SELECT * FROM {warehouse['parquet']}",
    )
    assert list(frame.columns) == ["genre", "n", "units"]
    assert [tuple(r) for r in frame.itertuples(index=False)] == expected


def test_copy_json_auto_matches_keys_to_columns(
    rs: Redshift, warehouse: dict[str, Any], tmp_path: Path
):
    bucket, prefix = warehouse["bucket"], f"json/{unique('lines')}/"
    lines = [
        json.dumps({"sale_id": i, "title": f"T{i}", "extra": "ignored", "quantity": i % 4 or None})
        for i in range(1, 51)
    ]
    s3 = warehouse["session"].client("s3")
    s3.put_object(Bucket=bucket, Key=f"{prefix}part-0.json", Body="\n".join(lines).encode())
    table = unique("json_sales", sep="_")
    rs.run(
        f"CREATE TABLE {table} (sale_id BIGINT, title VARCHAR(20), genre VARCHAR(20), quantity INT)"
    )
    copied = rs.run(
        f"COPY {table} FROM 's3://{bucket}/{prefix}' IAM_ROLE '{ROLE}' FORMAT AS JSON 'auto'"
    )
    assert copied["ResultRows"] == 50
    download(warehouse["session"], bucket, prefix, tmp_path)
    expected = duck(  # no "genre" key: Redshift loads NULL
        "SELECT count(*), 0, sum(quantity), max(title) FROM "
        f"read_json('{tmp_path}/{prefix}*.json', format = 'newline_delimited')"
    )
    sql = f"SELECT count(*), count(genre), sum(quantity), max(title) FROM {table}"
    assert rs.query(sql) == expected
    csv_id = rs.submit(
        f"SELECT sale_id, title FROM {table} ORDER BY sale_id LIMIT 2", ResultFormat="CSV"
    )
    rs.wait(csv_id)
    csv = rs.client.get_statement_result_v2(Id=csv_id)
    assert csv["Records"] == [{"CSVRecords": "sale_id,title\n1,T1\n2,T2\n"}]


def test_views_over_spectrum_see_new_partitions(
    rs: Redshift, warehouse: dict[str, Any], tmp_path: Path
):
    session, bucket, glue_db = warehouse["session"], warehouse["bucket"], warehouse["glue_db"]
    table = unique("returns", sep="_")
    path = f"s3://{bucket}/spectrum/{table}/"

    def write(frame: pd.DataFrame) -> None:
        wr.s3.to_parquet(
            frame,
            path,
            dataset=True,
            mode="append",
            database=glue_db,
            table=table,
            partition_cols=["reason"],
            boto3_session=session,
        )

    write(pd.DataFrame({"sale_id": [1, 2], "reason": ["damaged", "late"]}))
    view = unique("v_returns", sep="_")
    rs.run(
        f"CREATE VIEW {view} AS SELECT reason, COUNT(*) AS n FROM spectrum.{table} "
        "GROUP BY reason WITH NO SCHEMA BINDING"
    )
    assert rs.query(f"SELECT * FROM {view} ORDER BY reason") == [("damaged", 1), ("late", 1)]
    write(pd.DataFrame({"sale_id": [3, 4], "reason": ["wrong item", "late"]}))
    download(session, bucket, f"spectrum/{table}/", tmp_path)
    expected = duck(
        "SELECT reason, count(*) FROM read_parquet("
        f"'{tmp_path}/spectrum/{table}/*/*.parquet', hive_partitioning = true) "
        "GROUP BY reason ORDER BY reason"
    )
    assert rs.query(f"SELECT * FROM {view} ORDER BY reason") == expected
    assert len(expected) == 3
