"""A warm Python interpreter that forks one child per Glue run or Lambda worker.

Started by :mod:`warm_python` as ``python -P warm_python_zygote.py SOCKET MODULE…``: it
imports the heavy modules the children use (for Glue, those Glue's analytics library set
preinstalls; for Lambda, boto3 as in the Python runtime), then waits on a Unix socket.
Each request carries the script, arguments, environment, working directory and import
path, plus file descriptors (SCM_RIGHTS) whose roles it names: the child's ``stdout`` and
``stderr``, optionally its ``stdin``, and ``arg`` descriptors whose numbers replace the
``@fd`` arguments in order. The zygote forks, the child runs the script as ``__main__``
and the zygote reports the child's pid, then its exit code, on the same connection.

The script is compiled here before forking, once per content (a top-level script has no
``.pyc``: every child would compile it again), under the path the child runs it from.

Single-threaded on purpose (it forks). Stdlib only apart from the preloads. It exits when
its parent (the local-cloud server) goes away.

When botocore is preloaded, the JSON of the service models jobs use most (S3, Glue, …) is
parsed once here too: creating a client otherwise spends ~0.1 s per service in
``json.loads`` in every run. Children share the parsed documents, as clients of one botocore
session already do.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib
import json
import os
import runpy
import select
import socket
import sys
import traceback
import types

MAX_REQUEST = 1 << 20
MAX_FDS = 8
FD_ARG = "@fd"
DEFAULT_SERVICES = "s3,glue,sts,athena,logs"
SERVICES_ENV = "WARM_PYTHON_SERVICES"  # the service models to parse before forking


_COMPILED: dict[bytes, types.CodeType] = {}  # sha256 of a script's source → its code


def script_code(path: str) -> types.CodeType | None:
    """The compiled script, compiled once per content (here, before forking: every child
    would compile it again). Named by ``path``, as ``python path`` names it. None when it
    cannot be read or compiled: the child then runs it the usual way and reports why."""
    try:
        with open(path, "rb") as script:
            source = script.read()
        digest = hashlib.sha256(source).digest()
        code = _COMPILED.get(digest)
        if code is None:
            code = _COMPILED[digest] = compile(source, path, "exec", dont_inherit=True)
    except (OSError, SyntaxError, ValueError):
        return None
    return code if code.co_filename == path else _renamed(code, path)


def _renamed(code: types.CodeType, path: str) -> types.CodeType:
    consts = tuple(
        _renamed(const, path) if isinstance(const, types.CodeType) else const
        for const in code.co_consts
    )
    return code.replace(co_filename=path, co_consts=consts)


def _run_main(script: str, code: types.CodeType | None) -> None:
    """Run the script as ``__main__``, as ``python script`` (or ``runpy.run_path``) does."""
    if code is None:
        runpy.run_path(script, run_name="__main__")
        return
    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=script, __cached__=None, __loader__=None, __spec__=None)
    sys.modules["__main__"] = main
    exec(code, main.__dict__)


def _run_child(request: dict, fds: list[int], compiled: types.CodeType | None = None) -> None:
    """In the forked child: become the requested process and run its script."""
    roles = request.get("fd_roles", ["stdout", "stderr"])
    by_role = dict(zip(roles, fds, strict=True))
    os.dup2(by_role["stdout"], 1)
    os.dup2(by_role["stderr"], 2)
    stdin = by_role.get("stdin")
    if stdin is None:
        stdin = os.open(os.devnull, os.O_RDONLY)
    os.dup2(stdin, 0)
    arg_fds = [fd for role, fd in zip(roles, fds, strict=True) if role == "arg"]
    for fd in {*fds, stdin} - {*arg_fds, 0, 1, 2}:
        os.close(fd)
    sys.stdin = os.fdopen(0, "r", closefd=False)
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
    args = list(request["args"])
    if arg_fds:  # only requests that pass descriptors use placeholders (never Glue's args)
        numbers = iter(arg_fds)
        args = [str(next(numbers)) if arg == FD_ARG else arg for arg in args]
    code = 0
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        script = request["script"]
        script_dir = [os.path.dirname(script)] if request.get("script_dir_on_path", True) else []
        sys.path[:0] = [*script_dir, *request["python_path"]]
        sys.argv = [script, *args]
        _run_main(script, compiled)
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
            message, fds, _, _ = socket.recv_fds(conn, MAX_REQUEST, MAX_FDS)
            request = json.loads(message)
            compiled = script_code(request["script"])
            pid = os.fork()
            if pid == 0:
                server.close()
                for other in running.values():
                    other.close()
                conn.close()
                _run_child(request, list(fds), compiled)
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


def warm_botocore(services: list[str]) -> None:
    """Share botocore's parsed data across sessions, then load the ``services`` models.

    Every new botocore session has a new loader and event aliaser whose caches start empty:
    it would list the data directories, parse the service models and alias event names
    again. Here those caches are process-wide (the forked children inherit them), as one
    session already shares them between its own clients.
    """
    from botocore import exceptions, hooks, loaders
    from botocore.session import Session

    _share_event_aliases(hooks.EventAliaser)
    _memoise_accepts_kwargs(hooks)
    _memoise(loaders.JSONFileLoader, "load_file")
    _memoise(loaders.Loader, "list_available_services")
    _memoise(loaders.Loader, "load_service_model")
    _memoise(loaders.Loader, "load_data")
    session = Session()
    session.get_available_services()  # some client set-ups list them
    loader = session.get_component("data_loader")
    for service in services:
        model = session.create_client(
            service,
            region_name="us-east-1",
            aws_access_key_id="warm",
            aws_secret_access_key="warm",
        ).meta.service_model
        # The paginators, asked for as a client's can_paginate asks (the first request lists
        # every service's paginators: ~450 directory listings in each run that paginates).
        with contextlib.suppress(exceptions.DataNotFoundError):
            loader.load_service_model(model.service_name, "paginators-1", model.api_version)


def _share_event_aliases(aliaser: type) -> None:
    """A session registers ~700 handlers, each aliasing its event name (~0.1 s per session):
    with the default alias table the result only depends on the name, so share the cache."""
    original = aliaser.__init__
    shared: dict[str, str] = {}

    def __init__(self: object, event_emitter: object, event_aliases: object = None) -> None:
        original(self, event_emitter, event_aliases)
        if event_aliases is None:
            self._alias_name_cache = shared  # type: ignore[attr-defined]

    aliaser.__init__ = __init__  # type: ignore[method-assign]


def _memoise_accepts_kwargs(hooks: object) -> None:
    """Registering a handler checks its signature (inspect, ~50 µs): a session registers ~150
    per client set-up. A function's signature never changes, so remember the answer."""
    original = hooks.accepts_kwargs  # type: ignore[attr-defined]
    answers: dict[object, str | None] = {}

    def accepts_kwargs(func: object) -> str | None:
        key = getattr(func, "__func__", func)  # a bound method: its function decides
        try:
            return answers[key]
        except KeyError:
            answers[key] = answer = original(func)
            return answer
        except TypeError:  # unhashable callable
            return original(func)

    hooks.accepts_kwargs = accepts_kwargs  # type: ignore[attr-defined]


def _memoise(owner: type, name: str) -> None:
    """Cache ``owner.name`` by its arguments, for every instance (the data never changes)."""
    original = getattr(owner, name)
    original = getattr(original, "__wrapped__", original)  # botocore's own instance_cache
    results: dict[tuple, object] = {}

    def cached(self: object, *args: object, **kwargs: object) -> object:
        key = (args, tuple(sorted(kwargs.items())))
        if key not in results:
            results[key] = original(self, *args, **kwargs)
        return results[key]

    setattr(owner, name, cached)


def main() -> None:
    socket_path, *preload = sys.argv[1:]
    for name in preload:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            print(f"warm python: cannot preload {name}: {exc}", file=sys.stderr)
    services = os.environ.pop(SERVICES_ENV, DEFAULT_SERVICES)
    if "botocore.session" in sys.modules:
        try:
            warm_botocore([name for name in services.split(",") if name])
        except Exception as exc:  # a cold client is slower, never wrong
            print(f"warm python: botocore models not preloaded: {exc}", file=sys.stderr)
    gc.collect()
    gc.freeze()  # children's collections skip what the preloads made (and leave it unshared)
    serve(socket_path)


if __name__ == "__main__":
    main()
