"""``retailkit local start/stop/status`` agree about the server on the port, whatever happened
to the state dir: deleted, or another state dir on the same port."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra_scripts.config import Settings
from infra_scripts.localcloud import process
from tests.helpers import local_cli

pytestmark = pytest.mark.localcloud


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[Settings, int]]:
    """A local cloud started from ``tmp_path/first`` on a free port, and its pid."""
    settings = Settings.load(env={}, local_port=process.free_port(), state_dir=tmp_path / "first")
    status, started = process.start(settings)
    assert started and status.pid
    yield settings, status.pid
    process.stop(settings)
    with contextlib.suppress(ChildProcessError):  # reap it: our child, stopped by the CLI
        os.waitpid(status.pid, os.WNOHANG)


def _gone(settings: Settings, pid: int) -> bool:
    return (
        process.probe(settings.local_port) is None
        and process.port_is_free(settings.local_port)
        and not process._is_alive(pid)
    )


def test_stop_stops_the_server_whose_state_dir_was_deleted(running):
    settings, pid = running
    shutil.rmtree(settings.state_dir)
    port, state = settings.local_port, settings.state_dir

    status = local_cli("local", "status", state_dir=state, port=port)
    assert status.returncode == 0 and f"pid {pid}" in status.stdout
    start = local_cli("local", "start", state_dir=state, port=port)
    assert start.returncode == 0 and "already running" in start.stdout
    assert "was deleted" in start.stdout and "retailkit local stop" in start.stdout

    stopped = local_cli("local", "stop", state_dir=state, port=port)
    assert stopped.returncode == 0, stopped.stderr
    assert f"stopped the local cloud on port {port} (pid {pid}" in stopped.stdout
    assert "deleted" in stopped.stdout
    assert _gone(settings, pid)
    again = local_cli("local", "stop", state_dir=state, port=port)
    assert again.returncode == 0 and "not running" in again.stdout


def test_start_status_and_stop_agree_about_another_state_dir_on_the_port(running, tmp_path):
    settings, pid = running
    port, other = settings.local_port, tmp_path / "second"

    start = local_cli("local", "start", state_dir=other, port=port)
    assert start.returncode == 1
    assert len(start.stderr.strip().splitlines()) == 1
    assert str(settings.state_dir) in start.stderr and f"pid {pid}" in start.stderr
    assert f"retailkit local stop --port {port}" in start.stderr
    assert "already running:" not in start.stdout

    status = local_cli("local", "status", state_dir=other, port=port)
    assert status.returncode == 0 and str(settings.state_dir) in status.stdout

    stopped = local_cli("local", "stop", state_dir=other, port=port)
    assert stopped.returncode == 0, stopped.stderr
    assert f"pid {pid}" in stopped.stdout and "not this one" in stopped.stdout
    assert _gone(settings, pid)
    assert not process.pid_file(settings).exists()  # its own state dir's PID file is cleared
    after = local_cli("local", "status", state_dir=settings.state_dir, port=port)
    assert after.returncode == 3 and "not running" in after.stdout
