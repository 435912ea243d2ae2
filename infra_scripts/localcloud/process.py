"""Start, stop and inspect the local-cloud server process from the operator's side."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra_scripts.config import PROJECT_ROOT, Settings
from infra_scripts.exceptions import LocalCloudError, PortInUseError
from infra_scripts.localcloud.runtime import HEALTH_PATH, SERVICE_NAME

START_DEADLINE_S = 30.0
STOP_DEADLINE_S = 10.0
SERVER_MODULE = "infra_scripts.localcloud.server"


@dataclass(frozen=True)
class Status:
    """What ``retailkit local status`` reports."""

    running: bool
    port: int
    pid: int | None = None
    moto_version: str | None = None
    state_dir: str | None = None
    uptime_s: float | None = None

    def describe(self) -> str:
        if not self.running:
            return f"local cloud: not running (port {self.port})"
        return (
            f"local cloud: healthy on http://127.0.0.1:{self.port} (pid {self.pid}, "
            f"moto {self.moto_version}, up {self.uptime_s:.0f}s, state {self.state_dir})"
        )


def pid_file(settings: Settings) -> Path:
    return Path(settings.state_dir) / "localcloud.pid"


def log_file(settings: Settings) -> Path:
    return Path(settings.state_dir) / "localcloud.log"


def probe(port: int, timeout: float = 0.5) -> dict[str, Any] | None:
    """The health document of the local cloud on ``port``, or None if none answers."""
    url = f"http://127.0.0.1:{port}{HEALTH_PATH}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            doc = json.loads(resp.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None
    return doc if doc.get("service") == SERVICE_NAME else None


def port_is_free(port: int) -> bool:
    """True when nothing listens on ``port``. Connections of a server that just stopped
    (TIME_WAIT) do not count: the local cloud binds with SO_REUSEADDR, as checked here."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _read_pid(settings: Settings) -> int | None:
    try:
        return int(pid_file(settings).read_text().strip())
    except (OSError, ValueError):
        return None


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_our_server(pid: int) -> bool:
    """True if ``pid`` runs the local-cloud server module (guards against PID reuse)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return _is_alive(pid)  # no /proc: trust the PID file
    return SERVER_MODULE.encode() in cmdline


def status(settings: Settings) -> Status:
    """Health, port and moto version of the local cloud for ``settings``."""
    doc = probe(settings.local_port)
    if doc is None:
        return Status(running=False, port=settings.local_port)
    return Status(
        running=True,
        port=settings.local_port,
        pid=doc.get("pid"),
        moto_version=doc.get("moto_version"),
        state_dir=doc.get("state_dir"),
        uptime_s=time.time() - float(doc.get("started_at") or time.time()),
    )


def _tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start(
    settings: Settings,
    *,
    deadline_s: float = START_DEADLINE_S,
    extra_args: tuple[str, ...] = (),
) -> tuple[Status, bool]:
    """Start the local cloud in the background; return its status and whether it was started.

    Idempotent: if it is already running on the port, nothing is started. Raises
    :class:`PortInUseError` if something else holds the port.
    """
    current = status(settings)
    if current.running:
        return current, False
    if not port_is_free(settings.local_port):
        raise PortInUseError(
            f"port {settings.local_port} on 127.0.0.1 is used by another program (not the local "
            f"cloud); stop it, or choose another port with RETAIL_KIT_LOCAL_PORT=<port>"
        )
    state_dir = Path(settings.state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    env = server_environment(settings)
    cmd = [
        sys.executable,
        "-m",
        SERVER_MODULE,
        "--port",
        str(settings.local_port),
        "--state-dir",
        str(state_dir),
        *extra_args,
    ]
    with open(log_file(settings), "ab") as log:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT,
            env=env,
            start_new_session=True,  # outlives the notebook kernel or shell that started it
        )
    pid_file(settings).write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pid_file(settings).unlink(missing_ok=True)
            raise LocalCloudError(
                f"the local cloud exited with code {proc.returncode} while starting; "
                f"last lines of {log_file(settings)}:\n{_tail(log_file(settings), 20)}"
            )
        current = status(settings)
        if current.running and current.pid == proc.pid:
            return current, True
        time.sleep(0.02)
    _terminate(proc.pid)
    pid_file(settings).unlink(missing_ok=True)
    raise LocalCloudError(
        f"the local cloud did not become healthy within {deadline_s:.0f}s; "
        f"see {log_file(settings)}:\n{_tail(log_file(settings), 20)}"
    )


def server_environment(settings: Settings) -> dict[str, str]:
    """The server's environment: this one without the operator's ``AWS_*`` variables, plus the
    local endpoint, dummy credentials and region (what its executors' SDK clients fall back to).
    """
    from infra_scripts.session import local_process_environment

    return local_process_environment(settings)


def _terminate(pid: int, deadline_s: float = STOP_DEADLINE_S) -> None:
    """SIGTERM the server's process group (its Lambda workers and Glue runs too), then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            try:
                waited, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                waited = 0 if _is_alive(pid) else pid
            if waited == pid or not _is_alive(pid):
                return
            time.sleep(0.05)


def stop(settings: Settings) -> bool:
    """Stop the local cloud started from this state dir; return False if it was not running.

    Only the process recorded in the PID file is stopped, and only if it is the
    local-cloud server (never another program that reused the PID or holds the port).
    """
    pid = _read_pid(settings)
    if pid is None or not _is_alive(pid) or not _is_our_server(pid):
        pid_file(settings).unlink(missing_ok=True)
        return False
    _terminate(pid)
    pid_file(settings).unlink(missing_ok=True)
    return True


def read_log(settings: Settings, lines: int = 50) -> str:
    """The last ``lines`` lines of the local cloud's log file."""
    return _tail(log_file(settings), lines)


class LocalCloud:
    """A local cloud for the duration of a ``with`` block (tests, scripts).

    >>> with LocalCloud() as cloud:            # a free port, a temporary state dir
    ...     s3 = cloud.session().client("s3")
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        port: int | None = None,
        state_dir: Path | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        import tempfile

        base = settings or Settings.load(target="local")
        self._tmp = None if (state_dir or settings) else tempfile.TemporaryDirectory()
        overrides: dict[str, Any] = {"target": "local", "local_port": port or free_port()}
        if self._tmp is not None:
            overrides["state_dir"] = Path(self._tmp.name)
        elif state_dir is not None:
            overrides["state_dir"] = state_dir
        self.settings = Settings.load(env={}, **{**vars(base), **overrides})
        self.extra_args = extra_args
        self.started = False

    @property
    def endpoint(self) -> str:
        return self.settings.local_endpoint

    def session(self):  # -> boto3.Session
        from infra_scripts.session import make_session

        return make_session(self.settings)

    def __enter__(self) -> LocalCloud:
        _, self.started = start(self.settings, extra_args=self.extra_args)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.started:
            stop(self.settings)
        if self._tmp is not None:
            self._tmp.cleanup()
