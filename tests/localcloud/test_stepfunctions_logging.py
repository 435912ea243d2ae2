"""Executions log to CloudWatch Logs as their state machine's loggingConfiguration says.

AWS's log records (CloudWatch Logs for Step Functions, "Logging Step Functions using
CloudWatch Logs" in the developer guide): one JSON document per history event with ``id``,
``type``, ``details``, ``previous_event_id``, ``event_timestamp`` (epoch milliseconds, as
text), ``execution_arn`` and ``redrive_count``; the log levels
(cloudwatch-log-level.html): ERROR keeps failure events such as FailStateEntered and
ExecutionFailed, FATAL only the execution's end (ExecutionFailed, …Aborted, …TimedOut).
"""

from __future__ import annotations

import json
import time

import pytest

from tests.helpers import role_arn, unique, wait_until

pytestmark = pytest.mark.localcloud


def _machine(session, level: str, definition: dict, group: str, machine_type: str = "STANDARD"):
    logs = session.client("logs")
    logs.create_log_group(logGroupName=group)
    group_arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"]
    return session.client("stepfunctions").create_state_machine(
        name=unique("logged"),
        definition=json.dumps(definition),
        roleArn=role_arn(session),
        type=machine_type,
        loggingConfiguration={
            "level": level,
            "includeExecutionData": True,
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group_arn}}],
        },
    )["stateMachineArn"]


def _records(session, group: str) -> list[dict]:
    events = session.client("logs").filter_log_events(logGroupName=group)["events"]
    return [json.loads(e["message"]) for e in events]


PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": 1}, "End": True}}}
FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "why"}}}


def test_level_all_logs_every_event_in_aws_shape(session):
    group = f"/aws/vendedlogs/states/{unique('all')}"
    machine = _machine(session, "ALL", PASS, group)
    sfn = session.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=machine, input='{"a": 1}')["executionArn"]
    wait_until(lambda: sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED")
    records = wait_until(lambda: len(_records(session, group)) >= 4 and _records(session, group))
    assert [r["type"] for r in records] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    first = records[0]
    assert set(first) >= {
        "id",
        "type",
        "details",
        "previous_event_id",
        "event_timestamp",
        "execution_arn",
        "redrive_count",
    }
    assert (first["id"], first["previous_event_id"], first["redrive_count"]) == ("1", "0", "0")
    assert first["execution_arn"] == execution
    assert abs(int(first["event_timestamp"]) / 1000 - time.time()) < 60
    assert json.loads(first["details"]["input"]) == {"a": 1}
    stream = session.client("logs").describe_log_streams(logGroupName=group)["logStreams"][0]
    assert stream["logStreamName"].startswith(f"states/{machine.rsplit(':', 1)[-1]}/")


@pytest.mark.parametrize(
    ("level", "logged"),
    [("ERROR", ["FailStateEntered", "ExecutionFailed"]), ("FATAL", ["ExecutionFailed"])],
)
def test_error_and_fatal_levels_log_only_failures_of_an_express_machine(session, level, logged):
    group = f"/aws/vendedlogs/states/{unique(level.lower())}"
    machine = _machine(session, level, FAIL, group, machine_type="EXPRESS")
    session.client("stepfunctions").start_execution(stateMachineArn=machine, input="{}")
    records = wait_until(
        lambda: len(_records(session, group)) >= len(logged) and _records(session, group)
    )
    time.sleep(0.5)  # nothing else arrives
    records = _records(session, group)
    assert [r["type"] for r in records] == logged
    assert (records[-1]["details"]["error"], records[-1]["details"]["cause"]) == ("Boom", "why")
