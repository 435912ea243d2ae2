"""Opt-in: the same deploy → one file → destroy on a real AWS account.

Costs a few cents and takes minutes (Redshift Serverless is slow to create). Run with
credentials for a sandbox account:

    RETAIL_KIT_STACK_NAME=kit-ci-$USER RETAIL_KIT_EMAIL=you@example.com \\
        .venv/bin/python -m pytest -m aws tests/aws -v

The stack is destroyed at the end even when the test fails.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infra_scripts.config import Settings
from infra_scripts.ops.executions import wait_for_executions
from infra_scripts.ops.uploads import upload_files
from infra_scripts.provision import deploy, destroy, load_outputs, plan
from infra_scripts.session import make_session

pytestmark = pytest.mark.aws
SEED = Path(__file__).resolve().parents[2] / "sample_data" / "seed"


@pytest.fixture(scope="module")
def aws_stack():
    settings = Settings.load(target="aws")
    session = make_session(settings)
    if session.get_credentials() is None:
        pytest.skip("no AWS credentials in the environment")
    try:
        deploy(settings, session)
        yield settings, session
    finally:
        destroy(settings, session)


def test_deploy_process_one_file_destroy(aws_stack):
    settings, session = aws_stack
    assert [c for c in plan(settings, session) if c.action != "none"] == []
    outputs = load_outputs(settings)
    since = datetime.now(UTC) - timedelta(seconds=5)
    upload_files(session, outputs["raw_bucket"], [sorted(SEED.glob("*.csv"))[0]])
    done = wait_for_executions(
        session, outputs["state_machine_arn"], count=1, since=since, deadline_s=900
    )
    assert list(done["status"]) == ["SUCCEEDED"]
