"""Small helpers shared by the tests and benchmarks (no assertions in here)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import boto3

T = TypeVar("T")


def unique(prefix: str, sep: str = "-") -> str:
    """A resource name no other test uses (the local cloud is shared by the session).

    ``sep="_"`` for SQL identifiers (databases, tables, views), which cannot hold a dash.
    """
    return f"{prefix}{sep}{uuid.uuid4().hex[:10]}"


def zip_code(files: dict[str, str]) -> bytes:
    """A zip archive (a Lambda deployment package, a Glue --extra-py-files archive) holding
    ``files`` (name → source text)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buf.getvalue()


def wait_until(
    probe: Callable[[], T | None], deadline_s: float = 30.0, interval_s: float = 0.05
) -> T:
    """Call ``probe`` until it returns something truthy; fail after ``deadline_s``."""
    deadline = time.monotonic() + deadline_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {deadline_s}s")
        time.sleep(interval_s)


# The role of tests that are not about IAM: their code may do anything (the local cloud
# evaluates IAM for it, as AWS would). IAM's own tests make roles of their own.
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def role_arn(session: boto3.Session, name: str = "kit-test-role") -> str:
    """An IAM role ARN (created once) for functions, jobs and state machines, allowed
    everything."""
    iam = session.client("iam")
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        doc = json.dumps({"Version": "2012-10-17", "Statement": []})
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc)["Role"]["Arn"]
        iam.put_role_policy(
            RoleName=name, PolicyName="allow-all", PolicyDocument=json.dumps(ALLOW_ALL)
        )
        return arn


def create_function(
    session: boto3.Session, name: str, source: str, **config: Any
) -> dict[str, Any]:
    """Create a Python Lambda function whose ``app.py`` is ``source``."""
    return session.client("lambda").create_function(
        FunctionName=name,
        Runtime=config.pop("Runtime", "python3.11"),
        Role=role_arn(session),
        Handler=config.pop("Handler", "app.handler"),
        Code={"ZipFile": zip_code({"app.py": source})},
        **config,
    )


def log_messages(session: boto3.Session, group: str, stream: str | None = None) -> list[str]:
    """Every message in a CloudWatch Logs group (optionally one stream), oldest first."""
    logs = session.client("logs")
    kwargs: dict[str, Any] = {"logGroupName": group}
    if stream:
        kwargs["logStreamNames"] = [stream]
    events = logs.filter_log_events(**kwargs)["events"]
    return [e["message"] for e in sorted(events, key=lambda e: e["timestamp"])]


def raw_request(
    endpoint: str,
    method: str,
    path: str,
    service: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> tuple[int, dict[str, str], bytes]:
    """Send a hand-made request, SigV4-scoped to ``service`` (signature not checked locally):
    status, headers and body, errors included."""
    scope = f"testing/20260101/us-east-1/{service}/aws4_request"
    request = urllib.request.Request(endpoint + path, data=body or None, method=method)
    request.add_header(
        "Authorization", f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=0"
    )
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def local_cli(*args: str, state_dir: Path, port: int) -> subprocess.CompletedProcess[str]:
    """``retailkit local <args>`` for the local cloud of ``state_dir`` on ``port``."""
    options = ("--port", str(port), "--state-dir", str(state_dir))
    return subprocess.run(
        [sys.executable, "-m", "infra_scripts.cli", *args, *options],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
