"""Lambda executor: Invoke runs the function's Python handler in a local process, no Docker.

Each function gets warm workers (:mod:`lambda_worker`) keyed by its code hash and
configuration; a worker serves one invocation at a time and is reused afterwards,
like a Lambda execution environment. A new worker is forked from a warm interpreter that
has boto3 imported, as the Python runtime has (:mod:`warm_python`; a cold ``python``
process if that interpreter cannot start): its cold start is then the handler's own
imports, not ~0.6 s of CPU for boto3's. At most ``MAX_WORKERS_PER_FUNCTION`` invocations of a
function run at once; the others wait for a worker (AWS would start more environments, but
here every cold start costs the same few cores, so a burst would mostly pay for start-ups).
Timeout and memory size are enforced (the worker is killed and the AWS-shaped error
returned); printed output and logging go to CloudWatch Logs ``/aws/lambda/<name>``, with
START/END/REPORT lines.

Layers (``Layers`` of CreateFunction/UpdateFunctionConfiguration, versions from moto's
PublishLayerVersion): AWS merges the layers' zips into ``/opt`` in the order of the
function's Layers list, a later layer's file replacing an earlier one's ("the order in
which you add the layers is the order in which Lambda merges the layer content into the
execution environment", "Adding layers to functions" in the Lambda guide), and the Python
runtime has ``/opt/python/lib/python3.X/site-packages`` and ``/opt/python`` on ``sys.path``
after the function's own code. Here there is no ``/opt``: the layers are merged the same
way, once per ordered set of layer contents, into ``<work>/lambda-layers/<sha256>``, and that
folder's two directories follow the code directory on the worker's path.
"""

from __future__ import annotations

import base64
import compileall
import datetime as dt
import hashlib
import io
import json
import logging
import os
import select
import shutil
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from infra_scripts.localcloud.motolayer.logs import put_messages
from infra_scripts.localcloud.motolayer.patching import replace
from infra_scripts.localcloud.runtime import ServerContext
from infra_scripts.localcloud.workers import WORKERS_DIR
from infra_scripts.localcloud.workers.warm_python import (
    LAMBDA_PRELOAD,
    LAMBDA_SERVICES,
    WarmProcess,
    WarmPython,
)
from infra_scripts.localcloud.workers.warm_python_zygote import FD_ARG

log = logging.getLogger("localcloud.lambda")

WORKER_SCRIPT = WORKERS_DIR / "lambda_worker.py"
MAX_WORKERS_PER_FUNCTION = 8
MAX_IDLE_WORKERS_PER_FUNCTION = MAX_WORKERS_PER_FUNCTION
MEMORY_POLL_S = 0.05
TAIL_LOG_BYTES = 4096
_INHERITED_ENV = ("PATH", "LANG", "LC_ALL", "HOME", "SYSTEMROOT", "TMPDIR")
_HERMETIC_AWS_CONFIG = {
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass
class InvocationResult:
    payload: bytes
    function_error: str | None  # "Unhandled" when the handler failed, as AWS reports it
    logs: str


@dataclass
class _Worker:
    key: str
    function_arn: str
    proc: subprocess.Popen[bytes] | WarmProcess
    responses: io.BufferedReader
    log_stream: str
    _buffer: bytes = field(default=b"")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log.warning("lambda worker %s did not exit after SIGKILL", self.proc.pid)
        self.responses.close()

    def read_answer(self, deadline: float, memory_limit_mb: int) -> dict[str, Any] | str:
        """The worker's answer, or ``"timeout"`` / ``"oom"`` / ``"crash"``."""
        fd = self.responses.fileno()
        ps = psutil.Process(self.proc.pid)
        while True:
            if b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                return json.loads(line)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            ready, _, _ = select.select([fd], [], [], min(remaining, MEMORY_POLL_S))
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return "crash"
                self._buffer += chunk
                continue
            try:
                if ps.memory_info().rss > memory_limit_mb * 1024 * 1024:
                    return "oom"
            except psutil.NoSuchProcess:
                return "crash"


class LayerMissing(Exception):
    """A layer version of the function's configuration is no longer stored."""


class LambdaRuntime:
    """Warm worker pools and invocation for every function of the server."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self._idle: dict[str, list[_Worker]] = {}
        self._current_key: dict[str, str] = {}
        self._slots: dict[str, threading.BoundedSemaphore] = {}  # function ARN → free workers
        self.warm = WarmPython(
            ctx.work_dir / "lambda-runtime", LAMBDA_PRELOAD, LAMBDA_SERVICES, "Lambda workers"
        )

    def _slot(self, fn: Any) -> threading.BoundedSemaphore:
        with self._lock:
            return self._slots.setdefault(
                fn.function_arn, threading.BoundedSemaphore(MAX_WORKERS_PER_FUNCTION)
            )

    # --- code and configuration -------------------------------------------------------
    def _code_dir(self, fn: Any) -> Path:
        digest = hashlib.sha256(fn.code_bytes).hexdigest()
        target = self.ctx.work_dir / "lambda" / digest
        if not target.exists():
            staging = target.with_name(f"{digest}.{uuid.uuid4().hex}.tmp")
            with zipfile.ZipFile(io.BytesIO(fn.code_bytes)) as archive:
                archive.extractall(staging)
            # byte code once per code version (even under PYTHONDONTWRITEBYTECODE), not
            # compiled again by every cold start
            compileall.compile_dir(staging, quiet=2)
            try:
                staging.rename(target)
            except OSError:  # another thread extracted it first
                shutil.rmtree(staging, ignore_errors=True)
        return target

    @staticmethod
    def _config_key(fn: Any) -> str:
        parts = [
            *(layer["Arn"] for layer in fn.layers or []),
            fn.function_arn,
            fn.role or "",
            fn.code_sha_256,
            fn.handler,
            str(fn.timeout),
            str(fn.memory_size),
            json.dumps(fn.environment_vars, sort_keys=True),
        ]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def _opt_dir(self, fn: Any) -> Path | None:
        """The function's layers merged in their order, as in ``/opt`` (None: no layers)."""
        if not fn.layers:
            return None
        from moto.awslambda.models import lambda_backends

        backend = lambda_backends[fn.account_id][fn.region]
        contents: list[bytes] = []
        for layer in fn.layers:
            version = backend.layers_versions_by_arn(layer["Arn"])
            if version is None:
                raise LayerMissing(layer["Arn"])
            contents.append(version.code_bytes)
        digest = hashlib.sha256(
            b"\0".join(hashlib.sha256(body).digest() for body in contents)
        ).hexdigest()
        target = self.ctx.work_dir / "lambda-layers" / digest
        if not target.exists():
            staging = target.with_name(f"{digest}.{uuid.uuid4().hex}.tmp")
            staging.mkdir(parents=True)
            for body in contents:  # in the Layers order: a later file replaces an earlier one
                with zipfile.ZipFile(io.BytesIO(body)) as archive:
                    archive.extractall(staging)
            compileall.compile_dir(staging, quiet=2)
            try:
                staging.rename(target)
            except OSError:  # another thread merged them first
                shutil.rmtree(staging, ignore_errors=True)
        return target

    def _python_path(self, fn: Any, code_dir: Path) -> list[str]:
        """The code directory, then the layers' Python directories (``/opt/python``...)."""
        path = [str(code_dir)]
        opt = self._opt_dir(fn)
        if opt is not None:
            version = str(fn.run_time or "").removeprefix("python") or "3"
            path += [
                str(opt / "python" / "lib" / f"python{version}" / "site-packages"),
                str(opt / "python"),
            ]
        return path

    def _environment(
        self, fn: Any, code_dir: Path, log_stream: str, python_path: list[str]
    ) -> dict[str, str]:
        # Only the allow-listed variables of the server's environment, never its AWS_*;
        # no shared config or credentials file (HOME is inherited) and no instance metadata,
        # unless the function's own configuration says otherwise.
        env = {k: os.environ[k] for k in _INHERITED_ENV if k in os.environ}
        env.update(_HERMETIC_AWS_CONFIG)
        env.update({k: str(v) for k, v in (fn.environment_vars or {}).items()})
        # The function's role's session, named after the function (as Lambda names it).
        env.update(self.ctx.child_environment(fn.region, fn.role, fn.function_name))
        env.update(
            {
                "PYTHONPATH": os.pathsep.join(python_path),
                "PYTHONUNBUFFERED": "1",
                "TZ": "UTC",
                "LAMBDA_TASK_ROOT": str(code_dir),
                "_HANDLER": fn.handler or "",
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
                "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
                "AWS_LAMBDA_FUNCTION_VERSION": str(fn.version),
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
                "AWS_LAMBDA_LOG_GROUP_NAME": fn.logs_group_name,
                "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            }
        )
        return env

    # --- workers ------------------------------------------------------------------------
    def _spawn(self, fn: Any, key: str) -> _Worker:
        now = dt.datetime.now(dt.UTC)
        log_stream = f"{now:%Y/%m/%d}/[{fn.version}]{uuid.uuid4().hex}"
        code_dir = self._code_dir(fn)
        python_path = self._python_path(fn, code_dir)
        env = self._environment(fn, code_dir, log_stream, python_path)
        read_fd, write_fd = os.pipe()
        proc: subprocess.Popen[bytes] | WarmProcess
        try:
            if self.warm.available():
                proc = self.warm.spawn_worker(
                    str(WORKER_SCRIPT),
                    [FD_ARG],
                    env=env,
                    cwd=str(code_dir),
                    python_path=python_path,
                    pass_fds=(write_fd,),
                )
            else:
                proc = subprocess.Popen(
                    [sys.executable, "-P", str(WORKER_SCRIPT), str(write_fd)],
                    stdin=subprocess.PIPE,
                    cwd=code_dir,
                    env=env,
                    pass_fds=(write_fd,),
                )
        finally:
            os.close(write_fd)
        return _Worker(
            key=key,
            function_arn=fn.function_arn,
            proc=proc,
            responses=os.fdopen(read_fd, "rb"),
            log_stream=log_stream,
        )

    def _acquire(self, fn: Any) -> _Worker:
        key = self._config_key(fn)
        stale: list[_Worker] = []
        with self._lock:
            previous = self._current_key.get(fn.function_arn)
            if previous is not None and previous != key:
                stale = self._idle.pop(previous, [])  # code or configuration changed
            self._current_key[fn.function_arn] = key
            pool = self._idle.setdefault(key, [])
            worker = None
            while pool and worker is None:
                candidate = pool.pop()
                if candidate.alive():
                    worker = candidate
                else:
                    stale.append(candidate)
        for old in stale:
            old.kill()
        return worker or self._spawn(fn, key)

    def _release(self, worker: _Worker, reusable: bool) -> None:
        """Keep a healthy worker warm, unless its function changed or enough are idle."""
        if reusable and worker.alive():
            with self._lock:
                current = self._current_key.get(worker.function_arn) == worker.key
                pool = self._idle.setdefault(worker.key, [])
                if current and len(pool) < MAX_IDLE_WORKERS_PER_FUNCTION:
                    pool.append(worker)
                    return
        worker.kill()

    def shutdown(self) -> None:
        with self._lock:
            workers = [w for pool in self._idle.values() for w in pool]
            self._idle.clear()
        for worker in workers:
            worker.kill()
        self.warm.shutdown()

    # --- invocation ---------------------------------------------------------------------
    def invoke(self, fn: Any, event: str) -> InvocationResult:
        """Run one invocation of ``fn`` with the JSON text ``event``."""
        with self._slot(fn):
            return self._invoke(fn, event)

    def _invoke(self, fn: Any, event: str) -> InvocationResult:
        request_id = str(uuid.uuid4())
        if not str(fn.run_time or "").startswith("python"):
            body = {
                "errorType": "Runtime.InvalidRuntime",
                "errorMessage": f"the local cloud runs Python handlers only; {fn.function_name} "
                f"uses {fn.run_time!r} (use target=aws for other runtimes)",
            }
            return InvocationResult(json.dumps(body).encode(), "Unhandled", "")
        try:
            worker = self._acquire(fn)
        except LayerMissing as exc:
            body = {
                "errorType": "Runtime.LayerMissing",
                "errorMessage": f"the local cloud no longer stores the layer version {exc} "
                f"of {fn.function_name} (deleted): publish it again and update the function",
            }
            return InvocationResult(json.dumps(body).encode(), "Unhandled", "")
        started = time.monotonic()
        deadline_ms = int(time.time() * 1000 + float(fn.timeout) * 1000)
        request = {
            "request_id": request_id,
            "event": event,
            "deadline_ms": deadline_ms,
            "invoked_function_arn": fn.function_arn,
        }
        answer: dict[str, Any] | str
        try:
            worker.proc.stdin.write((json.dumps(request) + "\n").encode())  # type: ignore[union-attr]
            worker.proc.stdin.flush()  # type: ignore[union-attr]
            answer = worker.read_answer(started + float(fn.timeout), int(fn.memory_size))
        except (BrokenPipeError, OSError):
            answer = "crash"
        duration_ms = (time.monotonic() - started) * 1000
        reusable = isinstance(answer, dict) and not answer.get("exiting")
        if isinstance(answer, str):
            worker.kill()
            answer = self._runtime_failure(answer, fn, request_id)
        try:
            max_rss = psutil.Process(worker.proc.pid).memory_info().rss // (1024 * 1024)
        except psutil.Error:
            max_rss = int(fn.memory_size)
        self._release(worker, reusable)
        logs = self._log_text(fn, request_id, answer.get("logs", ""), duration_ms, max_rss)
        self._write_logs(fn, worker.log_stream, logs)
        if "error" in answer:
            return InvocationResult(json.dumps(answer["error"]).encode(), "Unhandled", logs)
        return InvocationResult(answer["payload"].encode(), None, logs)

    @staticmethod
    def _runtime_failure(kind: str, fn: Any, request_id: str) -> dict[str, Any]:
        if kind == "timeout":
            stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            message = f"{stamp} {request_id} Task timed out after {float(fn.timeout):.2f} seconds"
            return {"error": {"errorMessage": message}, "logs": message + "\n"}
        if kind == "oom":
            message = f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"
            return {
                "error": {"errorType": "Runtime.OutOfMemory", "errorMessage": message},
                "logs": message + "\n",
            }
        message = f"RequestId: {request_id} Error: Runtime exited without providing a reason"
        return {"error": {"errorType": "Runtime.ExitError", "errorMessage": message}, "logs": ""}

    @staticmethod
    def _log_text(fn: Any, request_id: str, body: str, duration_ms: float, max_rss: int) -> str:
        billed = max(1, int(duration_ms + 0.999))
        return (
            f"START RequestId: {request_id} Version: {fn.version}\n"
            + body
            + f"END RequestId: {request_id}\n"
            + f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {billed} ms\tMemory Size: {fn.memory_size} MB\t"
            f"Max Memory Used: {max_rss} MB\n"
        )

    @staticmethod
    def _write_logs(fn: Any, stream: str, text: str) -> None:
        lines = [line for line in text.splitlines() if line]
        put_messages(fn.account_id, fn.region, fn.logs_group_name, stream, lines)


def install(ctx: ServerContext) -> None:
    """Replace moto's Docker-based Lambda invocation with :class:`LambdaRuntime`."""
    from moto.awslambda.models import LambdaFunction

    runtime = LambdaRuntime(ctx)

    def invoke(self: Any, body: str, request_headers: Any, response_headers: Any) -> bytes:
        event = body if body else "{}"
        invocation_type = (request_headers or {}).get("x-amz-invocation-type", "RequestResponse")
        if invocation_type == "DryRun":
            return b""
        if invocation_type == "Event":
            threading.Thread(
                target=runtime.invoke, args=(self, event), name="lambda-async", daemon=True
            ).start()
            return b""
        result = runtime.invoke(self, event)
        if result.function_error:
            response_headers["x-amz-function-error"] = result.function_error
        tail = result.logs.encode()[-TAIL_LOG_BYTES:]
        response_headers["x-amz-log-result"] = base64.b64encode(tail).decode()
        response_headers["x-amz-executed-version"] = str(self.version)
        return result.payload

    def invoke_lambda(self: Any, event: str | None = None) -> tuple[str, bool, str]:
        result = runtime.invoke(self, event if isinstance(event, str) else json.dumps(event or {}))
        return result.payload.decode(), result.function_error is not None, result.logs

    def no_docker(self: Any) -> Any:
        raise AttributeError("the local cloud runs Lambda functions without Docker")

    # Warm the interpreter workers fork from when the first function is created, not at
    # start-up (it would slow the server's own start).
    from moto.awslambda.models import LambdaBackend

    def create_function(self: Any, *args: Any, **kwargs: Any) -> Any:
        runtime.warm.start_in_background()
        return original_create_function(self, *args, **kwargs)

    original_create_function = replace(LambdaBackend, "create_function", create_function)
    replace(LambdaFunction, "invoke", invoke)
    replace(LambdaFunction, "_invoke_lambda", invoke_lambda)
    # moto's /moto-api/data.json reads every attribute; this one tried to reach Docker.
    replace(LambdaFunction, "docker_client", property(no_docker))
    import atexit

    atexit.register(runtime.shutdown)
