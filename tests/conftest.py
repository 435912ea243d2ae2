"""Shared fixtures: one local cloud per test session, on a free port, in a temp state dir."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from infra_scripts.localcloud import LocalCloud

# Glue Timeout is in minutes; the test cloud counts a "minute" as this many seconds.
TEST_GLUE_MINUTE_SECONDS = 2


@pytest.fixture(autouse=True)
def _no_aws_settings_of_the_shell(request: pytest.FixtureRequest, monkeypatch) -> None:
    """Unit and notebook-runner tests never see the shell's ``AWS_*`` settings or ~/.aws.

    Some use plain boto3 (moto's in-process mocks, the AWS target's chain), which a shell
    set up for a real account would redirect. Local-cloud tests keep the environment: the
    kit's sessions and the processes it starts must ignore it themselves (a run with stray
    ``AWS_*`` variables exported shows it); real-AWS tests need it.
    """
    if request.node.get_closest_marker("localcloud") or request.node.get_closest_marker("aws"):
        return
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="session")
def local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    """A started local cloud shared by the whole test session."""
    state_dir = tmp_path_factory.mktemp("localcloud")
    with LocalCloud(
        state_dir=state_dir,
        extra_args=("--glue-minute-seconds", str(TEST_GLUE_MINUTE_SECONDS)),
    ) as cloud:
        yield cloud


@pytest.fixture(scope="session")
def session(local_cloud: LocalCloud) -> boto3.Session:
    """The boto3 Session a user would get for the local target."""
    return local_cloud.session()


@pytest.fixture(scope="session")
def outbox_dir(local_cloud: LocalCloud) -> Path:
    return Path(local_cloud.settings.state_dir) / "outbox"
