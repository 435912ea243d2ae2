"""Shared fixtures: one local cloud per test session, on a free port, in a temp state dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from infra_scripts.localcloud import LocalCloud

# Glue Timeout is in minutes; the test cloud counts a "minute" as this many seconds.
TEST_GLUE_MINUTE_SECONDS = 2


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
