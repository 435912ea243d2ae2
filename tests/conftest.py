"""Shared fixtures: one local cloud per test session, on a free port, in a temp state dir.

Also the checks on collection (the ``localcloud`` mark) and the original bookstore files
some tests read from ../shared/seed-samples/.
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

# The original bookstore files (/work/shared/seed-samples/README.md): read where they are,
# never copied into the project; the tests that need them skip when the folder is missing.
PROJECT = Path(__file__).resolve().parents[1]
SEED_SAMPLES = PROJECT.parent / "shared" / "seed-samples"
SEED_SAMPLES_MISSING = "../shared/seed-samples/ is missing"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse to run a test that uses the shared local cloud without the ``localcloud`` mark;
    skip the tests that read the original bookstore files when they are missing.

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
    if not SEED_SAMPLES.is_dir():  # skipped where the test is, before any set-up
        for item in items:
            if "seed_samples" in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.skip(reason=SEED_SAMPLES_MISSING))
    if unmarked:
        listed = "\n  ".join(unmarked)
        raise pytest.UsageError(
            "these tests use the local cloud but are not marked localcloud "
            f"(add pytestmark = pytest.mark.localcloud):\n  {listed}"
        )


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """In CI, say loudly how many tests did not run because ../shared/seed-samples/ is missing."""
    if os.environ.get("CI", "").lower() != "true":
        return
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if isinstance(report.longrepr, tuple) and SEED_SAMPLES_MISSING in str(report.longrepr[2])
    ]
    if skipped:
        tests = "1 test" if len(skipped) == 1 else f"{len(skipped)} tests"
        terminalreporter.write_sep(
            "!",
            f"{tests} did not run: {SEED_SAMPLES_MISSING} (looked for {SEED_SAMPLES})",
            yellow=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def seed_samples() -> Path:
    """The folder of the original bookstore files; the test is skipped when it is missing."""
    if not SEED_SAMPLES.is_dir():
        pytest.skip(SEED_SAMPLES_MISSING)
    return SEED_SAMPLES


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
