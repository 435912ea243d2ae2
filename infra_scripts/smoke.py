"""The end-to-end smoke behind ``make demo``: S3 upload → EventBridge → Step Functions
(Lambda → Glue Python shell ``.sync`` → SNS) → a mail in the local cloud's outbox.

It deploys throw-away resources named ``<stack>-smoke-*``; the real pipeline's
provisioning replaces it in a later step of the kit.
"""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import ClientError

from infra_scripts.config import Settings
from infra_scripts.exceptions import WaitTimeoutError
from infra_scripts.localcloud import process
from infra_scripts.localcloud.outbox import list_mail
from infra_scripts.session import make_session

LAMBDA_CODE = """
def handler(event, context):
    obj = event["detail"]["object"]
    print(f"checking {obj['key']} ({obj['size']} bytes)")
    return {"key": obj["key"], "size": obj["size"], "valid": obj["size"] > 0}
"""
GLUE_SCRIPT = """
import sys
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
print(f"job {args['--JOB_NAME']} run {args['--JOB_RUN_ID']} converting {args['--source_key']}")
"""


def _definition(function: str, job: str, topic_arn: str) -> dict[str, Any]:
    return {
        "Comment": "make demo smoke: validate, convert, notify",
        "StartAt": "Validate",
        "States": {
            "Validate": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function, "Payload.$": "$"},
                "ResultSelector": {"report.$": "$.Payload"},
                "Next": "Convert",
            },
            "Convert": {
                "Type": "Task",
                "Resource": "arn:aws:states:::glue:startJobRun.sync",
                "Parameters": {"JobName": job, "Arguments": {"--source_key.$": "$.report.key"}},
                "ResultSelector": {"state.$": "$.JobRunState", "seconds.$": "$.ExecutionTime"},
                "ResultPath": "$.job",
                "Retry": [{"ErrorEquals": ["Glue.ConcurrentRunsExceededException"]}],
                "Next": "Notify",
            },
            "Notify": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {
                    "TopicArn": topic_arn,
                    "Subject": "Smoke test: file processed",
                    "Message.$": "States.Format('{} ({} bytes) was validated and converted: "
                    "Glue run {}.', $.report.key, $.report.size, $.job.state)",
                },
                "End": True,
            },
        },
    }


def _zip(name: str, text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), text)
    return buf.getvalue()


def _exists(call: Callable[[], Any], *missing: str) -> bool:
    try:
        call()
    except ClientError as exc:
        if exc.response["Error"]["Code"] in missing:
            return False
        raise
    return True


TRUSTED = (
    "lambda.amazonaws.com",
    "glue.amazonaws.com",
    "states.amazonaws.com",
    "events.amazonaws.com",
)


def _role_policy(name: str, region: str, account: str) -> dict[str, Any]:
    """What the smoke's code does, and nothing else (IAM is evaluated in the local cloud as
    on AWS): EventBridge starts the machine, whose tasks invoke the function, run the job
    and publish to the topic."""
    arn = f"arn:aws:{{}}:{region}:{account}:{{}}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "states:StartExecution",
                "Resource": arn.format("states", f"stateMachine:{name}"),
            },
            {
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": [
                    arn.format("lambda", f"function:{name}"),
                    arn.format("lambda", f"function:{name}:*"),
                ],
            },
            {
                "Effect": "Allow",
                "Action": [
                    "glue:StartJobRun",
                    "glue:GetJobRun",
                    "glue:GetJobRuns",
                    "glue:BatchStopJobRun",
                ],
                "Resource": arn.format("glue", f"job/{name}"),
            },
            {"Effect": "Allow", "Action": "sns:Publish", "Resource": arn.format("sns", name)},
        ],
    }


def _ensure_role(iam: Any, name: str, policy: dict[str, Any]) -> str:
    """The smoke's role (created if missing), its trust and policy set to the current ones."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": list(TRUSTED)}, "Action": "sts:AssumeRole"}
        ],
    }
    if not _exists(lambda: iam.get_role(RoleName=name), "NoSuchEntity"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    else:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=name, PolicyName="smoke", PolicyDocument=json.dumps(policy))
    return iam.get_role(RoleName=name)["Role"]["Arn"]


def deploy_smoke(session: boto3.Session, settings: Settings) -> dict[str, str]:
    """Create (or reuse) the smoke resources; return their names and ARNs."""
    name = f"{settings.stack_name}-smoke"
    iam, lam, glue = session.client("iam"), session.client("lambda"), session.client("glue")
    s3, sns, sfn = session.client("s3"), session.client("sns"), session.client("stepfunctions")
    events = session.client("events")
    account = session.client("sts").get_caller_identity()["Account"]
    bucket = f"{name}-{account}"

    role = _ensure_role(iam, name, _role_policy(name, session.region_name, account))
    if not _exists(lambda: s3.head_bucket(Bucket=bucket), "404", "NoSuchBucket"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    s3.put_object(Bucket=bucket, Key="scripts/smoke_job.py", Body=GLUE_SCRIPT.encode())
    if _exists(lambda: lam.get_function(FunctionName=name), "ResourceNotFoundException"):
        lam.update_function_code(FunctionName=name, ZipFile=_zip("app.py", LAMBDA_CODE))
    else:
        lam.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": _zip("app.py", LAMBDA_CODE)},
            Timeout=10,
        )
    job = {
        "Role": role,
        "Command": {
            "Name": "pythonshell",
            "ScriptLocation": f"s3://{bucket}/scripts/smoke_job.py",
            "PythonVersion": "3.9",
        },
        "MaxCapacity": 0.0625,
        "ExecutionProperty": {"MaxConcurrentRuns": 5},
    }
    glue.delete_job(JobName=name)  # idempotent; moto 5.2.5 has no UpdateJob
    glue.create_job(Name=name, **job)
    topic = sns.create_topic(Name=name)["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=settings.email)
    definition = json.dumps(_definition(name, name, topic))
    machines = {m["name"]: m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]}
    if name in machines:
        machine = machines[name]
        sfn.update_state_machine(stateMachineArn=machine, definition=definition)
    else:
        machine = sfn.create_state_machine(name=name, definition=definition, roleArn=role)[
            "stateMachineArn"
        ]
    pattern = {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"prefix": "incoming/"}]}},
    }
    events.put_rule(Name=name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, Targets=[{"Id": "pipeline", "Arn": machine, "RoleArn": role}])
    return {"bucket": bucket, "state_machine": machine, "topic": topic, "name": name}


def wait_for_execution(
    session: boto3.Session, machine: str, key: str, deadline_s: float = 60.0
) -> dict[str, Any]:
    """The execution of ``machine`` started for the upload of ``key``, once it has finished."""
    sfn = session.client("stepfunctions")
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        for execution in sfn.list_executions(stateMachineArn=machine)["executions"]:
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            event = json.loads(described.get("input") or "{}")
            if event.get("detail", {}).get("object", {}).get("key") != key:
                continue
            if described["status"] != "RUNNING":
                return described
        time.sleep(0.1)
    raise WaitTimeoutError(f"no execution of {machine} for {key} finished within {deadline_s:.0f}s")


def run_smoke(settings: Settings) -> bool:
    """Run the smoke end to end on the local cloud, printing each step; True if it passed."""
    settings = Settings.load(env={}, **{**vars(settings), "target": "local"})
    t0 = time.perf_counter()
    status, started = process.start(settings)
    print(f"1. local cloud {'started' if started else 'already running'}: {status.describe()}")
    session = make_session(settings)
    res = deploy_smoke(session, settings)
    print(f"2. deployed Lambda, Glue job, SNS topic and state machine '{res['name']}'")
    key = f"incoming/smoke-{uuid.uuid4().hex[:8]}.csv"
    session.client("s3").put_object(Bucket=res["bucket"], Key=key, Body=b"title,price\nDune,9.99\n")
    print(f"3. uploaded s3://{res['bucket']}/{key}")
    execution = wait_for_execution(session, res["state_machine"], key)
    history = session.client("stepfunctions").get_execution_history(
        executionArn=execution["executionArn"]
    )["events"]
    for event in history:
        if event["type"].endswith("StateExited"):
            state = event["stateExitedEventDetails"]["name"]
            print(f"   - {state}: {event['stateExitedEventDetails']['output'][:100]}")
    print(f"4. execution {execution['name']}: {execution['status']}")
    mails = [m for m in list_mail(settings, to=settings.email) if key in m.body]
    if mails:
        print(f"5. mail to {mails[0].to}: '{mails[0].subject}': {mails[0].body}")
    ok = execution["status"] == "SUCCEEDED" and bool(mails)
    print(f"smoke {'passed' if ok else 'FAILED'} in {time.perf_counter() - t0:.1f}s")
    if not ok:
        print(f"   cause: {execution.get('error')} {execution.get('cause')}")
    return ok
