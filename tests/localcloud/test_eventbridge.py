"""EventBridge: rules deliver S3 and custom events to Step Functions and Lambda targets."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.helpers import create_function, role_arn, unique, wait_until

pytestmark = pytest.mark.localcloud

# A state machine that returns its input, so each test can read what the target received.
ECHO = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}
# A function that stores its event in S3 (async invocations have no caller to answer).
RECORDER = """
import json, boto3
def handler(event, context):
    boto3.client("s3").put_object(
        Bucket=event["bucket"] if isinstance(event, dict) and "bucket" in event else "{bucket}",
        Key="events/" + context.aws_request_id, Body=json.dumps(event).encode())
"""


def _echo_machine(session) -> str:
    return session.client("stepfunctions").create_state_machine(
        name=unique("echo"), definition=json.dumps(ECHO), roleArn=role_arn(session)
    )["stateMachineArn"]


def _outputs(session, machine: str, count: int) -> list[dict]:
    sfn = session.client("stepfunctions")

    def finished() -> list[dict] | None:
        runs = sfn.list_executions(stateMachineArn=machine)["executions"]
        done = [r for r in runs if r["status"] == "SUCCEEDED"]
        return done if len(done) >= count else None

    runs = wait_until(finished, 30)
    return [
        json.loads(sfn.describe_execution(executionArn=r["executionArn"])["output"]) for r in runs
    ]


@pytest.fixture
def raw_bucket(session) -> str:
    bucket = unique("raw")
    s3 = session.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    return bucket


def _s3_rule(session, bucket: str, target: dict) -> None:
    events = session.client("events")
    name = unique("rule")
    pattern = {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"prefix": "incoming/"}]}},
    }
    events.put_rule(Name=name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, Targets=[{"Id": "t1", "RoleArn": role_arn(session), **target}])


def test_s3_upload_starts_the_state_machine_with_an_aws_shaped_event(session, raw_bucket):
    machine = _echo_machine(session)
    _s3_rule(session, raw_bucket, {"Arn": machine})
    s3 = session.client("s3")
    put = s3.put_object(Bucket=raw_bucket, Key="incoming/day1.csv", Body=b"a,b\n")
    s3.put_object(Bucket=raw_bucket, Key="elsewhere/ignored.csv", Body=b"a,b\n")
    [event] = _outputs(session, machine, 1)
    assert event["source"] == "aws.s3"
    assert event["detail-type"] == "Object Created"
    assert event["detail"]["bucket"]["name"] == raw_bucket
    assert event["detail"]["object"]["key"] == "incoming/day1.csv"
    assert event["detail"]["object"]["version-id"] == put["VersionId"]
    assert str(uuid.UUID(event["id"])) == event["id"]
    assert event["time"].endswith("Z") and event["time"][4] == "-"
    runs = session.client("stepfunctions").list_executions(stateMachineArn=machine)
    assert len(runs["executions"]) == 1  # the key outside incoming/ started nothing


def test_each_upload_gets_its_own_event_id(session, raw_bucket):
    machine = _echo_machine(session)
    _s3_rule(session, raw_bucket, {"Arn": machine})
    for day in (1, 2):
        session.client("s3").put_object(Bucket=raw_bucket, Key=f"incoming/{day}.csv", Body=b"x")
    events = _outputs(session, machine, 2)
    assert len({e["id"] for e in events}) == 2


def test_input_path_and_input_transformer(session, raw_bucket):
    by_path, by_template = _echo_machine(session), _echo_machine(session)
    _s3_rule(session, raw_bucket, {"Arn": by_path, "InputPath": "$.detail.object"})
    _s3_rule(
        session,
        raw_bucket,
        {
            "Arn": by_template,
            "InputTransformer": {
                "InputPathsMap": {"b": "$.detail.bucket.name", "k": "$.detail.object.key"},
                "InputTemplate": '{"bucket": <b>, "key": <k>, "note": "file <k> arrived"}',
            },
        },
    )
    session.client("s3").put_object(Bucket=raw_bucket, Key="incoming/t.json", Body=b"[]")
    [obj] = _outputs(session, by_path, 1)
    assert obj["key"] == "incoming/t.json" and obj["size"] == 2
    [shaped] = _outputs(session, by_template, 1)
    assert shaped == {
        "bucket": raw_bucket,
        "key": "incoming/t.json",
        "note": "file incoming/t.json arrived",
    }


def test_constant_input_to_a_lambda_target_from_put_events(session):
    bucket = unique("eb-lambda")
    session.client("s3").create_bucket(Bucket=bucket)
    fn = unique("recorder")
    arn = create_function(session, fn, RECORDER.replace("{bucket}", bucket))["FunctionArn"]
    events = session.client("events")
    rule = unique("rule")
    rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["kit.tests"]}))[
        "RuleArn"
    ]
    # As on AWS, the function's policy must let the rule invoke it.
    session.client("lambda").add_permission(
        FunctionName=fn,
        StatementId="events",
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        SourceArn=rule_arn,
    )
    events.put_targets(
        Rule=rule, Targets=[{"Id": "fn", "Arn": arn, "Input": json.dumps({"bucket": bucket})}]
    )
    events.put_events(
        Entries=[{"Source": "kit.tests", "DetailType": "ping", "Detail": json.dumps({"n": 1})}]
    )
    contents = wait_until(
        lambda: session.client("s3").list_objects_v2(Bucket=bucket).get("Contents"), 30
    )
    body = session.client("s3").get_object(Bucket=bucket, Key=contents[0]["Key"])["Body"].read()
    assert json.loads(body) == {"bucket": bucket}


def test_other_target_types_keep_working(session):
    sqs = session.client("sqs")
    queue_url = sqs.create_queue(QueueName=unique("eb-queue"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    machine = _echo_machine(session)
    events = session.client("events")
    rule = unique("rule")
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["kit.mixed"]}))
    events.put_targets(
        Rule=rule,
        Targets=[
            {"Id": "q", "Arn": queue_arn},
            {"Id": "sm", "Arn": machine, "RoleArn": role_arn(session)},
        ],
    )
    events.put_events(
        Entries=[{"Source": "kit.mixed", "DetailType": "d", "Detail": json.dumps({"k": "v"})}]
    )
    messages = wait_until(
        lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages"), 30
    )
    assert json.loads(messages[0]["Body"])["detail"] == {"k": "v"}
    [event] = _outputs(session, machine, 1)
    assert event["detail"] == {"k": "v"}
