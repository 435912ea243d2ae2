"""The local cloud keeps its state: stop/start and kill -9 lose nothing that was answered.

A persistent local cloud of its own (not the session's ephemeral one), driven with boto3 as a
user would: deploy the stack, load files, query; restart; compare what AWS's APIs answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra_scripts.exceptions import LocalCloudError
from infra_scripts.localcloud import process
from infra_scripts.localcloud.process import LocalCloud
from tests.conftest import TEST_GLUE_MINUTE_SECONDS
from tests.helpers import unique
from tests.pipeline_stack import PipelineStack, athena, deploy, wait_for_executions

pytestmark = pytest.mark.localcloud

SEED = Path(__file__).resolve().parents[2] / "sample_data" / "seed"
RESTART_CAUSE = "the local cloud restarted"


class Cloud:
    """A persistent local cloud on a fixed state dir that a test stops, kills and starts."""

    def __init__(self, state_dir: Path) -> None:
        self.inner = LocalCloud(
            state_dir=state_dir,
            ephemeral=False,
            extra_args=("--glue-minute-seconds", str(TEST_GLUE_MINUTE_SECONDS)),
        )
        self.settings = self.inner.settings
        self.state_dir = state_dir

    def start(self) -> boto3.Session:
        process.start(self.settings, extra_args=self.inner.extra_args)
        return self.session()

    def session(self) -> boto3.Session:
        return self.inner.session()

    def stop(self) -> None:
        process.stop(self.settings)

    def kill(self) -> None:
        """kill -9 the server (no last snapshot, no clean-up)."""
        pid = process.status(self.settings).pid
        assert pid, "the local cloud is not running"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while process.probe(self.settings.local_port) and time.monotonic() < deadline:
            time.sleep(0.05)
        process.pid_file(self.settings).unlink(missing_ok=True)

    def restart(self) -> boto3.Session:
        self.stop()
        return self.start()


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    cloud = Cloud(tmp_path / "localcloud")
    cloud.start()
    try:
        yield cloud
    finally:
        cloud.stop()


def _objects(session: boto3.Session) -> dict[tuple[str, str, str], str]:
    """(bucket, key, version id) → ETag of every object version of every bucket."""
    s3 = session.client("s3")
    found = {}
    for bucket in s3.list_buckets()["Buckets"]:
        pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket["Name"])
        for page in pages:
            for version in page.get("Versions", []):
                found[(bucket["Name"], version["Key"], version["VersionId"])] = version["ETag"]
    return found


def _executions(session: boto3.Session, machine_arn: str) -> dict[str, tuple[str, list]]:
    """Execution ARN → (status, its history's event types and ids)."""
    sfn = session.client("stepfunctions")
    found = {}
    for item in sfn.list_executions(stateMachineArn=machine_arn)["executions"]:
        events = sfn.get_execution_history(executionArn=item["executionArn"], maxResults=1000)
        found[item["executionArn"]] = (
            item["status"],
            [(e["id"], e["type"]) for e in events["events"]],
        )
    return found


def _catalog(session: boto3.Session, stack: PipelineStack) -> tuple[list, list]:
    glue = session.client("glue")
    table = glue.get_table(DatabaseName=stack.database, Name=stack.table)["Table"]
    partitions = glue.get_partitions(DatabaseName=stack.database, TableName=stack.table)
    return (
        [c["Name"] for c in table["StorageDescriptor"]["Columns"]],
        sorted(
            (tuple(p["Values"]), p["StorageDescriptor"]["Location"])
            for p in partitions["Partitions"]
        ),
    )


def _upload(
    session: boto3.Session, stack: PipelineStack, paths: list[Path]
) -> list[tuple[str, str]]:
    s3 = session.client("s3")
    uploads = []
    for path in paths:
        key = f"incoming/{path.name}"
        put = s3.put_object(Bucket=stack.raw_bucket, Key=key, Body=path.read_bytes())
        uploads.append((key, put["VersionId"]))
    return uploads


def _redshift(session: boto3.Session, stack: PipelineStack, sql: str) -> tuple[str, list]:
    """A statement through the Redshift Data API: its id and its rows as plain values."""
    data = session.client("redshift-data")
    statement = data.execute_statement(
        WorkgroupName=stack.outputs["redshift_workgroup"],
        Database=stack.outputs["redshift_database"],
        Sql=sql,
    )["Id"]
    deadline = time.monotonic() + 60
    while (described := data.describe_statement(Id=statement))["Status"] not in (
        "FINISHED",
        "FAILED",
        "ABORTED",
    ):
        assert time.monotonic() < deadline, f"{sql}: still {described['Status']}"
        time.sleep(0.1)
    assert described["Status"] == "FINISHED", described.get("Error")
    if not described.get("HasResultSet"):
        return statement, []
    return statement, _statement_rows(session, statement)


def _statement_rows(session: boto3.Session, statement: str) -> list[list[Any]]:
    records = session.client("redshift-data").get_statement_result(Id=statement)["Records"]
    return [[next(iter(field.values())) for field in record] for record in records]


REVENUE = (
    "SELECT genre, count(*) AS n, sum(price * quantity) AS revenue FROM sales_curated "
    "GROUP BY genre ORDER BY genre"
)


def test_stop_and_start_keep_everything(cloud: Cloud) -> None:
    session = cloud.session()
    stack = deploy(session, cloud.settings, prefix="persist")
    files = sorted(SEED.glob("sales_*"))[:3]
    done = wait_for_executions(session, stack, _upload(session, stack, files))
    assert {e["status"] for e in done.values()} == {"SUCCEEDED"}
    catalog, answer = _catalog(session, stack), athena(session, stack, REVENUE)
    _redshift(session, stack, "CREATE TABLE kept AS SELECT 1 AS a, 'x' AS b")
    statement, rows = _redshift(session, stack, "SELECT a, b FROM kept")
    objects, executions = _objects(session), _executions(session, stack.state_machine_arn)

    session = cloud.restart()

    assert _objects(session) == objects  # every version, with its ETag
    assert _executions(session, stack.state_machine_arn) == executions  # with their histories
    assert _catalog(session, stack) == catalog  # the table and its partitions
    assert athena(session, stack, REVENUE).equals(answer)
    body = json.dumps({"bucket": stack.raw_bucket, "key": "incoming/none.csv"}).encode()
    invoked = session.client("lambda").invoke(FunctionName=stack.validate_function, Payload=body)
    assert invoked["StatusCode"] == 200  # the function and its code are still there
    # the pipeline still runs: the next file loads
    more = wait_for_executions(
        session, stack, _upload(session, stack, [sorted(SEED.glob("sales_*"))[3]])
    )
    assert [e["status"] for e in more.values()] == ["SUCCEEDED"]
    assert _redshift(session, stack, "SELECT a, b FROM kept")[1] == rows == [[1, "x"]]
    # the statement from before the restart, and its result
    assert session.client("redshift-data").describe_statement(Id=statement)["Status"] == "FINISHED"
    assert _statement_rows(session, statement) == rows


def test_kill_9_during_a_burst_loses_only_what_was_in_flight(cloud: Cloud) -> None:
    session = cloud.session()
    stack = deploy(session, cloud.settings, prefix="crash")
    s3 = session.client("s3")
    body = (SEED / "sales_2026-10-26.csv").read_bytes()
    answered: list[tuple[str, str, str]] = []  # (key, version, ETag) of every PUT answered

    def put(i: int) -> None:
        try:
            done = s3.put_object(
                Bucket=stack.raw_bucket, Key=f"incoming/burst_{i:03d}.csv", Body=body
            )
        except Exception:  # the server died mid-request: not answered
            return
        answered.append((f"incoming/burst_{i:03d}.csv", done["VersionId"], done["ETag"]))

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(put, i) for i in range(60)]
        time.sleep(1.5)  # some executions finished, some running, some PUTs in flight
        before = _executions(session, stack.state_machine_arn)
        # the cloud's own work (an execution's end) is saved soon after, not before it is
        # seen: what had ended by `before` is on disk a second later; PUTs are still going
        time.sleep(1.0)
        cloud.kill()
        for future in futures:
            future.result()
    assert answered, "no PUT was answered before the kill"

    session = cloud.start()
    s3 = session.client("s3")
    versions = _objects(session)
    for key, version, etag in answered:  # every answered PUT survived, whole
        assert versions[(stack.raw_bucket, key, version)] == etag
        got = s3.get_object(Bucket=stack.raw_bucket, Key=key, VersionId=version)["Body"].read()
        assert hashlib.md5(got).hexdigest() == etag.strip('"')
    after = _executions(session, stack.state_machine_arn)
    sfn = session.client("stepfunctions")
    for arn, (status, history) in before.items():
        if status == "SUCCEEDED":  # finished before the kill: intact
            assert after[arn] == (status, history)
    restarted = [arn for arn, (status, _) in after.items() if status == "FAILED"]
    for arn in restarted:
        described = sfn.describe_execution(executionArn=arn)
        if described.get("error") == "States.Runtime":
            assert RESTART_CAUSE in described["cause"]
            assert after[arn][1][-1][1] == "ExecutionFailed"
    assert all(status != "RUNNING" for status, _ in after.values())
    # the pipeline loads the next file
    more = wait_for_executions(
        session, stack, _upload(session, stack, [SEED / "sales_2026-10-27.csv"])
    )
    assert [e["status"] for e in more.values()] == ["SUCCEEDED"]


def test_running_work_ends_failed_after_a_restart_and_can_be_redriven(cloud: Cloud) -> None:
    session = cloud.session()
    sfn, iam = session.client("stepfunctions"), session.client("iam")
    role = iam.create_role(
        RoleName=unique("wait-role"),
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "states.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    machine = sfn.create_state_machine(
        name=unique("waits"),
        roleArn=role,
        definition=json.dumps(
            {
                "StartAt": "P",
                "States": {
                    "P": {"Type": "Pass", "Result": {"kept": True}, "Next": "W"},
                    "W": {"Type": "Wait", "Seconds": 3, "End": True},
                },
            }
        ),
    )["stateMachineArn"]
    running = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    time.sleep(0.5)
    assert sfn.describe_execution(executionArn=running)["status"] == "RUNNING"

    session = cloud.restart()
    sfn = session.client("stepfunctions")
    described = sfn.describe_execution(executionArn=running)
    assert described["status"] == "FAILED"
    assert described["error"] == "States.Runtime"
    assert RESTART_CAUSE in described["cause"]
    events = sfn.get_execution_history(executionArn=running)["events"]
    assert [e["type"] for e in events][:4] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "WaitStateEntered",
    ]
    assert events[-1]["type"] == "ExecutionFailed"
    assert events[-1]["executionFailedEventDetails"]["error"] == "States.Runtime"

    # AWS: a FAILED standard execution can be redriven; it resumes at the state that failed.
    sfn.redrive_execution(executionArn=running)
    deadline = time.monotonic() + 30
    while (described := sfn.describe_execution(executionArn=running))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the redriven execution did not end"
        time.sleep(0.2)
    assert described["status"] == "SUCCEEDED", described
    assert described["redriveCount"] == 1
    assert json.loads(described["output"]) == {"kept": True}
    types = [e["type"] for e in sfn.get_execution_history(executionArn=running)["events"]]
    assert types[types.index("ExecutionFailed") + 1] == "ExecutionRedriven"
    assert types.count("PassStateEntered") == 1 and types[-1] == "ExecutionSucceeded"
    redriven = cloud.restart().client("stepfunctions").describe_execution(executionArn=running)
    assert (redriven["status"], redriven["redriveCount"]) == ("SUCCEEDED", 1)


def test_a_damaged_or_foreign_state_dir_is_refused(cloud: Cloud) -> None:
    session = cloud.session()
    session.client("s3").create_bucket(Bucket=unique("kept"))
    cloud.stop()
    manifest = cloud.state_dir / "state" / "MANIFEST.json"
    saved = manifest.read_text()

    manifest.write_text("{not json")
    with pytest.raises(LocalCloudError) as refused:
        cloud.start()
    assert "is unreadable: MANIFEST.json" in str(refused.value)
    assert "retailkit local reset" in str(refused.value)

    manifest.write_text(json.dumps({**json.loads(saved), "moto": "4.0.0"}))
    with pytest.raises(LocalCloudError) as refused:
        cloud.start()
    assert "was written by other code: moto '4.0.0' (this is '5.2.5')" in str(refused.value)

    manifest.write_text(saved)
    snapshot = cloud.state_dir / "state" / json.loads(saved)["snapshot"]
    snapshot.write_bytes(snapshot.read_bytes()[:-10])
    with pytest.raises(LocalCloudError) as refused:
        cloud.start()
    assert "is damaged" in str(refused.value) and snapshot.name in str(refused.value)
    assert snapshot.exists(), "nothing is deleted"


def test_ephemeral_leaves_nothing_on_disk(tmp_path: Path) -> None:
    state_dir = tmp_path / "ephemeral"
    with LocalCloud(state_dir=state_dir) as cloud:
        s3 = cloud.session().client("s3")
        s3.create_bucket(Bucket="gone")
        s3.put_object(Bucket="gone", Key="k", Body=b"x" * 1000)
        health: dict[str, Any] = process.probe(cloud.settings.local_port) or {}
        assert health.get("persistent") is False
    assert not (state_dir / "state").exists()
    assert not (state_dir / "work").exists()


def test_reset_starts_empty_and_keeps_the_old_state_aside(cloud: Cloud, capsys) -> None:
    from infra_scripts.cli import main

    bucket = unique("before-reset")
    cloud.session().client("s3").create_bucket(Bucket=bucket)
    where = ["--state-dir", str(cloud.state_dir), "--port", str(cloud.settings.local_port)]
    assert main(["local", "reset", *where]) == 2  # not interactive: --yes needed
    assert "needs --yes" in capsys.readouterr().err
    assert process.status(cloud.settings).running, "nothing happened without --yes"

    assert main(["local", "reset", "--yes", *where]) == 0
    said = capsys.readouterr().out
    assert "moved to" in said and "retailkit deploy" in said
    assert not process.status(cloud.settings).running
    [aside] = cloud.state_dir.glob("reset-*")
    assert (aside / "state" / "MANIFEST.json").exists()  # moved, not deleted

    session = cloud.start()
    assert bucket not in [b["Name"] for b in session.client("s3").list_buckets()["Buckets"]]


def test_a_glue_run_cut_by_a_crash_fails_and_its_script_is_ended(cloud: Cloud) -> None:
    import psutil

    from tests.localcloud.test_glue import make_job

    session = cloud.session()
    glue, s3 = session.client("glue"), session.client("s3")
    bucket = unique("crash-glue")
    s3.create_bucket(Bucket=bucket)
    job = make_job(glue, s3, bucket, "import time\ntime.sleep(120)\n")
    run_id = glue.start_job_run(JobName=job)["JobRunId"]
    deadline = time.monotonic() + 30
    while glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]["JobRunState"] != "RUNNING":
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.1)
    server = psutil.Process(process.status(cloud.settings).pid)
    children = server.children(recursive=True)
    assert children, "the script runs in a child process"

    cloud.kill()
    time.sleep(1.0)
    assert any(child.is_running() for child in children), "the script outlives the server"

    glue = cloud.start().client("glue")
    run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
    assert run["JobRunState"] == "FAILED"
    assert "the local cloud restarted" in run["ErrorMessage"]
    deadline = time.monotonic() + 10
    while any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children):
        assert time.monotonic() < deadline, [
            (c.pid, c.cmdline()) for c in children if c.is_running()
        ]
        time.sleep(0.1)
    again = glue.start_job_run(JobName=job, Arguments={"--x": "1"})["JobRunId"]
    assert glue.get_job_run(JobName=job, RunId=again)["JobRun"]["JobRunState"] in (
        "STARTING",
        "RUNNING",
    )
