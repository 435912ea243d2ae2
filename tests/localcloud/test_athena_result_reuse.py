"""Query result reuse as Athena documents it: an opted-in query whose string, database,
work group and result configuration match a recent SUCCEEDED execution is not run again."""

from __future__ import annotations

import awswrangler as wr
import pandas as pd
import pytest
from botocore.exceptions import ClientError

from tests.helpers import unique
from tests.localcloud.test_athena import Athena

pytestmark = pytest.mark.localcloud

REUSE = {"ResultReuseByAgeConfiguration": {"Enabled": True, "MaxAgeInMinutes": 60}}


@pytest.fixture(scope="module")
def athena(session):
    """A database with one small Parquet table, and an Athena runner whose results go to S3."""
    bucket, database = unique("reuse"), unique("reuse", sep="_")
    s3 = session.client("s3")
    s3.create_bucket(Bucket=bucket)
    session.client("glue").create_database(DatabaseInput={"Name": database})
    wr.s3.to_parquet(
        pd.DataFrame({"id": [1, 2, 3], "amount": [10.0, 20.0, 30.0]}),
        path=f"s3://{bucket}/sales/",
        dataset=True,
        database=database,
        table="sales",
        boto3_session=session,
    )
    runner = Athena(session, database, f"s3://{bucket}/results/")
    runner.bucket = bucket
    return runner


def _reused(execution: dict) -> bool:
    return execution["Statistics"]["ResultReuseInformation"]["ReusedPreviousResult"]


def test_an_opted_in_repeat_reuses_the_previous_result(athena):
    sql = "SELECT sum(amount) AS total FROM sales"
    first = athena.run(sql, ResultReuseConfiguration=REUSE)
    again = athena.run(sql, ResultReuseConfiguration=REUSE)
    assert not _reused(first.execution)
    assert _reused(again.execution)
    assert again.execution["QueryExecutionId"] != first.execution["QueryExecutionId"]
    assert again.rows == first.rows == [("60.0",)]
    assert again.scanned == 0 and first.scanned > 0
    # it points to the earlier result file instead of writing its own
    location = again.execution["ResultConfiguration"]["OutputLocation"]
    assert location == first.execution["ResultConfiguration"]["OutputLocation"]
    configuration = again.execution["ResultReuseConfiguration"]["ResultReuseByAgeConfiguration"]
    assert configuration == {"Enabled": True, "MaxAgeInMinutes": 60}


def test_reuse_ignores_later_data_changes_as_athena_does(athena, session):
    sql = "SELECT count(*) AS n FROM sales WHERE amount > 0"
    before = athena.run(sql, ResultReuseConfiguration=REUSE)
    wr.s3.to_parquet(
        pd.DataFrame({"id": [4], "amount": [40.0]}),
        path=f"s3://{athena.bucket}/sales/",
        dataset=True,
        mode="append",
        database=athena.database,
        table="sales",
        boto3_session=session,
    )
    reused = athena.run(sql, ResultReuseConfiguration=REUSE)
    fresh = athena.run(sql)
    assert reused.rows == before.rows == [("3",)]
    assert fresh.rows == [("4",)] and not _reused(fresh.execution)


def test_what_does_not_match_runs_again(athena, session):
    sql = "SELECT max(id) AS top FROM sales"
    athena.run(sql, ResultReuseConfiguration=REUSE)
    # not opted in, another query string, another result location, another work group
    assert not _reused(athena.run(sql).execution)
    assert not _reused(athena.run(sql + " ", ResultReuseConfiguration=REUSE).execution)
    other = f"s3://{athena.bucket}/elsewhere/"
    moved = athena.run(
        sql, ResultReuseConfiguration=REUSE, ResultConfiguration={"OutputLocation": other}
    )
    assert not _reused(moved.execution)
    workgroup = unique("wg")
    session.client("athena").create_work_group(Name=workgroup)
    assert not _reused(
        athena.run(sql, ResultReuseConfiguration=REUSE, WorkGroup=workgroup).execution
    )


def test_an_expired_or_deleted_result_is_not_reused(athena, session):
    sql = "SELECT min(id) AS low FROM sales"
    first = athena.run(sql, ResultReuseConfiguration=REUSE)
    zero_age = {"ResultReuseByAgeConfiguration": {"Enabled": True, "MaxAgeInMinutes": 0}}
    unaged = athena.run(sql, ResultReuseConfiguration=zero_age)
    assert not _reused(unaged.execution)
    for answer in (first, unaged):  # both results are gone from S3
        location = answer.execution["ResultConfiguration"]["OutputLocation"]
        key = location.removeprefix(f"s3://{athena.bucket}/")
        session.client("s3").delete_object(Bucket=athena.bucket, Key=key)
    runs = [athena.run(sql, ResultReuseConfiguration=REUSE) for _ in range(2)]
    # the deleted file is skipped; the query runs, and the next repeat reuses that new run
    assert not _reused(runs[0].execution) and _reused(runs[1].execution)
    assert runs[1].rows == [("1",)]


def test_ddl_is_never_reused(athena):
    sql = "SHOW TABLES"
    athena.run(sql, ResultReuseConfiguration=REUSE)
    assert not _reused(athena.run(sql, ResultReuseConfiguration=REUSE).execution)


def test_a_max_age_beyond_seven_days_is_refused(athena):
    with pytest.raises(ClientError) as err:
        athena.start(
            "SELECT 1",
            ResultReuseConfiguration={
                "ResultReuseByAgeConfiguration": {"Enabled": True, "MaxAgeInMinutes": 10081}
            },
        )
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "10080" in err.value.response["Error"]["Message"]
