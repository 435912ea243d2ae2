"""Shared fixtures: one local cloud per test session, on a free port, in a temp state dir.

Also the checks on collection (the ``localcloud`` mark) and the reference material some
tests read from ../shared/ when it is there (the original bookstore files, the Step Functions
executions recorded on AWS).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from infra_scripts.localcloud import LocalCloud

# Glue Timeout is in minutes; the test cloud counts a "minute" as this many seconds.
TEST_GLUE_MINUTE_SECONDS = 2

# Reference material beside the project: read where it is, never copied into the project
# (each folder's README says so); the tests that need a folder skip when it is missing.
# Fixture name → folder: the original bookstore files, and Step Functions executions
# recorded on AWS with the tool that replays them.
PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
SHARED_FOLDERS = {"seed_samples": SHARED / "seed-samples", "sfn_parity": SHARED / "sfn-parity"}


def _missing(folder: Path) -> str:
    return f"../shared/{folder.name}/ is missing"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse to run a test that uses the shared local cloud without the ``localcloud`` mark;
    skip the tests that read a ../shared/ folder that is missing.

    The mark keeps the shell's ``AWS_*`` settings (see below) and lets ``-m`` select the
    tier; a test reaches the cloud through ``local_cloud``, directly or through ``session``
    or ``outbox_dir``. Files under tests/localcloud/ need it too (some start a cloud of
    their own with ``LocalCloud(...)``).
    """
    localcloud_dir = Path(__file__).parent / "localcloud"
    unmarked = [
        item.nodeid
        for item in items
        if (
            "local_cloud" in getattr(item, "fixturenames", ())
            or localcloud_dir in item.path.parents
        )
        and item.get_closest_marker("localcloud") is None
    ]
    for fixture, folder in SHARED_FOLDERS.items():  # skipped before any set-up
        if not folder.is_dir():
            for item in items:
                if fixture in getattr(item, "fixturenames", ()):
                    item.add_marker(pytest.mark.skip(reason=_missing(folder)))
    if unmarked:
        listed = "\n  ".join(unmarked)
        raise pytest.UsageError(
            "these tests use the local cloud but are not marked localcloud "
            f"(add pytestmark = pytest.mark.localcloud):\n  {listed}"
        )


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """In CI, say loudly how many tests did not run because a ../shared/ folder is missing."""
    if os.environ.get("CI", "").lower() != "true":
        return
    for folder in SHARED_FOLDERS.values():
        reason = _missing(folder)
        skipped = [
            report
            for report in terminalreporter.stats.get("skipped", [])
            if isinstance(report.longrepr, tuple) and reason in str(report.longrepr[2])
        ]
        if skipped:
            tests = "1 test" if len(skipped) == 1 else f"{len(skipped)} tests"
            terminalreporter.write_sep(
                "!", f"{tests} did not run: {reason} (looked for {folder})", yellow=True, bold=True
            )


def _shared_folder(fixture: str) -> Path:
    folder = SHARED_FOLDERS[fixture]
    if not folder.is_dir():
        pytest.skip(_missing(folder))
    return folder


@pytest.fixture(scope="session")
def seed_samples() -> Path:
    """The folder of the original bookstore files (skipped when it is missing)."""
    return _shared_folder("seed_samples")


@pytest.fixture(scope="session")
def sfn_parity() -> Path:
    """The Step Functions executions recorded on AWS and their replay tool (skipped when
    the folder is missing)."""
    return _shared_folder("sfn_parity")


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
