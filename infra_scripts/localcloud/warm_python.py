"""Fast starts for Glue Python-shell runs: processes forked from a warm interpreter.

A cold ``python script.py`` spends ~1-2 s importing pandas, pyarrow and boto3 before the
job does anything; Glue's own runtime has them loaded. :class:`WarmPython` keeps one
interpreter with those modules imported (:mod:`warm_python_zygote`) and forks it per run.
A :class:`WarmProcess` looks like a ``subprocess.Popen`` to the Glue executor (``stdout``,
``stderr``, ``pid``, ``wait``, ``kill``, ``returncode``); if the warm interpreter cannot
be started, runs fall back to a cold process.
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

log = logging.getLogger("localcloud.warm_python")

ZYGOTE = Path(__file__).with_name("warm_python_zygote.py")
# What Glue's Python-shell "analytics" library set ships, imported once.
PRELOAD = (
    "boto3",
    "botocore.session",
    "pyarrow",
    "pyarrow.csv",
    "pyarrow.parquet",
    "pyarrow.compute",
    "pandas",
    "awswrangler",
)
START_DEADLINE_S = 60.0


class WarmProcess:
    """A script run forked from the warm interpreter (a small ``Popen`` look-alike)."""

    def __init__(self, conn: socket.socket, stdout: IO[bytes], stderr: IO[bytes]) -> None:
        self._conn = conn
        self._buffer = b""
        self._lock = threading.Lock()  # one reader of the zygote's messages at a time
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
    """One warm interpreter per local-cloud server, started on first use."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
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
                [sys.executable, "-P", str(ZYGOTE), self.socket_path, *PRELOAD],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                cwd=self.work_dir,
            )
            deadline = time.monotonic() + START_DEADLINE_S
            ready = self._zygote.stdout.readline() if self._zygote.stdout else b""
            if ready.strip() != b"ready" or time.monotonic() > deadline:
                log.error("the warm Python interpreter did not start; Glue runs start cold")
                self._failed = True
                return False
            log.info("warm Python interpreter ready (pid %s)", self._zygote.pid)
            return True

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
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(self.socket_path)
            request = {
                "script": script,
                "args": args,
                "env": env,
                "cwd": cwd,
                "python_path": python_path,
            }
            socket.send_fds(conn, [json.dumps(request).encode()], [out_w, err_w])
        finally:
            os.close(out_w)
            os.close(err_w)
        return WarmProcess(conn, os.fdopen(out_r, "rb"), os.fdopen(err_r, "rb"))

    def shutdown(self) -> None:
        with self._lock:
            if self._zygote is not None and self._zygote.poll() is None:
                self._zygote.kill()
                self._zygote.wait(timeout=5)
