"""The AWS CLI v1 (the ``aws`` of the clients extra) against the local cloud, as its users
point it at a custom endpoint: ``--endpoint-url`` on every command, dummy keys and the region
in the environment, no shared config."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.clients.conftest import Warehouse, client_environment, need_command, run
from tests.helpers import role_arn, unique, zip_code

pytestmark = [pytest.mark.localcloud, pytest.mark.clients]

Aws = Callable[..., Any]


@pytest.fixture(scope="module")
def aws(warehouse: Warehouse) -> Aws:
    executable = need_command("aws")
    env = client_environment(warehouse.region)

    def call(*args: str) -> Any:
        command = [executable, "--endpoint-url", warehouse.endpoint, "--output", "json", *args]
        done = run(command, env=env, timeout=120)
        assert done.returncode == 0, f"aws {' '.join(args)}: {done.stderr[-3000:]}"
        return json.loads(done.stdout) if done.stdout.strip() else None

    return call


def _until(probe: Callable[[], Any], done: Callable[[Any], bool], deadline_s: float = 60) -> Any:
    deadline = time.monotonic() + deadline_s
    while not done(value := probe()):
        assert time.monotonic() < deadline, value
        time.sleep(0.1)
    return value


def test_athena(aws: Aws, warehouse: Warehouse) -> None:
    qid = aws(
        "athena",
        "start-query-execution",
        "--query-string",
        f"SELECT customer, amount FROM {warehouse.table} WHERE id = 2",
        "--query-execution-context",
        f"Database={warehouse.database},Catalog=AwsDataCatalog",
        "--result-configuration",
        f"OutputLocation={warehouse.staging}",
    )["QueryExecutionId"]
    execution = _until(
        lambda: aws("athena", "get-query-execution", "--query-execution-id", qid),
        lambda e: e["QueryExecution"]["Status"]["State"] not in ("QUEUED", "RUNNING"),
    )["QueryExecution"]
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert execution["ResultConfiguration"]["OutputLocation"].startswith(warehouse.staging)
    results = aws("athena", "get-query-results", "--query-execution-id", qid)["ResultSet"]
    values = [[c.get("VarCharValue") for c in r["Data"]] for r in results["Rows"]]
    assert values == [["customer", "amount"], ["bob", "20.0"]]
    columns = results["ResultSetMetadata"]["ColumnInfo"]
    assert [(c["Name"], c["Type"]) for c in columns] == [
        ("customer", "varchar"),
        ("amount", "double"),
    ]

    catalogs = aws("athena", "list-data-catalogs")["DataCatalogsSummary"]
    assert {"CatalogName": "AwsDataCatalog", "Type": "GLUE"} in catalogs
    catalog = aws("athena", "get-data-catalog", "--name", "AwsDataCatalog")["DataCatalog"]
    assert catalog["Type"] == "GLUE"
    databases = aws("athena", "list-databases", "--catalog-name", "AwsDataCatalog")
    assert warehouse.database in [d["Name"] for d in databases["DatabaseList"]]
    in_database = ("--catalog-name", "AwsDataCatalog", "--database-name", warehouse.database)
    tables = aws("athena", "list-table-metadata", *in_database)["TableMetadataList"]
    assert warehouse.table in [t["Name"] for t in tables]
    table = aws("athena", "get-table-metadata", *in_database, "--table-name", warehouse.table)
    assert [c["Name"] for c in table["TableMetadata"]["PartitionKeys"]] == ["region"]

    named = aws(
        "athena",
        "create-named-query",
        "--name",
        unique("cli-query"),
        "--database",
        warehouse.database,
        "--query-string",
        "SELECT 1",
    )["NamedQueryId"]
    assert named in aws("athena", "list-named-queries")["NamedQueryIds"]
    batch = aws("athena", "batch-get-named-query", "--named-query-ids", named)
    assert [q["QueryString"] for q in batch["NamedQueries"]] == ["SELECT 1"]
    assert batch["UnprocessedNamedQueryIds"] == []
    groups = aws("athena", "list-work-groups")["WorkGroups"]
    assert "primary" in [g["Name"] for g in groups]
    assert aws("athena", "get-work-group", "--work-group", "primary")["WorkGroup"]["Name"] == (
        "primary"
    )
    assert qid in aws("athena", "list-query-executions")["QueryExecutionIds"]
    statistics = aws("athena", "get-query-runtime-statistics", "--query-execution-id", qid)
    assert statistics["QueryRuntimeStatistics"]["Rows"]["OutputRows"] == 1
    database = aws("athena", "get-database", *in_database)["Database"]
    assert database["Name"] == warehouse.database
    matched = aws("athena", "list-table-metadata", *in_database, "--expression", "ord*")
    assert [t["Name"] for t in matched["TableMetadataList"]] == [warehouse.table]


def test_glue(aws: Aws, warehouse: Warehouse) -> None:
    databases = aws("glue", "get-databases")["DatabaseList"]
    assert warehouse.database in [d["Name"] for d in databases]
    tables = aws("glue", "get-tables", "--database-name", warehouse.database)["TableList"]
    assert warehouse.table in [t["Name"] for t in tables]
    partitions = aws(
        "glue", "get-partitions", "--database-name", warehouse.database, "--table-name", "orders"
    )["Partitions"]
    assert sorted(p["Values"] for p in partitions) == [["eu"], ["us"]]


def test_stepfunctions(aws: Aws, session) -> None:
    definition = {
        "StartAt": "Greet",
        "States": {"Greet": {"Type": "Pass", "Parameters": {"greeting.$": "$.name"}, "End": True}},
    }
    name = unique("cli-machine")
    arn = aws(
        "stepfunctions",
        "create-state-machine",
        "--name",
        name,
        "--definition",
        json.dumps(definition),
        "--role-arn",
        role_arn(session),
    )["stateMachineArn"]
    machines = aws("stepfunctions", "list-state-machines")["stateMachines"]
    assert arn in [m["stateMachineArn"] for m in machines]
    execution = aws(
        "stepfunctions",
        "start-execution",
        "--state-machine-arn",
        arn,
        "--input",
        json.dumps({"name": "reader"}),
    )["executionArn"]
    described = _until(
        lambda: aws("stepfunctions", "describe-execution", "--execution-arn", execution),
        lambda d: d["status"] != "RUNNING",
    )
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"greeting": "reader"}


def test_lambda_and_logs(aws: Aws, session, tmp_path: Path) -> None:
    name = unique("cli-function")
    package = tmp_path / "function.zip"
    package.write_bytes(
        zip_code(
            {
                "app.py": "def handler(event, context):\n    print('hi', event)\n"
                "    return {'doubled': event['n'] * 2}\n"
            }
        )
    )
    aws(
        "lambda",
        "create-function",
        "--function-name",
        name,
        "--runtime",
        "python3.11",
        "--handler",
        "app.handler",
        "--role",
        role_arn(session),
        "--zip-file",
        f"fileb://{package}",
    )
    functions = aws("lambda", "list-functions")["Functions"]
    assert name in [f["FunctionName"] for f in functions]
    response = tmp_path / "response.json"
    invoked = aws(
        "lambda",
        "invoke",
        "--function-name",
        name,
        "--payload",  # CLI v1 sends a blob argument as it is (v2 wants base64)
        json.dumps({"n": 21}),
        "--log-type",
        "Tail",
        str(response),
    )
    assert invoked["StatusCode"] == 200 and "FunctionError" not in invoked, invoked
    assert json.loads(response.read_text()) == {"doubled": 42}
    assert "hi" in base64.b64decode(invoked["LogResult"]).decode()

    group = f"/aws/lambda/{name}"
    groups = _until(
        lambda: aws("logs", "describe-log-groups", "--log-group-name-prefix", group),
        lambda g: g["logGroups"],
    )["logGroups"]
    assert [g["logGroupName"] for g in groups] == [group]
    events = _until(
        lambda: aws(
            "logs", "filter-log-events", "--log-group-name", group, "--filter-pattern", "hi"
        ),
        lambda e: e["events"],
    )["events"]
    assert any("hi {'n': 21}" in e["message"] for e in events)


def test_redshift_data(aws: Aws) -> None:
    namespace, workgroup = unique("cli-ns"), unique("cli-wg")
    aws(
        "redshift-serverless",
        "create-namespace",
        "--namespace-name",
        namespace,
        "--db-name",
        "dev",
    )
    aws(
        "redshift-serverless",
        "create-workgroup",
        "--workgroup-name",
        workgroup,
        "--namespace-name",
        namespace,
    )
    statement = aws(
        "redshift-data",
        "execute-statement",
        "--workgroup-name",
        workgroup,
        "--database",
        "dev",
        "--sql",
        "SELECT 41 + 1 AS answer, 'books' AS shelf",
    )["Id"]
    described = _until(
        lambda: aws("redshift-data", "describe-statement", "--id", statement),
        lambda d: d["Status"] in ("FINISHED", "FAILED", "ABORTED"),
    )
    assert described["Status"] == "FINISHED", described
    result = aws("redshift-data", "get-statement-result", "--id", statement)
    assert [c["name"] for c in result["ColumnMetadata"]] == ["answer", "shelf"]
    assert result["Records"] == [[{"longValue": 42}, {"stringValue": "books"}]]
