"""Fast starts for Glue runs and Lambda workers: processes forked from a warm interpreter.

A cold ``python script.py`` spends ~1-2 s importing pandas, pyarrow and boto3 before a Glue
job does anything, and ~0.6 s of CPU importing boto3 and parsing a service model before a
Lambda handler runs; AWS's runtimes have them loaded. :class:`WarmPython` keeps one
interpreter with those modules imported (:mod:`warm_python_zygote`) and forks it per
process. A :class:`WarmProcess` looks like a ``subprocess.Popen`` to the executors
(``stdin``, ``stdout``, ``stderr``, ``pid``, ``poll``, ``wait``, ``kill``, ``returncode``);
if the warm interpreter cannot be started, the executors start cold processes.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from infra_scripts.localcloud.workers.warm_python_zygote import SERVICES_ENV

log = logging.getLogger("localcloud.warm_python")

ZYGOTE = Path(__file__).with_name("warm_python_zygote.py")
# What Glue's Python-shell "analytics" library set ships, imported once.
GLUE_PRELOAD = (
    "boto3",
    "botocore.session",
    "pyarrow",
    "pyarrow.csv",
    "pyarrow.parquet",
    "pyarrow.compute",
    "pandas",
    "awswrangler",
)
GLUE_SERVICES = ("s3", "glue", "sts", "athena", "logs")
# What the Lambda Python runtime ships.
LAMBDA_PRELOAD = ("boto3", "botocore.session")
LAMBDA_SERVICES = ("s3", "sns", "sts")
START_DEADLINE_S = 60.0


class WarmProcess:
    """A script run forked from the warm interpreter (a small ``Popen`` look-alike)."""

    def __init__(
        self,
        conn: socket.socket,
        stdout: IO[bytes] | None,
        stderr: IO[bytes] | None,
        stdin: IO[bytes] | None = None,
    ) -> None:
        self._conn = conn
        self._buffer = b""
        self._lock = threading.Lock()  # one reader of the zygote's messages at a time
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.returncode: int | None = None
        self.pid: int = self._read_message(START_DEADLINE_S)["pid"]

    def _read_message(self, timeout: float | None) -> dict:
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self._conn], [], [], remaining)
            if not ready:
                raise subprocess.TimeoutExpired(["warm-python"], timeout or 0.0)
            chunk = self._conn.recv(4096)
            if not chunk:  # the zygote went away: treat the run as killed
                return {"returncode": -signal.SIGKILL}
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def wait(self, timeout: float | None = None) -> int:
        with self._lock:
            if self.returncode is None:
                self.returncode = int(self._read_message(timeout)["returncode"])
                self._conn.close()
        return self.returncode

    def poll(self) -> int | None:
        if self.returncode is not None or not self._lock.acquire(blocking=False):
            return self.returncode  # another thread is waiting: the run is still going
        try:
            self.returncode = int(self._read_message(0.0)["returncode"])
            self._conn.close()
        except subprocess.TimeoutExpired:
            pass
        finally:
            self._lock.release()
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            os.kill(self.pid, signal.SIGKILL)


class WarmPython:
    """One warm interpreter (per executor of a local-cloud server), started on first use."""

    def __init__(
        self,
        work_dir: Path,
        preload: tuple[str, ...] = GLUE_PRELOAD,
        services: tuple[str, ...] = GLUE_SERVICES,
        purpose: str = "Glue runs",
    ) -> None:
        self.work_dir = work_dir
        self.preload = preload
        self.services = services
        self.purpose = purpose
        self._lock = threading.Lock()
        self._zygote: subprocess.Popen[bytes] | None = None
        self._failed = False
        self._warming = False
        self.socket_path = str(work_dir / "warm-python.sock")

    def _ensure_started(self) -> bool:
        with self._lock:
            if self._failed:
                return False
            if self._zygote is not None and self._zygote.poll() is None:
                return True
            self.work_dir.mkdir(parents=True, exist_ok=True)
            Path(self.socket_path).unlink(missing_ok=True)
            self._zygote = subprocess.Popen(
                [sys.executable, "-P", str(ZYGOTE), self.socket_path, *self.preload],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                cwd=self.work_dir,
                env=zygote_environment(self.services),
            )
            deadline = time.monotonic() + START_DEADLINE_S
            ready = self._zygote.stdout.readline() if self._zygote.stdout else b""
            if ready.strip() != b"ready" or time.monotonic() > deadline:
                log.error("the warm Python interpreter did not start; %s start cold", self.purpose)
                self._failed = True
                return False
            log.info(
                "warm Python interpreter for %s ready (pid %s)", self.purpose, self._zygote.pid
            )
            return True

    def available(self) -> bool:
        """True once the warm interpreter runs (starting it if needed)."""
        return self._ensure_started()

    def start_in_background(self) -> None:
        """Warm up now (once), so the first run does not wait for the imports."""
        with self._lock:
            if self._warming or self._failed:
                return
            self._warming = True
        threading.Thread(target=self._ensure_started, name="warm-python", daemon=True).start()

    def spawn(
        self,
        script: str,
        args: list[str],
        *,
        env: dict[str, str],
        cwd: str,
        python_path: list[str],
    ) -> WarmProcess | subprocess.Popen[bytes]:
        """Run ``script args`` like ``python script args`` would, from the warm interpreter."""
        if not self._ensure_started():
            return subprocess.Popen(
                [sys.executable, script, *args],
                cwd=cwd,
                env={**env, "PYTHONPATH": os.pathsep.join(python_path)} if python_path else env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        request = _fork_request(script, args, env, cwd, python_path)
        try:
            conn = self._request(request, [out_w, err_w])
        except BaseException:
            os.close(out_r)
            os.close(err_r)
            raise
        finally:
            os.close(out_w)
            os.close(err_w)
        return WarmProcess(conn, os.fdopen(out_r, "rb"), os.fdopen(err_r, "rb"))

    def spawn_worker(
        self,
        script: str,
        args: list[str],
        *,
        env: dict[str, str],
        cwd: str,
        python_path: list[str],
        pass_fds: tuple[int, ...] = (),
    ) -> WarmProcess:
        """Fork a long-lived worker like ``python -P script args`` with ``stdin=PIPE``.

        The worker's stdout and stderr are the server's; each of ``pass_fds`` is passed to
        it, its number replacing the next ``"@fd"`` in ``args``. Call :meth:`available`
        first: there is no cold fallback here.
        """
        in_r, in_w = os.pipe()
        request = _fork_request(
            script,
            args,
            env,
            cwd,
            python_path,
            script_dir_on_path=False,  # as ``python -P``
            fd_roles=["stdout", "stderr", "stdin", *(["arg"] * len(pass_fds))],
        )
        try:  # the worker writes to the server's own stdout and stderr
            conn = self._request(request, [1, 2, in_r, *pass_fds])
        except BaseException:
            os.close(in_w)
            raise
        finally:
            os.close(in_r)
        return WarmProcess(conn, None, None, stdin=os.fdopen(in_w, "wb"))

    def _request(self, request: dict, fds: list[int]) -> socket.socket:
        """Send one fork request with its descriptors; the connection the answers come on."""
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(self.socket_path)
            socket.send_fds(conn, [json.dumps(request).encode()], fds)
        except BaseException:
            conn.close()
            raise
        return conn

    def shutdown(self) -> None:
        with self._lock:
            if self._zygote is not None and self._zygote.poll() is None:
                self._zygote.kill()
                self._zygote.wait(timeout=5)


def zygote_environment(
    services: tuple[str, ...], inherited: dict[str, str] | None = None
) -> dict[str, str]:
    """The warm interpreter's environment: the server's without any ``AWS_*`` variable.

    Each child it forks gets its own whole environment with its request; the preloads
    run here, before any fork, so nothing they read at import can come from a stray
    ``AWS_*`` setting.
    """
    inherited = dict(os.environ) if inherited is None else inherited
    env = {k: v for k, v in inherited.items() if not k.startswith("AWS_")}
    env[SERVICES_ENV] = ",".join(services)
    return env


def _fork_request(
    script: str,
    args: list[str],
    env: dict[str, str],
    cwd: str,
    python_path: list[str],
    **options: object,
) -> dict[str, object]:
    """The zygote's request for one child (``options``: script_dir_on_path, fd_roles)."""
    return {
        "script": script,
        "args": args,
        "env": env,
        "cwd": cwd,
        "python_path": python_path,
        **options,
    }
