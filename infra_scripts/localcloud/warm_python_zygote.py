"""A warm Python interpreter that forks one child per Glue Python-shell run.

Started once by :mod:`warm_python` as ``python -P warm_python_zygote.py SOCKET MODULE…``:
it imports the heavy modules every job uses (the ones Glue's analytics library set
preinstalls), then waits on a Unix socket. Each request carries the run's script,
arguments, environment, working directory and import path, plus the write ends of its
stdout/stderr pipes (SCM_RIGHTS); the zygote forks, the child runs the script as
``__main__`` and the zygote reports the exit code on the same connection.

Single-threaded on purpose (it forks). Stdlib only apart from the preloads. It exits when
its parent (the local-cloud server) goes away.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import runpy
import select
import socket
import sys
import traceback

MAX_REQUEST = 1 << 20


def _run_child(request: dict, fds: list[int]) -> None:
    """In the forked child: become the job's process and run its script."""
    os.dup2(fds[0], 1)
    os.dup2(fds[1], 2)
    for fd in fds:
        os.close(fd)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
    code = 0
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        script = request["script"]
        sys.path[:0] = [os.path.dirname(script), *request["python_path"]]
        sys.argv = [script, *request["args"]]
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # the pipe may be gone
                stream.flush()
    os._exit(code & 0xFF)


def _send(conn: socket.socket, message: dict) -> None:
    with contextlib.suppress(OSError):  # the executor may have given up on this run
        conn.sendall((json.dumps(message) + "\n").encode())


def serve(socket_path: str) -> None:
    parent = os.getppid()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    server.listen(64)
    print("ready", flush=True)
    running: dict[int, socket.socket] = {}
    while os.getppid() == parent:
        ready, _, _ = select.select([server], [], [], 0.02)
        if ready:
            conn, _ = server.accept()
            message, fds, _, _ = socket.recv_fds(conn, MAX_REQUEST, 2)
            request = json.loads(message)
            pid = os.fork()
            if pid == 0:
                server.close()
                for other in running.values():
                    other.close()
                conn.close()
                _run_child(request, list(fds))
            for fd in fds:
                os.close(fd)
            running[pid] = conn
            _send(conn, {"pid": pid})
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            conn = running.pop(pid, None)
            if conn is not None:
                _send(conn, {"returncode": os.waitstatus_to_exitcode(status)})
                conn.close()


def main() -> None:
    socket_path, *preload = sys.argv[1:]
    for name in preload:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            print(f"warm python: cannot preload {name}: {exc}", file=sys.stderr)
    serve(socket_path)


if __name__ == "__main__":
    main()
