"""Deploy the real pipeline into the local cloud with plain boto3 (tests only).

Buckets (raw: versioned, EventBridge on), the ValidateFile and Notify Lambdas (zip of
``pipeline_src`` + openpyxl + et_xmlfile), the Glue Python-shell job (entry script +
``pipeline_src`` zip as ``--extra-py-files``), the catalog database, the SNS topic with
``email`` and ``email-json`` subscribers, the state machine rendered from the ASL, and the
EventBridge rule on ``incoming/``. The provisioning issue replaces this with ``deploy()``.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import et_xmlfile
import openpyxl

import pipeline_src
from pipeline_src import events
from pipeline_src.statemachine import render
from tests.helpers import role_arn, unique

PACKAGE_DIR = Path(pipeline_src.__file__).parent
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class PipelineStack:
    raw_bucket: str
    processed_bucket: str
    database: str
    table: str
    topic_arn: str
    email: str
    email_json: str
    state_machine_arn: str
    job_name: str
    validate_function: str
    notify_function: str


def _add_tree(archive: zipfile.ZipFile, folder: Path, arcname: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            info = zipfile.ZipInfo(f"{arcname}/{path.relative_to(folder).as_posix()}", _FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def package_zip(*, with_openpyxl: bool) -> bytes:
    """``pipeline_src`` (and the XLSX reader's packages for the Lambda) as a zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add_tree(archive, PACKAGE_DIR, "pipeline_src")
        if with_openpyxl:
            _add_tree(archive, Path(openpyxl.__file__).parent, "openpyxl")
            _add_tree(archive, Path(et_xmlfile.__file__).parent, "et_xmlfile")
    return buffer.getvalue()


def deploy(session: boto3.Session, prefix: str = "pipe") -> PipelineStack:
    """Create every resource of the pipeline under fresh names; return them."""
    s3, lam, glue = session.client("s3"), session.client("lambda"), session.client("glue")
    sns, sfn, rules = (
        session.client("sns"),
        session.client("stepfunctions"),
        session.client("events"),
    )
    role = role_arn(session)
    raw, processed = unique(f"{prefix}-raw"), unique(f"{prefix}-processed")
    for bucket in (raw, processed):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=raw, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket=raw, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    database, table = unique(f"{prefix}_db").replace("-", "_"), "sales"
    glue.create_database(DatabaseInput={"Name": database})

    topic = sns.create_topic(Name=unique(f"{prefix}-topic"))["TopicArn"]
    email, email_json = f"{unique('owner')}@example.com", f"{unique('bot')}@example.com"
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=email)
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint=email_json)

    lambda_zip = package_zip(with_openpyxl=True)
    functions = {}
    for name, handler, env in (
        ("validate", "pipeline_src.handlers.validate_file.handler", {"QUARANTINE_BUCKET": raw}),
        (
            "notify",
            "pipeline_src.handlers.notify.handler",
            {"TOPIC_ARN": topic, "PROCESSED_BUCKET": processed},
        ),
    ):
        functions[name] = lam.create_function(
            FunctionName=unique(f"{prefix}-{name}"),
            Runtime="python3.11",
            Role=role,
            Handler=handler,
            Code={"ZipFile": lambda_zip},
            Timeout=60,
            MemorySize=512,
            Environment={"Variables": env},
        )["FunctionArn"]

    s3.put_object(
        Bucket=processed, Key="_code/job.py", Body=(PACKAGE_DIR / "etl" / "job.py").read_bytes()
    )
    s3.put_object(
        Bucket=processed, Key="_code/pipeline_src.zip", Body=package_zip(with_openpyxl=False)
    )
    job = unique(f"{prefix}-etl")
    glue.create_job(
        Name=job,
        Role=role,
        Command={
            "Name": "pythonshell",
            "ScriptLocation": f"s3://{processed}/_code/job.py",
            "PythonVersion": "3.9",
        },
        DefaultArguments={
            "--extra-py-files": f"s3://{processed}/_code/pipeline_src.zip",
            "--additional-python-modules": "openpyxl",
            "--processed-bucket": processed,
            "--database": database,
            "--table": table,
        },
        MaxCapacity=0.0625,
        Timeout=10,
        ExecutionProperty={"MaxConcurrentRuns": 10},
    )

    definition = render(
        {
            "ValidateFunctionArn": functions["validate"],
            "NotifyFunctionArn": functions["notify"],
            "GlueJobName": job,
        }
    )
    machine = sfn.create_state_machine(
        name=unique(f"{prefix}-pipeline"), definition=definition, roleArn=role
    )["stateMachineArn"]
    rule = unique(f"{prefix}-uploads")
    rules.put_rule(Name=rule, EventPattern=json.dumps(events.event_pattern(raw)))
    rules.put_targets(
        Rule=rule,
        Targets=[
            {
                "Id": "pipeline",
                "Arn": machine,
                "RoleArn": role,
                "InputTransformer": {
                    "InputPathsMap": events.RULE_INPUT_PATHS,
                    "InputTemplate": events.RULE_INPUT_TEMPLATE,
                },
            }
        ],
    )
    return PipelineStack(
        raw_bucket=raw,
        processed_bucket=processed,
        database=database,
        table=table,
        topic_arn=topic,
        email=email,
        email_json=email_json,
        state_machine_arn=machine,
        job_name=job,
        validate_function=functions["validate"],
        notify_function=functions["notify"],
    )


def wait_for_execution(
    session: boto3.Session, stack: PipelineStack, key: str, version_id: str, deadline_s: float = 60
) -> dict[str, Any]:
    """The finished execution started for the upload of ``key`` (that exact version)."""
    sfn = session.client("stepfunctions")
    deadline = time.monotonic() + deadline_s
    known: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        for item in sfn.list_executions(stateMachineArn=stack.state_machine_arn)["executions"]:
            arn = item["executionArn"]
            if arn not in known:
                known[arn] = json.loads(sfn.describe_execution(executionArn=arn)["input"])
            payload = known[arn]
            if payload.get("key") == key and payload.get("version_id") == version_id:
                described = sfn.describe_execution(executionArn=arn)
                if described["status"] != "RUNNING":
                    return described
        time.sleep(0.2)
    raise TimeoutError(f"no finished execution for {key} ({version_id}) within {deadline_s}s")


def states_entered(session: boto3.Session, execution_arn: str) -> list[str]:
    history = session.client("stepfunctions").get_execution_history(
        executionArn=execution_arn, maxResults=1000
    )["events"]
    return [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]
