"""Athena prepared statements on the local cloud: the API (Create/Get/Update/Delete/List/
BatchGetPreparedStatement, per work group, AWS's errors) and the SQL (PREPARE, EXECUTE …
USING, EXECUTE with ExecutionParameters, DEALLOCATE PREPARE), through boto3.

https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from botocore.exceptions import ClientError

from tests.helpers import unique
from tests.localcloud.test_athena import Athena

pytestmark = pytest.mark.localcloud


@dataclass
class Shop:
    athena: Athena
    glue: object
    bucket: str
    database: str
    work_group: str


@pytest.fixture(scope="module")
def shop(session) -> Shop:
    bucket = unique("athena-prepared")
    database = unique("athena_prepared", sep="_")
    work_group = unique("prepared-wg")
    s3 = session.client("s3")
    s3.create_bucket(Bucket=bucket)
    session.client("glue").create_database(DatabaseInput={"Name": database})
    s3.put_object(
        Bucket=bucket,
        Key="orders/orders.csv",
        Body=b"1,books,12\n2,books,3\n3,toys,7\n4,games,1\n",
    )
    athena = Athena(session, database, f"s3://{bucket}/results/")
    athena.client.create_work_group(
        Name=work_group,
        Configuration={"ResultConfiguration": {"OutputLocation": f"s3://{bucket}/wg/"}},
    )
    athena.run(
        "CREATE EXTERNAL TABLE orders (id int, category string, quantity int) "
        "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' "
        f"LOCATION 's3://{bucket}/orders/'"
    )
    return Shop(athena, session.client("glue"), bucket, database, work_group)


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return error.value.response["Error"]["Code"]


# --- the API ---------------------------------------------------------------------------------


def test_prepared_statement_api_lifecycle(shop: Shop) -> None:
    client, group = shop.athena.client, shop.work_group
    name = "by_category"
    client.create_prepared_statement(
        StatementName=name,
        WorkGroup=group,
        QueryStatement="SELECT id FROM orders WHERE category = ?",
        Description="orders of a category",
    )
    got = client.get_prepared_statement(StatementName=name, WorkGroup=group)["PreparedStatement"]
    assert got["StatementName"] == name
    assert got["QueryStatement"] == "SELECT id FROM orders WHERE category = ?"
    assert got["WorkGroupName"] == group
    assert got["Description"] == "orders of a category"
    assert got["LastModifiedTime"].year >= 2024

    # names are per work group: the primary work group does not see it
    with pytest.raises(ClientError) as missing:
        client.get_prepared_statement(StatementName=name, WorkGroup="primary")
    assert _code(missing) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as duplicate:
        client.create_prepared_statement(
            StatementName=name, WorkGroup=group, QueryStatement="SELECT 1"
        )
    assert _code(duplicate) == "InvalidRequestException"

    client.update_prepared_statement(
        StatementName=name,
        WorkGroup=group,
        QueryStatement="SELECT id FROM orders WHERE category <> ?",
    )
    got = client.get_prepared_statement(StatementName=name, WorkGroup=group)["PreparedStatement"]
    assert got["QueryStatement"] == "SELECT id FROM orders WHERE category <> ?"

    client.create_prepared_statement(
        StatementName="another", WorkGroup=group, QueryStatement="SELECT 2"
    )
    listed = client.list_prepared_statements(WorkGroup=group)["PreparedStatements"]
    assert [s["StatementName"] for s in listed] == ["another", name]
    first = client.list_prepared_statements(WorkGroup=group, MaxResults=1)
    assert [s["StatementName"] for s in first["PreparedStatements"]] == ["another"]
    second = client.list_prepared_statements(
        WorkGroup=group, MaxResults=1, NextToken=first["NextToken"]
    )
    assert [s["StatementName"] for s in second["PreparedStatements"]] == [name]
    assert "NextToken" not in second

    batch = client.batch_get_prepared_statement(
        PreparedStatementNames=[name, "ghost"], WorkGroup=group
    )
    assert [s["StatementName"] for s in batch["PreparedStatements"]] == [name]
    assert [u["StatementName"] for u in batch["UnprocessedPreparedStatementNames"]] == ["ghost"]

    client.delete_prepared_statement(StatementName="another", WorkGroup=group)
    for call in (client.delete_prepared_statement, client.get_prepared_statement):
        with pytest.raises(ClientError) as gone:
            call(StatementName="another", WorkGroup=group)
        assert _code(gone) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as gone:
        client.update_prepared_statement(
            StatementName="another", WorkGroup=group, QueryStatement="SELECT 3"
        )
    assert _code(gone) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as no_group:
        client.list_prepared_statements(WorkGroup="no-such-work-group")
    assert _code(no_group) == "InvalidRequestException"
    client.delete_prepared_statement(StatementName=name, WorkGroup=group)


# --- SQL -------------------------------------------------------------------------------------
# https://docs.aws.amazon.com/athena/latest/ug/sql-prepare.html: "PREPARE statement_name FROM
# statement" (a SELECT, CTAS or INSERT INTO query); sql-execute.html: "EXECUTE statement_name
# [ USING parameter1[, parameter2, ... ] ]"; sql-deallocate-prepare.html.


def test_prepare_execute_using_and_deallocate(shop: Shop) -> None:
    athena = shop.athena
    prepared = athena.run(
        "PREPARE big_orders FROM SELECT id FROM orders WHERE category = ? AND quantity > ? "
        "ORDER BY id"
    )
    assert prepared.execution["StatementType"] == "DDL"
    stored = athena.client.get_prepared_statement(StatementName="big_orders", WorkGroup="primary")
    assert stored["PreparedStatement"]["QueryStatement"] == (
        "SELECT id FROM orders WHERE category = ? AND quantity > ? ORDER BY id"
    )
    # "EXECUTE my_select2 USING 2012" — "This is equivalent to: SELECT … WHERE year = 2012"
    answer = athena.run("EXECUTE big_orders USING 'books', 2")
    assert answer.names == ["id"]
    assert answer.rows == [("1",), ("2",)]
    assert athena.run("EXECUTE big_orders USING 'books', 5").rows == [("1",)]

    athena.run("DEALLOCATE PREPARE big_orders")
    with pytest.raises(ClientError) as gone:
        athena.client.get_prepared_statement(StatementName="big_orders", WorkGroup="primary")
    assert _code(gone) == "ResourceNotFoundException"
    missing = athena.fail("EXECUTE big_orders USING 'books', 2")
    assert "big_orders" in missing["StateChangeReason"]
    assert athena.fail("DEALLOCATE PREPARE big_orders")["State"] == "FAILED"


def test_execute_with_execution_parameters(shop: Shop) -> None:
    # https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements-cli-executing-prepared-statements.html:
    # start-query-execution --query-string "Execute PreparedStatement1" --execution-parameters
    athena = shop.athena
    athena.client.create_prepared_statement(
        StatementName="count_of",
        WorkGroup="primary",
        QueryStatement="SELECT count(*) AS n, sum(quantity) AS q FROM orders WHERE category = ?",
    )
    answer = athena.run("EXECUTE count_of", ExecutionParameters=["'books'"])
    assert answer.rows == [("2", "15")]
    assert answer.execution["ExecutionParameters"] == ["'books'"]
    assert athena.run("execute count_of", ExecutionParameters=["'toys'"]).rows == [("1", "7")]

    # Trino: INVALID_PARAMETER_USAGE "Incorrect number of parameters: expected 1 but found 2"
    wrong = athena.fail("EXECUTE count_of", ExecutionParameters=["'books'", "1"])
    assert wrong["StateChangeReason"] == (
        "INVALID_PARAMETER_USAGE: Incorrect number of parameters: expected 1 but found 2"
    )
    none = athena.fail("EXECUTE count_of")
    assert none["StateChangeReason"] == (
        "INVALID_PARAMETER_USAGE: Incorrect number of parameters: expected 1 but found 0"
    )
    too_many = athena.fail("EXECUTE count_of USING 'books', 'toys'")
    assert "expected 1 but found 2" in too_many["StateChangeReason"]
    athena.client.delete_prepared_statement(StatementName="count_of", WorkGroup="primary")


def test_prepared_statements_belong_to_the_query_work_group(shop: Shop) -> None:
    athena, group = shop.athena, shop.work_group
    athena.run("PREPARE in_group FROM SELECT ? AS v", WorkGroup=group)
    listed = athena.client.list_prepared_statements(WorkGroup=group)["PreparedStatements"]
    assert "in_group" in [s["StatementName"] for s in listed]
    assert athena.run("EXECUTE in_group USING 42", WorkGroup=group).rows == [("42",)]
    assert athena.fail("EXECUTE in_group USING 42")["State"] == "FAILED"  # primary: unknown
    # PREPARE of a name in use replaces its statement
    athena.run("PREPARE in_group FROM SELECT ? + 1 AS v", WorkGroup=group)
    assert athena.run("EXECUTE in_group USING 41", WorkGroup=group).rows == [("42",)]
    athena.run("DEALLOCATE PREPARE in_group", WorkGroup=group)


def test_prepared_insert_into(shop: Shop) -> None:
    # the doc's my_insert: PREPARE my_insert FROM INSERT INTO cities_usa (city, state)
    # SELECT city, state FROM cities_world WHERE country = ?; EXECUTE my_insert USING 'usa'
    athena = shop.athena
    athena.run(
        "CREATE EXTERNAL TABLE toys_only (id int, quantity int) STORED AS PARQUET "
        f"LOCATION 's3://{shop.bucket}/toys_only/'"
    )
    athena.run(
        "PREPARE copy_category FROM INSERT INTO toys_only "
        "SELECT id, quantity FROM orders WHERE category = ?"
    )
    inserted = athena.run("EXECUTE copy_category USING 'toys'")
    assert inserted.update_count == 1
    assert athena.run("SELECT id, quantity FROM toys_only").rows == [("3", "7")]
    athena.run("DEALLOCATE PREPARE copy_category")


def test_prepare_refuses_other_statements(shop: Shop) -> None:
    status = shop.athena.fail("PREPARE nope FROM DROP TABLE orders")
    assert status["StateChangeReason"].startswith("NOT_SUPPORTED")
    with pytest.raises(ClientError):
        shop.athena.client.get_prepared_statement(StatementName="nope", WorkGroup="primary")
