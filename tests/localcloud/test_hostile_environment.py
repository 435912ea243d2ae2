"""With a shell set up for a real account, the local target still only talks to the local cloud.

Each test sets the operator's variables (endpoint overrides, a profile that does not exist,
stray keys, another region) and makes real calls through a Session made by the kit; the
Lambda function and Glue job run by the local cloud must not see those variables either.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import awswrangler as wr
import pandas as pd
import pytest

from infra_scripts.localcloud import LocalCloud, process
from infra_scripts.session import local_environment
from tests.helpers import create_function, role_arn, unique

pytestmark = pytest.mark.localcloud

STRAY = {
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9",
    "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9",
    "AWS_ENDPOINT_URL_ATHENA": "http://127.0.0.1:9",
    "AWS_PROFILE": "missing",
    "AWS_DEFAULT_PROFILE": "missing",
    "AWS_CONFIG_FILE": "/nonexistent/config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
    "AWS_ACCESS_KEY_ID": "AKIA" + "STRAYSTRAYSTRAY1",
    "AWS_SECRET_ACCESS_KEY": "stray-secret",
    "AWS_SESSION_TOKEN": "stray-token",
    "AWS_DEFAULT_REGION": "eu-west-3",
    "AWS_REGION": "eu-west-3",
    "AWS_USE_DUALSTACK_ENDPOINT": "true",
}
ACCOUNT = "123456789012"  # moto's, for the dummy keys
SEEN = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_STS", "AWS_PROFILE")
SEEN += ("AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_REGION", "AWS_DEFAULT_REGION")
SEEN += ("AWS_CONFIG_FILE", "AWS_USE_DUALSTACK_ENDPOINT")

# Reports the AWS_* variables it sees and who STS and S3 (reached with plain boto3) say it is.
LAMBDA = f"""
import os
import boto3

def handler(event, context):
    return {{
        "env": {{name: os.environ.get(name) for name in {SEEN!r}}},
        "account": boto3.client("sts").get_caller_identity()["Account"],
        "bucket_listed": event["bucket"] in [
            b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]
        ],
    }}
"""
GLUE = f"""
import json, os, sys
import boto3

opts = dict(zip(sys.argv[1::2], sys.argv[2::2]))
seen = {{
    "env": {{name: os.environ.get(name) for name in {SEEN!r}}},
    "account": boto3.client("sts").get_caller_identity()["Account"],
}}
boto3.client("s3").put_object(
    Bucket=opts["--bucket"], Key=opts["--key"], Body=json.dumps(seen).encode()
)
"""


@pytest.fixture
def stray_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in STRAY.items():
        monkeypatch.setenv(name, value)
    return STRAY


@pytest.fixture
def kit_session(local_cloud: LocalCloud, stray_env: dict[str, str]) -> Any:
    """The Session a notebook or the CLI makes while the stray variables are set."""
    return local_cloud.session()


@pytest.fixture
def bucket(kit_session: Any) -> str:
    name = unique("hostile")
    kit_session.client("s3").create_bucket(Bucket=name)
    return name


def role_key(env: dict[str, str | None]) -> dict[str, str | None]:
    """``env`` with a role session's access key (``ASIA…``, what the cloud gives its code)
    shown as ``ASIA…``."""
    key = env.get("AWS_ACCESS_KEY_ID") or ""
    return {**env, "AWS_ACCESS_KEY_ID": "ASIA…" if key.startswith("ASIA") else key}


def expected_child_env(cloud: LocalCloud, region: str) -> dict[str, str | None]:
    env: dict[str, str | None] = dict.fromkeys(SEEN)
    env.update(
        {
            "AWS_ENDPOINT_URL": cloud.endpoint,
            "AWS_ACCESS_KEY_ID": "ASIA…",  # a session of the function's or job's role
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_CONFIG_FILE": os.devnull,  # never the operator's ~/.aws/config
        }
    )
    return env


def test_s3_and_sts_calls_reach_the_local_cloud(kit_session, local_cloud):
    s3 = kit_session.client("s3")
    name = unique("hostile")
    s3.create_bucket(Bucket=name)
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert s3.meta.endpoint_url == local_cloud.endpoint
    identity = kit_session.client("sts").get_caller_identity()
    assert identity["Account"] == ACCOUNT
    assert kit_session.region_name == local_cloud.settings.region


def test_awswrangler_parquet_round_trip_with_the_kit_session(kit_session, bucket):
    frame = pd.DataFrame({"book_id": ["b1", "b2", "b3"], "price": [9.5, 12.0, 7.25]})
    path = f"s3://{bucket}/books/"
    written = wr.s3.to_parquet(frame, path=path, dataset=True, boto3_session=kit_session)
    assert written["paths"] and all(p.startswith(path) for p in written["paths"])
    back = wr.s3.read_parquet(path, dataset=True, boto3_session=kit_session)
    rows = back.sort_values("book_id")[["book_id", "price"]].to_dict("records")
    assert rows == frame.to_dict("records")


def test_the_server_runs_with_only_the_local_aws_settings(local_cloud):
    pid = process.status(local_cloud.settings).pid
    environ = Path(f"/proc/{pid}/environ")
    if not environ.exists():
        pytest.skip("no /proc here")
    variables = dict(item.split("=", 1) for item in environ.read_text().split("\0") if "=" in item)
    aws = {k: v for k, v in variables.items() if k.startswith("AWS_")}
    assert aws == local_environment(local_cloud.settings)


def test_a_lambda_function_sees_only_the_local_cloud(kit_session, local_cloud, bucket):
    name = unique("hostile-fn")
    create_function(kit_session, name, LAMBDA, Timeout=30)
    resp = kit_session.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps({"bucket": bucket}).encode()
    )
    result = json.loads(resp["Payload"].read())
    assert "FunctionError" not in resp, result
    assert role_key(result["env"]) == expected_child_env(local_cloud, kit_session.region_name)
    assert result["account"] == ACCOUNT
    assert result["bucket_listed"] is True


def test_a_glue_job_sees_only_the_local_cloud(kit_session, local_cloud, bucket):
    s3, glue = kit_session.client("s3"), kit_session.client("glue")
    job = unique("hostile-job")
    s3.put_object(Bucket=bucket, Key=f"scripts/{job}.py", Body=GLUE.encode())
    glue.create_job(
        Name=job,
        Role=role_arn(kit_session),
        Command={
            "Name": "pythonshell",
            "ScriptLocation": f"s3://{bucket}/scripts/{job}.py",
            "PythonVersion": "3.9",
        },
    )
    key = f"out/{job}.json"
    run_id = glue.start_job_run(JobName=job, Arguments={"--bucket": bucket, "--key": key})[
        "JobRunId"
    ]
    deadline = time.monotonic() + 30
    while True:
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        if run["JobRunState"] not in ("STARTING", "RUNNING", "WAITING"):
            break
        assert time.monotonic() < deadline, f"run still {run['JobRunState']}"
        time.sleep(0.05)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    seen = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    expected = expected_child_env(local_cloud, kit_session.region_name)
    assert {**seen, "env": role_key(seen["env"])} == {"env": expected, "account": ACCOUNT}
