"""Benchmark the local cloud's Athena against plain DuckDB on the same Parquet files.

A 10M-row sales table (``retailkit sample-data``, seed schema) is converted once to
genre-partitioned Parquet with DuckDB, uploaded to a started local cloud and registered in the
Glue Data Catalog with awswrangler. Then, from the same run, for an aggregation and a window
query it prints the median time of

- the Athena path: StartQueryExecution → polling GetQueryExecution until SUCCEEDED → the first
  GetQueryResults page (as a boto3 user does it, over HTTP), and
- plain DuckDB: a fresh connection running the same query on the same Parquet files,

and their ratio (target ≤ 1.5×), plus the fixed overhead of a trivial query (target ≤ 150 ms).

    .venv/bin/python bench/bench_athena.py [--rows 10000000] [--repeat 5] [--work-dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import awswrangler as wr
import duckdb

from bench.data import seed_csv
from bench.report import emit
from infra_scripts.localcloud import LocalCloud

RATIO_TARGET = 1.5
OVERHEAD_TARGET_MS = 150.0
DATABASE = "bench_athena"
TABLE = "sales"
QUERIES = {
    "aggregation": (
        "SELECT genre, age_group, count(*) AS sales, sum(price) AS revenue, "
        "max(price) AS top_price FROM {table} GROUP BY genre, age_group ORDER BY genre, age_group"
    ),
    "window": (
        "SELECT genre, title, price, rn FROM (SELECT genre, title, price, row_number() OVER "
        "(PARTITION BY genre ORDER BY price DESC, transaction_id) AS rn FROM {table}) "
        "WHERE rn <= 3 ORDER BY genre, rn"
    ),
}
TRIVIAL = "SELECT 1"


def prepare_parquet(rows: int, work_dir: Path) -> Path:
    """The 10M-row CSV converted once to genre-partitioned Parquet (cached in work_dir)."""
    parquet = work_dir / f"parquet-{rows}"
    if (parquet / "done").exists():
        return parquet
    started = time.perf_counter()
    csv_file = seed_csv(rows, work_dir / f"csv-{rows}")
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT title, CAST(price AS DECIMAL(10,2)) AS price, age_group, book_id, "
        f"transaction_id, genre FROM read_csv('{csv_file}', header = true)) "
        f"TO '{parquet}' (FORMAT parquet, PARTITION_BY (genre), COMPRESSION snappy)"
    )
    (parquet / "done").touch()
    print(
        f"generated {rows:,} rows and converted to Parquet in {time.perf_counter() - started:.1f} s"
    )
    return parquet


def upload_and_register(session: Any, parquet: Path, bucket: str) -> int:
    """Upload the Parquet files, register table and partitions with awswrangler; bytes uploaded."""
    s3 = session.client("s3")
    s3.create_bucket(Bucket=bucket)
    partitions: dict[str, list[str]] = {}
    total = 0
    for path in sorted(parquet.glob("genre=*/*.parquet")):
        genre = urllib.parse.unquote(path.parent.name.split("=", 1)[1])
        key = f"{TABLE}/genre={genre}/{path.name}"
        s3.upload_file(str(path), bucket, key)
        partitions[f"s3://{bucket}/{TABLE}/genre={genre}/"] = [genre]
        total += path.stat().st_size
    wr.catalog.create_database(DATABASE, exist_ok=True, boto3_session=session)
    wr.catalog.create_parquet_table(
        database=DATABASE,
        table=TABLE,
        path=f"s3://{bucket}/{TABLE}/",
        columns_types={
            "title": "string",
            "price": "decimal(10,2)",
            "age_group": "string",
            "book_id": "string",
            "transaction_id": "string",
        },
        partitions_types={"genre": "string"},
        boto3_session=session,
    )
    wr.catalog.add_parquet_partitions(
        database=DATABASE, table=TABLE, partitions_values=partitions, boto3_session=session
    )
    return total


def athena_run(athena: Any, sql: str, output: str) -> list[Any]:
    """StartQueryExecution → SUCCEEDED → first GetQueryResults page."""
    query_id = athena.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": DATABASE},
        ResultConfiguration={"OutputLocation": output},
    )["QueryExecutionId"]
    deadline = time.monotonic() + 600
    while True:
        status = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
        if status["State"] == "SUCCEEDED":
            break
        if status["State"] in ("FAILED", "CANCELLED") or time.monotonic() > deadline:
            raise RuntimeError(f"{sql}: {status['State']} {status.get('StateChangeReason')}")
        time.sleep(0.005)
    return athena.get_query_results(QueryExecutionId=query_id, MaxResults=1000)["ResultSet"]["Rows"]


def duckdb_run(parquet: Path, sql: str) -> list[Any]:
    con = duckdb.connect()
    try:
        con.execute(
            f"CREATE VIEW {TABLE} AS SELECT * FROM read_parquet('{parquet}/*/*.parquet', "
            "hive_partitioning = true)"
        )
        return con.execute(sql.format(table=TABLE)).fetchall()
    finally:
        con.close()


def interleaved_medians(
    first: Callable[[], object], second: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Median ms of two calls timed alternately (background load hits both alike)."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for call, bucket in ((first, samples[0]), (second, samples[1])):
            started = time.perf_counter()
            call()
            bucket.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples[0]), statistics.median(samples[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="samples per figure (5)")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "retailkit-bench-athena",
        help="where the generated data is cached between runs",
    )
    args = parser.parse_args()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    parquet = prepare_parquet(args.rows, args.work_dir)
    with LocalCloud() as cloud:
        session = cloud.session()
        bucket = "bench-athena-data"
        started = time.perf_counter()
        size = upload_and_register(session, parquet, bucket)
        print(
            f"uploaded {size / 1e6:.0f} MB of Parquet and registered the table "
            f"in {time.perf_counter() - started:.1f} s"
        )
        athena = session.client("athena")
        output = f"s3://{bucket}/results/"
        started = time.perf_counter()
        athena_run(athena, f"SELECT count(*) FROM {TABLE}", output)
        print(
            f"first query (mirrors the S3 objects to local files): "
            f"{(time.perf_counter() - started) * 1000:.0f} ms"
        )
        results: list[tuple[str, float, float]] = []
        for name, template in QUERIES.items():
            sql = template.format(table=TABLE)
            athena_rows = athena_run(athena, sql, output)  # warm-up, and same answer check
            duck_rows = duckdb_run(parquet, template)
            assert len(athena_rows) == len(duck_rows) + 1, (name, len(athena_rows), len(duck_rows))
            athena_ms, duck_ms = interleaved_medians(
                lambda s=sql: athena_run(athena, s, output),
                lambda t=template: duckdb_run(parquet, t),
                args.repeat,
            )
            results.append((name, athena_ms, duck_ms))
        athena_run(athena, TRIVIAL, output)
        trivial = []
        for _ in range(args.repeat * 4):
            started = time.perf_counter()
            athena_run(athena, TRIVIAL, output)
            trivial.append((time.perf_counter() - started) * 1000)
        trivial_ms = statistics.median(trivial)
    print(f"\n{args.rows:,} rows, median of {args.repeat} runs each")
    print(f"{'query':14} {'athena':>10} {'duckdb':>10} {'ratio':>7} {'target':>7}")
    failed = False
    for name, athena_ms, duck_ms in results:
        ratio = athena_ms / duck_ms
        failed |= ratio > RATIO_TARGET
        print(f"{name:14} {athena_ms:8.0f}ms {duck_ms:8.0f}ms {ratio:6.2f}x {RATIO_TARGET:6.1f}x")
        emit(f"Athena path vs DuckDB, {args.rows:,} rows: {name}", ratio, "x", RATIO_TARGET)
    failed |= trivial_ms > OVERHEAD_TARGET_MS
    print(
        f"{'fixed overhead':14} {trivial_ms:8.0f}ms {'-':>10} {'-':>7} {OVERHEAD_TARGET_MS:5.0f}ms"
    )
    emit("Athena fixed overhead (trivial query)", trivial_ms, "ms", OVERHEAD_TARGET_MS)
    print("all targets met" if not failed else "some targets missed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
