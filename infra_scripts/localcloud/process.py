"""Start, stop and inspect the local-cloud server process from the operator's side."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra_scripts.config import PROJECT_ROOT, Settings
from infra_scripts.exceptions import LocalCloudError, PortInUseError
from infra_scripts.localcloud.runtime import HEALTH_PATH, SERVICE_NAME

START_DEADLINE_S = 30.0
STOP_DEADLINE_S = 10.0
# A busy server (2 shared cores, a burst of uploads) may take a while to answer its probe:
# when the port is taken, status() and stop() wait this long before saying "not the kit's".
BUSY_PROBE_TIMEOUT_S = 2.0
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
    ready: bool = False  # the services are installed (and the saved state loaded)
    persistent: bool | None = None  # keeps its state across restarts (None: an older server)
    iam: bool | None = None  # evaluates IAM for the cloud's code (None: an older server)

    def describe(self) -> str:
        if not self.running:
            return f"local cloud: not running (port {self.port})"
        kept = {True: ", kept on disk", False: ", ephemeral", None: ""}[self.persistent]
        iam = {True: "", False: ", IAM off", None: ""}[self.iam]
        return (
            f"local cloud: healthy on http://127.0.0.1:{self.port} (pid {self.pid}, "
            f"moto {self.moto_version}, up {self.uptime_s:.0f}s, state {self.state_dir}{kept}"
            f"{iam})"
        )

    def serves(self, settings: Settings) -> bool:
        """True when this is a running server of ``settings.state_dir`` (not another one's
        on the same port)."""
        return self.running and same_dir(self.state_dir, settings.state_dir)


@dataclass(frozen=True)
class Stopped:
    """A server :func:`stop_servers` stopped, and how it was found."""

    pid: int
    port: int | None
    state_dir: str | None
    found_by: str  # "pid file" (this state dir's) or "port" (the health probe's answer)


def same_dir(a: str | os.PathLike[str] | None, b: str | os.PathLike[str] | None) -> bool:
    """Whether two state-dir paths name the same folder (which may no longer exist)."""
    if a is None or b is None:
        return False
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


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
    except (OSError, ValueError, urllib.error.URLError, http.client.HTTPException):
        return None  # (HTTPException: a server that exited while answering)
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
    """True while ``pid`` runs; a zombie (exited, not yet reaped by its parent) is not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # "<pid> (<name>) <state> …": the name may hold spaces and parentheses
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _is_our_server(pid: int) -> bool:
    """True if ``pid`` runs the local-cloud server module (guards against PID reuse)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return _is_alive(pid)  # no /proc: trust the PID file
    return SERVER_MODULE.encode() in cmdline


def status(settings: Settings) -> Status:
    """Health, port and moto version of the local cloud for ``settings``."""
    port = settings.local_port
    doc = probe(port)
    if doc is None and not port_is_free(port):
        doc = probe(port, timeout=BUSY_PROBE_TIMEOUT_S)
    if doc is None:
        return Status(running=False, port=port)
    return Status(
        running=True,
        port=settings.local_port,
        pid=doc.get("pid"),
        moto_version=doc.get("moto_version"),
        state_dir=doc.get("state_dir"),
        uptime_s=time.time() - float(doc.get("started_at") or time.time()),
        ready=bool(doc.get("ready")),
        persistent=doc.get("persistent"),
        iam=(doc.get("iam") or {}).get("enforced"),
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

    Idempotent: if a local cloud of the kit already answers on the port, nothing is started
    and its status is returned, even when it serves another state dir (then
    ``status.serves(settings)`` is False; ``retailkit local start`` says so). Raises
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
        *(("--ephemeral",) if settings.local_ephemeral else ()),
        *(() if settings.local_iam else ("--no-iam",)),
        *extra_args,
    ]
    with open(log_file(settings), "ab") as log:
        log_offset = log.tell()
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
    restores = not settings.local_ephemeral and (state_dir / "state" / "MANIFEST.json").exists()
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pid_file(settings).unlink(missing_ok=True)
            refused = _refusal(log_file(settings), log_offset)
            if refused:
                raise LocalCloudError(refused)
            raise LocalCloudError(
                f"the local cloud exited with code {proc.returncode} while starting; "
                f"last lines of {log_file(settings)}:\n{_tail(log_file(settings), 20)}"
            )
        current = status(settings)
        # a server with saved state answers once it is loaded: it may refuse the state
        if current.running and current.pid == proc.pid and (current.ready or not restores):
            return current, True
        time.sleep(0.02)
    _terminate(proc.pid)
    pid_file(settings).unlink(missing_ok=True)
    raise LocalCloudError(
        f"the local cloud did not become healthy within {deadline_s:.0f}s; "
        f"see {log_file(settings)}:\n{_tail(log_file(settings), 20)}"
    )


REFUSAL = "the local cloud cannot start: "


def _refusal(log: Path, offset: int) -> str | None:
    """The reason the server gave for refusing its saved state (in the log after ``offset``)."""
    try:
        with open(log, "rb") as handle:
            handle.seek(offset)
            lines = handle.read().decode(errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        if REFUSAL in line:
            return line[line.index(REFUSAL) :]
    return None


def server_environment(settings: Settings) -> dict[str, str]:
    """The server's environment: this one without the operator's ``AWS_*`` variables, plus the
    local endpoint, dummy credentials and region (what its executors' SDK clients fall back to).
    """
    from infra_scripts.session import local_process_environment

    return local_process_environment(settings)


def _terminate(pid: int, deadline_s: float = STOP_DEADLINE_S) -> None:
    """SIGTERM the server's process group (its Lambda workers and Glue runs too), then SIGKILL.

    A server started in the background leads its own group; one started with
    ``--foreground`` may not (it is in its shell's job), and then only it is signalled.
    """
    try:
        leads_group = os.getpgid(pid) == pid
    except ProcessLookupError:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            if leads_group:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
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
    """Stop the local cloud of this state dir and the one on its port; False if none ran.

    See :func:`stop_servers`.
    """
    return bool(stop_servers(settings))


def stop_servers(settings: Settings) -> list[Stopped]:
    """Stop the local cloud recorded in this state dir's PID file, and the kit's local cloud
    answering on ``settings.local_port`` whatever its state dir (another one, or one that was
    deleted with its PID file); return what was stopped.

    Never another program: the PID file's process only if it runs the server module (PID
    reuse), the port's only if it answers the health probe as this kit's server, with its pid.
    """
    port = settings.local_port
    doc = probe(port, timeout=BUSY_PROBE_TIMEOUT_S)
    on_port = doc.get("pid") if doc else None
    stopped: list[Stopped] = []
    pid = _read_pid(settings)
    if pid is not None and _is_alive(pid) and _is_our_server(pid):
        _terminate(pid)
        where = port if pid == on_port else None
        stopped.append(Stopped(pid, where, str(settings.state_dir), "pid file"))
    pid_file(settings).unlink(missing_ok=True)
    if (
        doc
        and isinstance(on_port, int)
        and on_port not in {s.pid for s in stopped}
        and _is_alive(on_port)
    ):
        try:
            _terminate(on_port)
        except PermissionError:
            raise LocalCloudError(
                f"the local cloud on port {port} (pid {on_port}) belongs to another user: "
                "stop it as that user"
            ) from None
        state_dir = doc.get("state_dir")
        stopped.append(Stopped(on_port, port, state_dir, "port"))
        if state_dir:  # its own PID file, if that still names it
            _forget_pid(Path(state_dir) / pid_file(settings).name, on_port)
    return stopped


def _forget_pid(path: Path, pid: int) -> None:
    try:
        if int(path.read_text().strip()) == pid:
            path.unlink()
    except (OSError, ValueError):
        pass


# What `retailkit local reset` moves aside: the saved state, the executors' files, the stacks'
# outputs and the mails (the PID file and the log stay).
RESET_ENTRIES = ("state", "work", "outputs", "outbox")


def resettable(settings: Settings) -> list[Path]:
    """The entries of the state dir a reset would move aside (those that exist)."""
    root = Path(settings.state_dir)
    return [root / name for name in RESET_ENTRIES if (root / name).exists()]


def reset_state(settings: Settings) -> Path | None:
    """Stop the local cloud of this state dir and move its state aside, into
    ``<state dir>/reset-<time>/`` (nothing is deleted); return that folder (None: nothing to
    move). The next start is empty."""
    entries = resettable(settings)
    stop_servers(settings)
    if not entries:
        return None
    root = Path(settings.state_dir)
    target = root / f"reset-{time.strftime('%Y%m%d-%H%M%S')}"
    n = 1
    while target.exists():
        n += 1
        target = root / f"reset-{time.strftime('%Y%m%d-%H%M%S')}-{n}"
    target.mkdir()
    for entry in entries:
        entry.rename(target / entry.name)
    return target


def read_log(settings: Settings, lines: int = 50, *, errors_only: bool = False) -> str:
    """The last ``lines`` lines of the local cloud's log file (with ``errors_only``: of its
    :func:`failure_lines`)."""
    if not errors_only:
        return _tail(log_file(settings), lines)
    try:
        text = log_file(settings).read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(list(failure_lines(text.splitlines()))[-lines:])


# A log record, as the server's logging.basicConfig writes it (server/front.py):
# "2026-12-07 00:30:26,874 INFO localcloud.requests: POST / 400 AWSGlue.DeleteTable …"
_RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<level>[A-Z]+) (?P<logger>\S+): (?P<message>.*)"
)
# method, path, status, operation [error code]; a Lambda Invoke whose handler failed is a
# 200 with "FunctionError=Unhandled" (server/requestlog.py)
_REQUEST = re.compile(r"^\S+ \S+ (?P<status>\d{3})\b(?P<label>.*)")
_FAILURE_LEVELS = frozenset({"WARNING", "ERROR", "CRITICAL"})
# Lines outside a record (a Lambda handler's or Glue script's stderr) that start a failure
_UNRECORDED_FAILURE = re.compile(
    r"^Traceback \(most recent call last\):|\b[A-Z]\w*(Error|Exception|Warning): "
)


def failure_lines(lines: Iterable[str]) -> Iterator[str]:
    """The lines of a local-cloud log that tell of a failure (``retailkit local logs --errors``).

    A record of level WARNING, ERROR or CRITICAL, a ``localcloud.requests`` line whose HTTP
    status is 400 or more (or that tells of a Lambda ``FunctionError``), each with the lines
    that continue it (a traceback); and, outside any record, a traceback or an ``…Error:``
    line with the lines after it, up to the next record. Lazy: it can filter a log that is
    still being written.
    """
    showing = False
    for line in lines:
        record = _RECORD.match(line)
        if record is not None:
            level, logger, message = record.group("level", "logger", "message")
            request = _REQUEST.match(message) if logger == "localcloud.requests" else None
            showing = level in _FAILURE_LEVELS or (
                request is not None
                and (int(request["status"]) >= 400 or " FunctionError=" in request["label"])
            )
        elif not showing:
            showing = _UNRECORDED_FAILURE.search(line) is not None
        if showing:
            yield line


class LocalCloud:
    """A local cloud for the duration of a ``with`` block (tests, scripts).

    Ephemeral unless ``ephemeral=False`` (then its state is saved in ``state_dir/state``);
    IAM evaluated for the cloud's code unless ``iam=False``.

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
        ephemeral: bool = True,
        iam: bool = True,
    ) -> None:
        import tempfile

        base = settings or Settings.load(target="local")
        self._tmp = None if (state_dir or settings) else tempfile.TemporaryDirectory()
        overrides: dict[str, Any] = {
            "target": "local",
            "local_port": port or free_port(),
            "local_ephemeral": ephemeral,
            "local_iam": iam,
        }
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
