"""Step Functions: real ASL executions with Lambda, Glue .sync, SNS and aws-sdk tasks."""

from __future__ import annotations

import json
import uuid

import pytest

from infra_scripts.localcloud.outbox import list_mail
from tests.helpers import create_function, role_arn, unique, wait_until

pytestmark = pytest.mark.localcloud

VALIDATE = """
def handler(event, context):
    if event.get("size", 0) <= 0:
        raise ValueError("empty file: " + event["key"])
    return {"key": event["key"], "valid": event["size"] < 1000}
"""
GLUE_SCRIPT = """
import sys
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
if args.get("--fail") == "yes":
    raise RuntimeError("transform failed for " + args["--key"])
print("converted", args["--key"])
"""


@pytest.fixture(scope="module")
def stack(session, local_cloud):
    """A bucket, function, Glue job and e-mail topic for the state machines below."""
    names = {"bucket": unique("sfn-bucket"), "fn": unique("sfn-fn"), "job": unique("sfn-job")}
    s3 = session.client("s3")
    s3.create_bucket(Bucket=names["bucket"])
    s3.put_object(Bucket=names["bucket"], Key="raw/in.csv", Body=b"a,b\n1,2\n")
    s3.put_object(Bucket=names["bucket"], Key="job.py", Body=GLUE_SCRIPT.encode())
    create_function(session, names["fn"], VALIDATE)
    session.client("glue").create_job(
        Name=names["job"],
        Role=role_arn(session),
        Command={
            "Name": "pythonshell",
            "ScriptLocation": f"s3://{names['bucket']}/job.py",
            "PythonVersion": "3.9",
        },
        ExecutionProperty={"MaxConcurrentRuns": 10},
    )
    sns = session.client("sns")
    names["topic"] = sns.create_topic(Name=unique("sfn-topic"))["TopicArn"]
    names["email"] = f"{unique('ops')}@example.com"
    sns.subscribe(TopicArn=names["topic"], Protocol="email", Endpoint=names["email"])
    return names


def _pipeline(stack: dict, catch: bool) -> dict:
    failure = {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyFailure"}
    validate = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": stack["fn"], "Payload.$": "$"},
        "ResultSelector": {"key.$": "$.Payload.key", "valid.$": "$.Payload.valid"},
        "ResultPath": "$.report",
        "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 2}],
        "Next": "IsValid",
    }
    convert = {
        "Type": "Task",
        "Resource": "arn:aws:states:::glue:startJobRun.sync",
        "Parameters": {
            "JobName": stack["job"],
            "Arguments": {"--key.$": "$.report.key", "--fail.$": "$.fail"},
        },
        "ResultPath": "$.job",
        "Next": "Archive",
    }
    if catch:
        validate["Catch"] = [failure]
        convert["Catch"] = [failure]
    return {
        "StartAt": "Validate",
        "States": {
            "Validate": validate,
            "IsValid": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.report.valid", "BooleanEquals": True, "Next": "Convert"}
                ],
                "Default": "Rejected",
            },
            "Rejected": {"Type": "Fail", "Error": "FileRejected", "Cause": "file too large"},
            "Convert": convert,
            "Archive": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:copyObject",
                "Parameters": {
                    "Bucket": stack["bucket"],
                    "CopySource.$": f"States.Format('{stack['bucket']}/{{}}', $.report.key)",
                    "Key": "archive/in.csv",
                },
                "ResultPath": "$.copy",
                "Next": "NotifySuccess",
            },
            "NotifySuccess": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {
                    "TopicArn": stack["topic"],
                    "Subject": "Pipeline succeeded",
                    "Message.$": "States.Format('{} converted: {}', "
                    "$.report.key, $.job.JobRunState)",
                },
                "End": True,
            },
            "NotifyFailure": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {
                    "TopicArn": stack["topic"],
                    "Subject": "Pipeline failed",
                    "Message.$": "States.JsonToString($.error)",
                },
                "Next": "Failed",
            },
            "Failed": {"Type": "Fail", "Error": "PipelineFailed", "Cause": "see the failure mail"},
        },
    }


def _run(session, definition: dict, payload: dict) -> dict:
    sfn = session.client("stepfunctions")
    arn = sfn.create_state_machine(
        name=unique("sm"), definition=json.dumps(definition), roleArn=role_arn(session)
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))
    return _finished(sfn, execution["executionArn"])


def _finished(sfn, execution_arn: str) -> dict:
    """The execution, described once it is no longer RUNNING."""
    return wait_until(
        lambda: (
            d
            if (d := sfn.describe_execution(executionArn=execution_arn))["status"] != "RUNNING"
            else None
        ),
        60,
    )


def _states_entered(session, execution_arn: str) -> list[str]:
    events = session.client("stepfunctions").get_execution_history(executionArn=execution_arn)[
        "events"
    ]
    return [
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    ]


def test_happy_path_runs_every_integration(session, local_cloud, stack):
    payload = {"key": "raw/in.csv", "size": 10, "fail": "no"}
    result = _run(session, _pipeline(stack, catch=True), payload)
    assert result["status"] == "SUCCEEDED", result
    assert "MessageId" in json.loads(result["output"])
    assert str(uuid.UUID(result["name"])) == result["name"]  # AWS names unnamed runs by UUID
    entered = _states_entered(session, result["executionArn"])
    assert entered == ["Validate", "IsValid", "Convert", "Archive", "NotifySuccess"]
    copied = session.client("s3").get_object(Bucket=stack["bucket"], Key="archive/in.csv")
    assert copied["Body"].read() == b"a,b\n1,2\n"
    mails = list_mail(local_cloud.settings, to=stack["email"])
    assert any(
        m.subject == "Pipeline succeeded" and "converted: SUCCEEDED" in m.body for m in mails
    )


def test_glue_failure_is_caught_and_notified(session, local_cloud, stack):
    payload = {"key": "raw/in.csv", "size": 10, "fail": "yes"}
    result = _run(session, _pipeline(stack, catch=True), payload)
    assert result["status"] == "FAILED"
    assert result["error"] == "PipelineFailed"
    assert _states_entered(session, result["executionArn"])[-2:] == ["NotifyFailure", "Failed"]
    mails = list_mail(local_cloud.settings, to=stack["email"])
    failure = [m for m in mails if m.subject == "Pipeline failed"]
    assert failure and "transform failed for raw/in.csv" in failure[0].body


def test_lambda_failure_without_catch_fails_the_execution(session, stack):
    result = _run(session, _pipeline(stack, catch=False), {"key": "raw/in.csv", "size": 0})
    assert result["status"] == "FAILED"
    assert result["error"] == "ValueError"
    assert "empty file: raw/in.csv" in result["cause"]


def test_choice_routes_to_fail_state(session, stack):
    result = _run(session, _pipeline(stack, catch=True), {"key": "raw/in.csv", "size": 5000})
    assert result["status"] == "FAILED"
    assert (result["error"], result["cause"]) == ("FileRejected", "file too large")


def _retried_task(function: str, parameters: dict) -> dict:
    """A Lambda task retried twice on ValueError, 1 s apart."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function, **parameters},
        "Retry": [
            {
                "ErrorEquals": ["ValueError"],
                "IntervalSeconds": 1,
                "BackoffRate": 1.0,
                "MaxAttempts": 2,
            }
        ],
    }


def test_retry_with_backoff_then_catch(session, stack):
    definition = {
        "StartAt": "Flaky",
        "States": {
            "Flaky": {
                **_retried_task(stack["fn"], {"Payload": {"key": "k", "size": 0}}),
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recovered"}],
                "End": True,
            },
            "Recovered": {"Type": "Pass", "Result": "recovered", "End": True},
        },
    }
    result = _run(session, definition, {})
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == "recovered", result
    history = session.client("stepfunctions").get_execution_history(
        executionArn=result["executionArn"]
    )["events"]
    attempts = [e for e in history if e["type"] == "TaskScheduled"]
    assert len(attempts) == 3  # the first try and two retries


def test_concurrent_executions_of_one_definition_retry_independently(session, stack):
    """The evaluation program of a definition is shared between executions (a cache of the
    local cloud): each execution must still count its own Retry attempts and see only its
    own input."""
    from concurrent.futures import ThreadPoolExecutor

    definition = {
        "StartAt": "Flaky",
        "States": {
            "Flaky": {
                **_retried_task(stack["fn"], {"Payload.$": "$"}),
                "OutputPath": "$.Payload",
                "End": True,
            },
        },
    }
    sfn = session.client("stepfunctions")
    arn = sfn.create_state_machine(
        name=unique("sm"), definition=json.dumps(definition), roleArn=role_arn(session)
    )["stateMachineArn"]
    payloads = [{"key": f"file-{i}.csv", "size": 0 if i % 2 else 10} for i in range(6)]

    def run(payload: dict) -> dict:
        started = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))
        return _finished(sfn, started["executionArn"])

    with ThreadPoolExecutor(len(payloads)) as pool:
        results = list(pool.map(run, payloads))
    for payload, result in zip(payloads, results, strict=True):
        history = sfn.get_execution_history(executionArn=result["executionArn"])["events"]
        tries = sum(e["type"] == "TaskScheduled" for e in history)
        if payload["size"]:
            assert result["status"] == "SUCCEEDED", result
            assert json.loads(result["output"])["key"] == payload["key"]
            assert tries == 1
        else:
            assert (result["status"], result["error"]) == ("FAILED", "ValueError"), result
            assert payload["key"] in result["cause"]
            assert tries == 3, (payload, tries)  # the first try and two retries, not more


def test_sdk_result_with_timestamps_is_described(session, stack):
    definition = {
        "StartAt": "Head",
        "States": {
            "Head": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:headObject",
                "Parameters": {"Bucket": stack["bucket"], "Key": "raw/in.csv"},
                "End": True,
            }
        },
    }
    result = _run(session, definition, {})
    assert result["status"] == "SUCCEEDED"
    output = json.loads(result["output"])
    assert output["ContentLength"] == 8
    assert isinstance(output["LastModified"], str) and output["LastModified"][:2] == "20"
