"""The local-cloud process: start/stop/status, ports, loopback only, malformed requests."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from infra_scripts.config import Settings
from infra_scripts.exceptions import PortInUseError
from infra_scripts.localcloud import process
from infra_scripts.localcloud.motolayer.patching import MOTO_VERSION
from infra_scripts.session import make_session
from tests.helpers import local_cli, raw_request

pytestmark = pytest.mark.localcloud


@pytest.fixture
def cloud_settings(tmp_path: Path):
    settings = Settings.load(env={}, local_port=process.free_port(), state_dir=tmp_path / "lc")
    yield settings
    process.stop(settings)


def test_cli_lifecycle_is_idempotent_and_outlives_thelocal_cli(cloud_settings):
    port, state = cloud_settings.local_port, cloud_settings.state_dir
    first = local_cli("local", "start", state_dir=state, port=port)
    assert first.returncode == 0, first.stderr
    assert "started" in first.stdout
    second = local_cli("local", "start", state_dir=state, port=port)  # the first CLI has exited
    assert second.returncode == 0 and "already running" in second.stdout
    status = local_cli("local", "status", state_dir=state, port=port)
    assert status.returncode == 0
    assert f"moto {MOTO_VERSION}" in status.stdout and f":{port}" in status.stdout
    stopped = local_cli("local", "stop", state_dir=state, port=port)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    after = local_cli("local", "status", state_dir=state, port=port)
    assert after.returncode == 3 and "not running" in after.stdout
    assert not (state / "localcloud.pid").exists()
    again = local_cli("local", "stop", state_dir=state, port=port)
    assert again.returncode == 0 and "not running" in again.stdout


def test_a_port_held_by_another_program_is_a_clear_error(cloud_settings):
    with socket.socket() as other:
        other.bind(("127.0.0.1", cloud_settings.local_port))
        other.listen()
        with pytest.raises(PortInUseError, match="used by another program"):
            process.start(cloud_settings)
        result = local_cli(
            "local", "start", state_dir=cloud_settings.state_dir, port=cloud_settings.local_port
        )
    assert result.returncode == 1
    assert "RETAIL_KIT_LOCAL_PORT" in result.stderr


def _leave_time_wait_on(port: int) -> None:
    """What a stopped server leaves on its port: connections it closed first, in TIME_WAIT."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen()
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = listener.accept()
            accepted.close()  # the server's side closes first...
            client.recv(1)  # ...the client sees the end, then closes too


def test_restart_on_the_same_port_right_after_a_stop(cloud_settings):
    """TIME_WAIT connections of a server that just stopped are not "another program"
    (``make demo`` and then ``make lab``, both on port 4566)."""
    port = cloud_settings.local_port
    _leave_time_wait_on(port)
    with socket.socket() as probe, pytest.raises(OSError):  # what the old check tripped on
        probe.bind(("127.0.0.1", port))
    assert process.port_is_free(port)
    try:
        status, started = process.start(cloud_settings)
        assert started and status.running
    finally:
        process.stop(cloud_settings)


def test_stop_never_kills_a_process_that_is_not_the_local_cloud(cloud_settings):
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        Path(cloud_settings.state_dir).mkdir(parents=True)
        process.pid_file(cloud_settings).write_text(str(bystander.pid))
        assert process.stop(cloud_settings) is False
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_listens_on_loopback_only(local_cloud):
    pid = process.status(local_cloud.settings).pid
    listening = [
        c.laddr
        for c in psutil.Process(pid).net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    ]
    assert listening and {addr.ip for addr in listening} == {"127.0.0.1"}


def test_health_reports_the_moto_version(local_cloud, session):
    session.client("sts").get_caller_identity()  # answered once the services are installed
    url = f"{local_cloud.endpoint}/_localcloud/health"
    with urllib.request.urlopen(url, timeout=5) as resp:
        health = json.loads(resp.read())
    assert health["ready"] is True
    assert health["moto_version"] == MOTO_VERSION
    assert health["port"] == local_cloud.settings.local_port
    # every patch of moto is listed: a replaced method, and an operation moto lacks
    assert "moto.glue.models.FakeJob.start_job_run" in health["patches"]
    assert "+moto.glue.responses.GlueResponse.batch_stop_job_run" in health["patches"]


@pytest.mark.parametrize(
    ("headers", "body", "code"),
    [
        (
            {"service": "states", "X-Amz-Target": "AWSStepFunctions.StartExecution"},
            b"{not json",
            "SerializationException",
        ),
        (
            {"service": "states", "X-Amz-Target": "AWSStepFunctions.NoSuchAction"},
            b"{}",
            "UnknownOperationException",
        ),
        (
            {"service": "sns", "Content-Type": "application/x-www-form-urlencoded"},
            b"Action=NoSuchAction&Version=2010-03-31",
            "InvalidAction",
        ),
    ],
)
def test_malformed_requests_get_aws_shaped_errors_and_the_server_keeps_serving(
    session, local_cloud, headers, body, code
):
    headers = dict(headers)
    service = headers.pop("service")
    status, response_headers, payload = raw_request(
        local_cloud.endpoint, "POST", "/", service, headers, body
    )
    assert status == 400
    assert response_headers.get("X-Amzn-ErrorType") == code
    assert code.encode() in payload
    assert "Buckets" in session.client("s3").list_buckets()  # still serving


def test_health_answers_at_once_and_requests_wait_for_the_install(cloud_settings):
    """The server listens at once; the first other request waits for the install."""
    process.start(cloud_settings)
    url = f"http://127.0.0.1:{cloud_settings.local_port}/_localcloud/health"
    with urllib.request.urlopen(url, timeout=5) as resp:
        first = json.loads(resp.read())
    identity = make_session(cloud_settings).client("sts").get_caller_identity()
    with urllib.request.urlopen(url, timeout=5) as resp:
        after = json.loads(resp.read())
    assert first["status"] == "running" and identity["Account"] == "123456789012"
    assert after["ready"] is True and after["patches"]
