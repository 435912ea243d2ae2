"""DataScannedInBytes counts what a query reads, as Athena bills it.

Parquet: the compressed column chunks of the referenced columns, in the partitions (and row
groups) the query reads; CSV: whole files. Expected values are computed here from the S3
objects themselves (boto3 get_object + pyarrow), not from the local cloud's code.
"""

from __future__ import annotations

import io
from typing import Any

import awswrangler as wr
import boto3
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.helpers import unique
from tests.localcloud.test_athena import Athena, object_sizes

pytestmark = pytest.mark.localcloud

PARTITIONS = 4
ROWS_PER_PARTITION = 3000


class Tables:
    def __init__(self, session: boto3.Session, bucket: str, database: str) -> None:
        self.s3 = session.client("s3")
        self.bucket = bucket
        self.athena = Athena(session, database, f"s3://{bucket}/results/")

    def scanned(self, sql: str) -> int:
        return self.athena.run(sql).scanned

    def keys(self, prefix: str) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def metadata(self, prefix: str) -> list[pq.FileMetaData]:
        found = []
        for key in self.keys(prefix):
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            found.append(pq.ParquetFile(io.BytesIO(body)).metadata)
        return found

    def chunk_bytes(self, prefix: str, columns: set[str], row_groups: Any = None) -> int:
        """Compressed size of ``columns``' chunks in the objects under ``prefix``."""
        total = 0
        for meta in self.metadata(prefix):
            for i in range(meta.num_row_groups):
                if row_groups is not None and i not in row_groups:
                    continue
                group = meta.row_group(i)
                for j in range(group.num_columns):
                    chunk = group.column(j)
                    if chunk.path_in_schema in columns:
                        total += chunk.total_compressed_size
        return total


@pytest.fixture(scope="module")
def tables(session: boto3.Session) -> Tables:
    bucket, database = unique("athena-bytes"), unique("athena_bytes", sep="_")
    session.client("s3").create_bucket(Bucket=bucket)
    wr.catalog.create_database(database, boto3_session=session)
    rng = np.random.default_rng(3)
    rows = PARTITIONS * ROWS_PER_PARTITION
    frame = pd.DataFrame(
        {
            "amount": rng.integers(0, 1_000_000, rows).astype("int64"),
            "note": [f"note {i} {'x' * int(n)}" for i, n in enumerate(rng.integers(0, 40, rows))],
            "score": rng.random(rows),
            "region": [f"r{i % PARTITIONS}" for i in range(rows)],
        }
    )
    for table, writer in (("facts", wr.s3.to_parquet), ("facts_csv", wr.s3.to_csv)):
        writer(
            frame,
            f"s3://{bucket}/{table}/",
            dataset=True,
            database=database,
            table=table,
            partition_cols=["region"],
            index=False,
            boto3_session=session,
        )
    # one file of 4 row groups, ``id`` ascending: statistics separate the groups
    grouped = pa.table({"id": pa.array(range(4000), pa.int64()), "v": rng.random(4000)})
    sink = io.BytesIO()
    pq.write_table(grouped, sink, row_group_size=1000)
    session.client("s3").put_object(
        Bucket=bucket, Key="grouped/part-0.parquet", Body=sink.getvalue()
    )
    wr.catalog.create_parquet_table(
        database=database,
        table="grouped",
        path=f"s3://{bucket}/grouped/",
        columns_types={"id": "bigint", "v": "double"},
        boto3_session=session,
    )
    return Tables(session, bucket, database)


def test_one_column_scans_less_than_three(tables: Tables) -> None:
    one = tables.scanned("SELECT sum(amount) FROM facts")
    three = tables.scanned("SELECT sum(amount), max(note), avg(score) FROM facts")
    star = tables.scanned("SELECT * FROM facts")
    assert 0 < one < three
    assert one == tables.chunk_bytes("facts/", {"amount"})
    assert three == tables.chunk_bytes("facts/", {"amount", "note", "score"})
    assert star == three  # the partition column costs nothing


def test_columns_are_found_qualified_in_filters_and_subqueries(tables: Tables) -> None:
    scanned = tables.scanned(
        "SELECT f.amount FROM facts AS f WHERE f.score > 0.5 "
        "AND f.amount IN (SELECT g.amount FROM facts AS g WHERE g.note LIKE 'note 1%')"
    )  # qualified: the subquery's columns are not the outer table's
    expected = tables.chunk_bytes("facts/", {"amount", "score"}) + tables.chunk_bytes(
        "facts/", {"amount", "note"}
    )
    assert scanned == expected


def test_partition_filter_scans_its_share(tables: Tables) -> None:
    full = tables.scanned("SELECT sum(amount), max(note) FROM facts")
    one = tables.scanned("SELECT sum(amount), max(note) FROM facts WHERE region = 'r2'")
    assert one == tables.chunk_bytes("facts/region=r2/", {"amount", "note"})
    assert one == pytest.approx(full / PARTITIONS, rel=0.15)


def test_count_star_reads_only_footers(tables: Tables) -> None:
    counted = tables.scanned("SELECT count(*) FROM facts")
    footers = sum(m.serialized_size + 8 for m in tables.metadata("facts/"))
    assert counted == footers
    assert counted < tables.scanned("SELECT sum(amount) FROM facts")


def test_csv_is_read_whole(tables: Tables) -> None:
    one = tables.scanned("SELECT max(note) FROM facts_csv")
    every = tables.scanned("SELECT * FROM facts_csv")
    assert one == every == object_sizes(tables.s3, tables.bucket, "facts_csv/")
    part = tables.scanned("SELECT max(note) FROM facts_csv WHERE region = 'r1'")
    assert part == object_sizes(tables.s3, tables.bucket, "facts_csv/region=r1/")


def test_row_groups_outside_a_filter_are_skipped(tables: Tables) -> None:
    all_groups = tables.scanned("SELECT sum(v) FROM grouped WHERE v > 0.5")  # cannot prune v
    assert all_groups == tables.chunk_bytes("grouped/", {"v"})
    last = tables.scanned("SELECT sum(v) FROM grouped WHERE id >= 3500")
    assert last == tables.chunk_bytes("grouped/", {"id", "v"}, row_groups={3})
    middle = tables.scanned("SELECT sum(v) FROM grouped WHERE id BETWEEN 1200 AND 2100")
    assert middle == tables.chunk_bytes("grouped/", {"id", "v"}, row_groups={1, 2})
    either = tables.scanned("SELECT sum(v) FROM grouped WHERE id = 5 OR id = 3999")  # no OR
    assert either == tables.chunk_bytes("grouped/", {"id", "v"})
