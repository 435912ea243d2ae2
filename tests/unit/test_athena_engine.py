"""The Athena engine in-process, over moto's in-memory backends (no server, no network)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from infra_scripts.localcloud.services.athena.engine import AthenaEngine, QueryExecution

ACCOUNT = "123456789012"
REGION = "us-east-1"


@pytest.fixture
def results_bucket() -> Iterator[str]:
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="results")
        yield "results"


def _execution(engine: AthenaEngine, sql: str, bucket: str) -> QueryExecution:
    return engine.new_execution(
        query=sql,
        account_id=ACCOUNT,
        region=REGION,
        workgroup=None,
        context={},
        result_prefix=f"s3://{bucket}/out",
        result_configuration={},
        cutoff_bytes=None,
        parameters=None,
    )


def test_statement_timeout_fails_the_query(tmp_path: Path, results_bucket: str) -> None:
    engine = AthenaEngine(tmp_path, timeout_s=0.5)
    execution = _execution(
        engine,
        "SELECT count(*) FROM range(100000000000) AS r(n) WHERE n % 7 = 3",
        results_bucket,
    )
    started = time.monotonic()
    engine._run(execution)
    assert time.monotonic() - started < 5
    assert execution.state == "FAILED"
    assert execution.reason is not None and execution.reason.startswith("Query timeout")
    assert execution.error is not None and execution.error["ErrorType"] == 1012


def test_a_queued_query_can_be_cancelled(tmp_path: Path, results_bucket: str) -> None:
    engine = AthenaEngine(tmp_path)
    execution = _execution(engine, "SELECT 1", results_bucket)
    engine.stop(execution)
    engine._run(execution)  # the worker picks it up after the stop: it stays cancelled
    assert execution.state == "CANCELLED"


def test_results_are_written_and_paged(tmp_path: Path, results_bucket: str) -> None:
    engine = AthenaEngine(tmp_path)
    execution = _execution(
        engine,
        "SELECT n, CAST(n AS varchar) AS s FROM UNNEST(sequence(1, 2500)) AS t(n)",
        results_bucket,
    )
    engine._run(execution)
    assert execution.state == "SUCCEEDED", execution.reason
    columns, first, total = engine.page(execution, 0, 1000)
    assert total == 2501 and first[0] == ["n", "s"] and first[1] == ["1", "1"]
    _, last, _ = engine.page(execution, 2000, 1000)
    assert len(last) == 501 and last[-1] == ["2500", "2500"]
    body = (
        boto3.client("s3", region_name=REGION)
        .get_object(Bucket=results_bucket, Key=f"out/{execution.execution_id}.csv")["Body"]
        .read()
    )
    assert body.startswith(b'"n","s"\n"1","1"\n')
    assert [c.type for c in columns] == ["bigint", "varchar"]


def test_missing_output_bucket_fails_like_athena(tmp_path: Path, results_bucket: str) -> None:
    engine = AthenaEngine(tmp_path)
    execution = _execution(engine, "SELECT 1", "no-such-bucket")
    engine._run(execution)
    assert execution.state == "FAILED"
    assert execution.reason == "Unable to verify/create output bucket no-such-bucket"
