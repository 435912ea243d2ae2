"""Redshift Data API on the local cloud: statement life cycle, batches, cancel, catalog calls.

The SQL itself is checked against DuckDB in ``test_redshift_data.py``; here the API's
shapes and behaviours are: states, sub-statements, errors, listings, Step Functions.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.helpers import role_arn, unique, wait_until
from tests.localcloud.test_redshift_data import FINAL, ROLE, Redshift

pytestmark = pytest.mark.localcloud

# A 3-way cross join with a filter no statistics can decide: runs far past any test.
SLOW_SQL = (
    "SELECT count(*) FROM numbers a, numbers b, numbers c "
    "WHERE MOD(a.n * 7919 + b.n * 104729 + c.n, 1000003) = 1000002"
)


def _workgroup(session: boto3.Session, **config: str) -> str:
    serverless = session.client("redshift-serverless")
    namespace, workgroup = unique("ns"), unique("wg")
    serverless.create_namespace(namespaceName=namespace, dbName="warehouse")
    serverless.create_workgroup(
        workgroupName=workgroup,
        namespaceName=namespace,
        configParameters=[{"parameterKey": k, "parameterValue": v} for k, v in config.items()],
    )
    return workgroup


@pytest.fixture(scope="module")
def rs(session: boto3.Session) -> Redshift:
    """A workgroup whose namespace's database is ``warehouse``, with a numbers table."""
    redshift = Redshift(session, _workgroup(session), database="warehouse")
    redshift.run("CREATE TABLE numbers AS SELECT * FROM (SELECT 1 AS n) LIMIT 0")
    redshift.run(
        "INSERT INTO numbers SELECT a.n * 100 + b.n + 1 FROM (SELECT 0 AS n) z, "
        + "(SELECT generate_series AS n FROM generate_series(0, 19)) a, "
        + "(SELECT generate_series AS n FROM generate_series(0, 99)) b"
    )
    return redshift


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_describe_statement_reports_the_run(rs: Redshift):
    statement_id = rs.submit("SELECT count(*) AS n FROM numbers", StatementName="count-numbers")
    early = rs.client.describe_statement(Id=statement_id)["Status"]
    assert early in ("SUBMITTED", "PICKED", "STARTED", "FINISHED")
    described = rs.wait(statement_id)
    assert described["Status"] == "FINISHED"
    assert described["QueryString"] == "SELECT count(*) AS n FROM numbers"
    assert described["HasResultSet"] is True and described["ResultRows"] == 1
    assert 0 < described["Duration"] < 30 * 10**9  # nanoseconds
    assert described["RedshiftPid"] > 0 and described["RedshiftQueryId"] > 0
    assert described["WorkgroupName"] == rs.workgroup and described["Database"] == "warehouse"
    assert isinstance(described["CreatedAt"], dt.datetime)
    assert described["UpdatedAt"] >= described["CreatedAt"]
    result = rs.client.get_statement_result(Id=statement_id)
    assert result["Records"] == [[{"longValue": 2000}]] and result["TotalNumRows"] == 1
    assert result["ColumnMetadata"][0]["name"] == "n"


def test_default_database_is_the_namespaces(rs: Redshift):
    statement_id = rs.client.execute_statement(
        WorkgroupName=rs.workgroup, Sql="SELECT count(*) FROM numbers"
    )["Id"]
    assert rs.wait(statement_id)["Status"] == "FINISHED"
    missing = rs.client.execute_statement(
        WorkgroupName=rs.workgroup, Database="nope", Sql="SELECT 1"
    )
    described = rs.wait(missing["Id"])
    assert described["Status"] == "FAILED"
    assert described["Error"] == 'FATAL: database "nope" does not exist'


def test_batch_runs_in_order_in_one_transaction(rs: Redshift):
    table = unique("batch", sep="_")
    batch = rs.client.batch_execute_statement(
        WorkgroupName=rs.workgroup,
        Database="warehouse",
        Sqls=[
            f"CREATE TABLE {table} (id INT, label VARCHAR(10))",
            f"INSERT INTO {table} VALUES (1, 'a'), (2, 'b'), (3, 'c')",
            f"SELECT label FROM {table} WHERE id >= 2 ORDER BY id",
        ],
    )
    described = rs.wait(batch["Id"])
    assert described["Status"] == "FINISHED"
    subs = described["SubStatements"]
    assert [s["Id"] for s in subs] == [f"{batch['Id']}:{i}" for i in (1, 2, 3)]
    assert [s["Status"] for s in subs] == ["FINISHED"] * 3
    assert [s["ResultRows"] for s in subs][1:] == [3, 2]
    assert [s["HasResultSet"] for s in subs] == [False, False, True]
    result = rs.client.get_statement_result(Id=f"{batch['Id']}:3")
    assert result["Records"] == [[{"stringValue": "b"}], [{"stringValue": "c"}]]
    with pytest.raises(ClientError) as excinfo:
        rs.client.get_statement_result(Id=f"{batch['Id']}:1")
    assert error_code(excinfo) == "ResourceNotFoundException"

    failing = unique("rolled_back", sep="_")
    bad = rs.client.batch_execute_statement(
        WorkgroupName=rs.workgroup,
        Database="warehouse",
        Sqls=[f"CREATE TABLE {failing} (id INT)", "SELECT * FROM missing_table", "SELECT 1"],
    )
    described = rs.wait(bad["Id"])
    assert described["Status"] == "FAILED"
    assert [s["Status"] for s in described["SubStatements"]] == ["FINISHED", "FAILED", "ABORTED"]
    assert (
        described["SubStatements"][1]["Error"] == 'ERROR: relation "missing_table" does not exist'
    )
    error = rs.fail(f"SELECT * FROM {failing}")  # the batch's CREATE TABLE was rolled back
    assert error == f'ERROR: relation "{failing}" does not exist'


def test_cancel_aborts_a_running_statement(rs: Redshift):
    statement_id = rs.submit(SLOW_SQL)
    wait_until(lambda: rs.client.describe_statement(Id=statement_id)["Status"] == "STARTED", 10)
    started = time.monotonic()
    assert rs.client.cancel_statement(Id=statement_id)["Status"] is True
    described = rs.wait(statement_id)
    assert described["Status"] == "ABORTED"
    with pytest.raises(ClientError) as excinfo:
        rs.client.cancel_statement(Id=statement_id)
    assert error_code(excinfo) == "ValidationException"
    assert "already in ABORTED state" in str(excinfo.value)
    assert rs.query("SELECT 1 AS one") == [(1,)]  # the database serves the next statement
    assert time.monotonic() - started < 5


def test_statement_timeout_is_the_workgroups(session: boto3.Session):
    redshift = Redshift(session, _workgroup(session, max_query_execution_time="1"), "warehouse")
    redshift.run(
        "CREATE TABLE numbers AS SELECT generate_series AS n FROM generate_series(1, 3000)"
    )
    error = redshift.fail(SLOW_SQL)
    assert error == "ERROR: canceling statement due to statement timeout"


def test_list_statements_filters_and_pages(rs: Redshift):
    name = unique("report", sep="_")
    ids = [rs.submit(f"SELECT {i} AS i", StatementName=name) for i in range(3)]
    for statement_id in ids:
        rs.wait(statement_id)
    listed = rs.client.list_statements(StatementName=name)["Statements"]
    assert [s["Id"] for s in listed] == ids[::-1]  # newest first
    assert listed[0]["QueryString"] == "SELECT 2 AS i" and listed[0]["IsBatchStatement"] is False
    page = rs.client.list_statements(StatementName=name, MaxResults=2)
    assert len(page["Statements"]) == 2 and "NextToken" in page
    rest = rs.client.list_statements(StatementName=name, MaxResults=2, NextToken=page["NextToken"])
    assert [s["Id"] for s in rest["Statements"]] == [ids[0]]
    failed = rs.client.list_statements(Status="FAILED", WorkgroupName=rs.workgroup)["Statements"]
    assert all(s["Status"] == "FAILED" for s in failed)


def test_catalog_operations(rs: Redshift, session: boto3.Session):
    rs.run("CREATE SCHEMA IF NOT EXISTS mart")
    rs.run("CREATE TABLE IF NOT EXISTS mart.daily (day DATE NOT NULL, revenue DECIMAL(12,2))")
    rs.run("CREATE OR REPLACE VIEW mart.v_daily AS SELECT day FROM mart.daily")
    glue_db = unique("catalog", sep="_")
    glue = session.client("glue")
    glue.create_database(DatabaseInput={"Name": glue_db})
    glue.create_table(
        DatabaseName=glue_db,
        TableInput={
            "Name": "events",
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "kind", "Type": "string"}],
                "Location": "s3://nowhere/events/",
                "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            },
            "PartitionKeys": [{"Name": "day", "Type": "date"}],
            "TableType": "EXTERNAL_TABLE",
        },
    )
    rs.run(f"CREATE EXTERNAL SCHEMA ext FROM DATA CATALOG DATABASE '{glue_db}' IAM_ROLE '{ROLE}'")
    assert rs.query("SET search_path TO '$user', mart; SELECT count(*) FROM daily") == [(0,)]
    client, common = rs.client, {"WorkgroupName": rs.workgroup, "Database": "warehouse"}
    assert client.list_databases(WorkgroupName=rs.workgroup)["Databases"] == ["warehouse"]
    schemas = client.list_schemas(**common)["Schemas"]
    assert {"public", "mart", "ext", "information_schema", "pg_catalog"} <= set(schemas)
    assert client.list_schemas(**common, SchemaPattern="ma%")["Schemas"] == ["mart"]
    tables = client.list_tables(**common, SchemaPattern="%t")["Tables"]
    assert {(t["schema"], t["name"], t["type"]) for t in tables} == {
        ("mart", "daily", "TABLE"),
        ("mart", "v_daily", "VIEW"),
        ("ext", "events", "EXTERNAL TABLE"),
    }
    daily = client.describe_table(**common, Schema="mart", Table="daily")
    assert daily["TableName"] == "daily"
    assert [(c["name"], c["typeName"], c["nullable"]) for c in daily["ColumnList"]] == [
        ("day", "date", 0),
        ("revenue", "numeric", 1),
    ]
    assert (daily["ColumnList"][1]["precision"], daily["ColumnList"][1]["scale"]) == (12, 2)
    events = client.describe_table(**common, Schema="ext", Table="events")["ColumnList"]
    assert [(c["name"], c["typeName"]) for c in events] == [
        ("id", "int8"),
        ("kind", "varchar"),
        ("day", "date"),
    ]
    with pytest.raises(ClientError) as excinfo:
        client.list_schemas(WorkgroupName=rs.workgroup, Database="nope")
    assert error_code(excinfo) == "DatabaseConnectionException"
    rs.run("DROP SCHEMA ext")
    assert "ext" not in client.list_schemas(**common)["Schemas"]
    assert rs.fail("SELECT * FROM ext.events") == 'ERROR: relation "ext.events" does not exist'


def test_create_database_then_use_it(rs: Redshift):
    name = unique("analytics", sep="_")
    rs.run(f"CREATE DATABASE {name}")
    assert name in rs.client.list_databases(WorkgroupName=rs.workgroup)["Databases"]
    statement = rs.client.execute_statement(
        WorkgroupName=rs.workgroup, Database=name, Sql="CREATE TABLE t AS SELECT 42 AS answer"
    )
    assert rs.wait(statement["Id"])["Status"] == "FINISHED"
    query = rs.client.execute_statement(
        WorkgroupName=rs.workgroup, Database=name, Sql="SELECT * FROM t"
    )
    rs.wait(query["Id"])
    assert rs.client.get_statement_result(Id=query["Id"])["Records"] == [[{"longValue": 42}]]
    assert 'relation "t" does not exist' in rs.fail("SELECT * FROM t")  # other database
    error = rs.fail(f"CREATE DATABASE {name}")
    assert error == f'ERROR: database "{name}" already exists'


def test_request_errors_are_aws_shaped(rs: Redshift):
    client = rs.client
    with pytest.raises(ClientError) as excinfo:
        client.execute_statement(Database="dev", Sql="SELECT 1")
    assert error_code(excinfo) == "ValidationException"
    assert "Either ClusterIdentifier or WorkgroupName" in str(excinfo.value)
    with pytest.raises(ClientError) as excinfo:
        client.execute_statement(WorkgroupName="no-such-wg", Database="dev", Sql="SELECT 1")
    assert error_code(excinfo) == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        client.describe_statement(Id="not-an-id")
    assert error_code(excinfo) == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        client.describe_statement(Id="12345678-1234-1234-1234-123456789012")
    assert error_code(excinfo) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        client.execute_statement(
            WorkgroupName=rs.workgroup, Database="warehouse", Sql="SELECT :missing"
        )
    assert error_code(excinfo) == "ValidationException"
    failed = rs.submit("SELECT * FROM nowhere")
    rs.wait(failed)
    with pytest.raises(ClientError) as excinfo:
        client.get_statement_result(Id=failed)
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_provisioned_cluster_by_identifier(session: boto3.Session):
    cluster = unique("cluster")
    session.client("redshift").create_cluster(
        ClusterIdentifier=cluster,
        NodeType="ra3.xlplus",
        MasterUsername="admin",
        MasterUserPassword="Passw0rd1",
        DBName="sales",
    )
    client = session.client("redshift-data")
    statement = client.execute_statement(
        ClusterIdentifier=cluster, Database="sales", DbUser="admin", Sql="SELECT 6 * 7 AS answer"
    )
    assert statement["ClusterIdentifier"] == cluster
    rs = Redshift(session, "unused")
    assert rs.wait(statement["Id"])["Status"] == "FINISHED"
    assert client.get_statement_result(Id=statement["Id"])["Records"] == [[{"longValue": 42}]]


def test_step_functions_aws_sdk_redshiftdata(rs: Redshift, session: boto3.Session):
    table = unique("from_sfn", sep="_")
    definition = {
        "StartAt": "Create",
        "States": {
            "Create": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:redshiftdata:executeStatement",
                "Parameters": {
                    "WorkgroupName": rs.workgroup,
                    "Database": "warehouse",
                    "Sql": f"CREATE TABLE {table} AS SELECT 1 AS ok",
                },
                "End": True,
            }
        },
    }
    sfn = session.client("stepfunctions")
    arn = sfn.create_state_machine(
        name=unique("sm"), definition=json.dumps(definition), roleArn=role_arn(session)
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    result = wait_until(
        lambda: (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d,
        60,
    )
    assert result["status"] == "SUCCEEDED", result
    statement_id = json.loads(result["output"])["Id"]
    assert rs.wait(statement_id)["Status"] == "FINISHED"
    assert rs.query(f"SELECT ok FROM {table}") == [(1,)]


def test_with_event_notifies_eventbridge(rs: Redshift, session: boto3.Session):
    sqs, events = session.client("sqs"), session.client("events")
    queue_url = sqs.create_queue(QueueName=unique("rs-events"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    rule = unique("rs-rule")
    name = unique("evented", sep="_")
    events.put_rule(
        Name=rule,
        EventPattern=json.dumps(
            {"source": ["aws.redshift-data"], "detail": {"statementName": [name]}}
        ),
    )
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": queue_arn}])
    statement_id = rs.submit("SELECT 1", StatementName=name, WithEvent=True)
    assert rs.wait(statement_id)["Status"] in FINAL

    def received() -> dict[str, Any] | None:
        messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0).get("Messages")
        return json.loads(messages[0]["Body"]) if messages else None

    event = wait_until(received, 10)
    assert event["detail-type"] == "Redshift Data Statement Status Change"
    assert event["detail"]["statementId"] == statement_id and event["detail"]["state"] == "FINISHED"
