"""The real pipeline in the local cloud, deployed by the kit's own ``deploy()`` (tests).

Each test module gets a stack of its own name (the local cloud is shared by the session),
plus an ``email-json`` subscriber next to the owner's ``email`` one.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from typing import Any

import boto3

from infra_scripts.config import Settings
from infra_scripts.provision import deploy as provision
from tests.helpers import unique


@dataclass(frozen=True)
class PipelineStack:
    raw_bucket: str
    processed_bucket: str
    quarantine_bucket: str
    database: str
    table: str
    topic_arn: str
    email: str
    email_json: str
    state_machine_arn: str
    job_name: str
    validate_function: str
    notify_function: str
    outputs: dict[str, str]  # everything deploy() returned (ops helpers take this mapping)


def deploy(session: boto3.Session, settings: Settings, prefix: str = "pipe") -> PipelineStack:
    """``deploy()`` a stack named ``<prefix>-<random>``; return its outputs."""
    settings = dataclasses.replace(
        settings, stack_name=unique(prefix), email=f"{unique('owner')}@example.com"
    )
    outputs = provision(settings, session, progress=lambda _: None).outputs
    email_json = f"{unique('bot')}@example.com"
    session.client("sns").subscribe(
        TopicArn=outputs["topic_arn"], Protocol="email-json", Endpoint=email_json
    )
    return PipelineStack(
        raw_bucket=outputs["raw_bucket"],
        processed_bucket=outputs["processed_bucket"],
        quarantine_bucket=outputs["quarantine_bucket"],
        database=outputs["glue_database"],
        table=outputs["glue_table"],
        topic_arn=outputs["topic_arn"],
        email=settings.email,
        email_json=email_json,
        state_machine_arn=outputs["state_machine_arn"],
        job_name=outputs["glue_job"],
        validate_function=outputs["validate_function"],
        notify_function=outputs["notify_function"],
        outputs=dict(outputs),
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


def wait_for_executions(
    session: boto3.Session,
    stack: PipelineStack,
    uploads: list[tuple[str, str]],
    deadline_s: float = 90,
    poll_s: float = 0.1,
) -> dict[tuple[str, str], dict[str, Any]]:
    """The finished executions of many uploads, by (key, version id).

    One ListExecutions per poll and each execution's input read once: cheap for a burst.
    """
    sfn = session.client("stepfunctions")
    wanted = set(uploads)
    upload_of: dict[str, tuple[str, str] | None] = {}  # execution ARN → its upload
    done: dict[tuple[str, str], dict[str, Any]] = {}
    deadline = time.monotonic() + deadline_s
    paginator = sfn.get_paginator("list_executions")
    while time.monotonic() < deadline:
        for page in paginator.paginate(stateMachineArn=stack.state_machine_arn):
            for item in page["executions"]:
                arn = item["executionArn"]
                if arn not in upload_of:
                    payload = json.loads(sfn.describe_execution(executionArn=arn)["input"])
                    upload = (payload.get("key"), payload.get("version_id"))
                    upload_of[arn] = upload if upload in wanted else None
                upload = upload_of[arn]
                if upload is not None and upload not in done and item["status"] != "RUNNING":
                    done[upload] = sfn.describe_execution(executionArn=arn)
        if len(done) == len(wanted):
            return done
        time.sleep(poll_s)
    missing = sorted(wanted - set(done))
    raise TimeoutError(f"{len(missing)} executions unfinished after {deadline_s}s: {missing[:5]}")


def athena(session: boto3.Session, stack: PipelineStack, sql: str) -> Any:
    """A query's result as a DataFrame (results under the processed bucket's ``_athena/``)."""
    import awswrangler as wr

    return wr.athena.read_sql_query(
        sql,
        database=stack.database,
        ctas_approach=False,
        s3_output=f"s3://{stack.processed_bucket}/_athena/",
        boto3_session=session,
    )
