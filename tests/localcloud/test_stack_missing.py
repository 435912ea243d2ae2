"""A stack that is not there (never deployed, or gone with its local cloud) is one clear
message naming what is missing and how to deploy it, from the notebooks' helper and the CLI."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from infra_scripts.config import Settings
from infra_scripts.exceptions import StackMissingError
from infra_scripts.localcloud import LocalCloud
from infra_scripts.ops.inventory import stack_outputs
from infra_scripts.provision import require_stack
from tests.helpers import unique

pytestmark = pytest.mark.localcloud


@pytest.fixture
def settings(local_cloud: LocalCloud, tmp_path: Path) -> Settings:
    """The shared cloud's settings with a stack name and state dir (outputs) of this test."""
    return dataclasses.replace(
        local_cloud.settings, stack_name=unique("gone"), state_dir=tmp_path / "state"
    )


def write_outputs(settings: Settings, outputs: dict[str, str]) -> Path:
    path = settings.outputs_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(outputs))
    return path


def test_outputs_naming_a_deleted_bucket_say_the_stack_no_longer_exists(
    settings: Settings, session: boto3.Session
):
    bucket = unique("gone-raw")
    path = write_outputs(settings, {"stack": settings.stack_name, "raw_bucket": bucket})
    with pytest.raises(StackMissingError) as raised:
        stack_outputs(settings, session)  # what notebooks 02-06 call first
    message = str(raised.value)
    assert f"the stack {settings.stack_name} recorded in {path} no longer exists" in message
    assert f"(bucket {bucket} is missing)" in message
    assert f"run notebook 01 or `retailkit deploy --stack {settings.stack_name}`" in message
    assert raised.value.missing == f"bucket {bucket}"


def test_a_missing_state_machine_is_named_once_the_buckets_exist(
    settings: Settings, session: boto3.Session
):
    raw, processed = unique("here-raw"), unique("here-processed")
    s3 = session.client("s3")
    for name in (raw, processed):
        s3.create_bucket(Bucket=name)
    outputs = {"raw_bucket": raw, "processed_bucket": processed}
    write_outputs(settings, outputs)
    assert require_stack(settings, session) == outputs  # all there: the outputs, unchanged

    arn = f"arn:aws:states:{settings.region}:123456789012:stateMachine:{unique('nosm')}"
    write_outputs(settings, {**outputs, "state_machine_arn": arn})
    with pytest.raises(StackMissingError, match=f"state machine {arn} is missing"):
        require_stack(settings, session)


def test_no_outputs_file_says_no_stack_deployed_yet(settings: Settings, session: boto3.Session):
    assert not settings.outputs_file.exists()
    with pytest.raises(StackMissingError) as raised:
        require_stack(settings, session)
    message = str(raised.value)
    assert message.startswith("no stack deployed yet")
    assert (
        str(settings.outputs_file) in message and "run notebook 01 or `retailkit deploy" in message
    )
    assert raised.value.missing is None


def test_notebooks_run_stops_with_the_message_and_no_traceback(settings: Settings, tmp_path: Path):
    bucket = unique("gone-raw")
    path = write_outputs(settings, {"stack": settings.stack_name, "raw_bucket": bucket})
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETAIL_KIT_")}
    argv = ["notebooks", "run", "--only", "03", "--target", "local"]
    argv += ["--stack", settings.stack_name, "--port", str(settings.local_port)]
    argv += ["--state-dir", str(settings.state_dir), "--out", str(tmp_path / "runs")]
    result = subprocess.run(
        [sys.executable, "-m", "infra_scripts.cli", *argv, "--no-local-cloud", "--no-prewarm"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1, result.stderr
    assert f"recorded in {path} no longer exists" in error_lines[0]
    assert f"(bucket {bucket} is missing)" in error_lines[0]
    assert "`retailkit deploy --stack" in error_lines[0]
    assert "running 1 notebooks" not in result.stdout  # stopped before any notebook ran


def test_a_damaged_outputs_file_says_deploy_again(settings: Settings, session: boto3.Session):
    from infra_scripts.exceptions import ConfigError

    settings.outputs_file.parent.mkdir(parents=True, exist_ok=True)
    settings.outputs_file.write_text('{"raw_bucket": ')
    with pytest.raises(ConfigError) as raised:
        stack_outputs(settings, session)
    assert f"the outputs file {settings.outputs_file} is not valid JSON" in str(raised.value)
    assert "deploy again" in str(raised.value)
