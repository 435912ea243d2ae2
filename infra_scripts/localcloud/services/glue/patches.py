"""Glue executor: the local cloud really runs Glue **Python shell** job runs.

moto 5.2.5 stores jobs and runs but never runs anything (a run's state follows moto's state
manager). This module patches ``FakeJob.start_job_run`` so that StartJobRun of a job whose
``Command.Name`` is ``pythonshell``:

1. checks ``ExecutionProperty.MaxConcurrentRuns`` (default 1) exactly as AWS does
   (``ConcurrentRunsExceededException``, "Concurrent runs exceeded for <job>");
2. records a :class:`LocalJobRun` (state ``STARTING``) and returns its id at once;
3. in a background thread: reads ``Command.ScriptLocation`` and the ``--extra-py-files`` /
   ``--extra-files`` objects in-process from moto's S3 backend into a per-run folder under
   ``<state_dir>/work/glue/<run id>`` (the process's cwd, removed when the run ends), checks
   ``--additional-python-modules`` against what is installed, then runs
   ``sys.executable script.py --JOB_NAME <job> --JOB_RUN_ID <id> --key value ...``
   (state ``RUNNING``) on the server's own Python (the venv: boto3, pandas, pyarrow,
   awswrangler, like Glue's analytics library set);
4. streams stdout/stderr, as they arrive, into CloudWatch Logs (moto's logs backend):
   ``/aws-glue/python-jobs/output`` and ``/aws-glue/python-jobs/error``, stream = run id;
5. ends the run ``SUCCEEDED`` (exit 0), ``FAILED`` (non-zero exit, with the exception line of
   the traceback as ``ErrorMessage``, e.g. ``ValueError: boom``, else
   "Command failed with exit code N"), ``TIMEOUT`` (the process is killed after ``Timeout``
   minutes, one minute lasting ``ctx.glue_minute_seconds``) or ``STOPPED`` (BatchStopJobRun).

Other job types (``glueetl`` Spark, ``gluestreaming``, ``glueray``) are refused at StartJobRun
with ``InvalidInputException``: use a pythonshell job, or ``target=aws``.

Arguments: the job's DefaultArguments, overridden by the run's Arguments, then
NonOverridableArguments (as moto and Glue merge them). Every pair is passed to the script
verbatim as ``key value`` (keys normally start with ``--``), including Glue's special
parameters: like on Glue, a script sees e.g. ``--job-language`` or ``--TempDir`` and
``getResolvedOptions`` ignores what it does not ask for. ``--JOB_NAME``/``--JOB_RUN_ID``
(and ``--JOB_ID``) are set by the service, so a user value for them is dropped. Of the special
parameters the local cloud itself acts only on:

- ``--extra-py-files``: comma-separated ``s3://`` URIs of ``.py``, ``.zip``, ``.whl`` or
  ``.egg`` files, downloaded and put on ``PYTHONPATH`` (a folder for the ``.py`` files; each
  archive unpacked once per content into ``<state_dir>/work/glue/py-archives/<sha256>``, as
  Glue installs them, so its byte code is compiled once and not on every run);
- ``--extra-files``: comma-separated ``s3://`` URIs, downloaded into the working directory;
- ``--additional-python-modules``: comma-separated requirements (``openpyxl==3.1.5,pyarrow``)
  checked with ``importlib.metadata``; a missing package or a version outside the specifier
  FAILS the run with a clear ErrorMessage. Nothing is ever pip-installed, so
  ``--python-modules-installer-option`` is ignored. ``s3://…whl`` entries are treated like
  ``--extra-py-files``.
- ``awsglue``: the script can ``from awsglue.utils import getResolvedOptions`` (the local
  cloud's own Spark-free ``awsglue``, :mod:`.runtime.awsglue`, last on the path); its Spark
  modules (``awsglue.context``, ``awsglue.job``, ...) raise ImportError.
- everything else (``--enable-metrics``, ``--enable-continuous-cloudwatch-log``,
  ``--job-bookmark-option``, ``--TempDir``, ``--job-language``, …) is only passed through.

Environment of the script: PATH, HOME, LANG/LC_*, TZ, TMPDIR from the server, then
``ctx.child_environment(region, role)`` (AWS_ENDPOINT_URL, a session of the job's role as
``GlueJobRunnerSession``, region), hermetic AWS config (``AWS_CONFIG_FILE``/
``AWS_SHARED_CREDENTIALS_FILE`` = /dev/null, no IMDS),
``PYTHONUNBUFFERED=1`` (so logs stream) and the ``PYTHONPATH`` of the extra files.

GetJobRun/GetJobRuns report JobRunState, StartedOn, LastModifiedOn, CompletedOn (finished
runs only), ExecutionTime (whole seconds), Attempt (always 0: MaxRetries is not honoured),
Arguments, Timeout (run's, else job's, else 2880), MaxCapacity (else 0.0625), GlueVersion
(the job's), LogGroupName ``/aws-glue/python-jobs`` and ErrorMessage.

At most ``ctx.glue_max_running`` scripts run at once (``--glue-max-running``; 4 per core,
at least 8): further runs wait in ``STARTING``, as runs wait for capacity on AWS, and their
Timeout starts when their script does. MaxConcurrentRuns is still checked against every run
that is not finished.

Threads: one per run (plus one per output pipe); every shared state change happens under
``_LOCK``; every wait has a deadline.
"""

from __future__ import annotations

import collections
import compileall
import contextlib
import datetime
import hashlib
import importlib.metadata
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import moto.glue.models as glue_models
import moto.glue.responses as glue_responses
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.glue.exceptions import ConcurrentRunsExceededException, InvalidInputException
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from infra_scripts.localcloud.apishapes import optional_fields
from infra_scripts.localcloud.motolayer.logs import put_messages
from infra_scripts.localcloud.motolayer.patching import add, replace, require
from infra_scripts.localcloud.runtime import ServerContext
from infra_scripts.localcloud.services.glue.runtime import RUNTIME_PATH
from infra_scripts.localcloud.workers.warm_python import WarmPython

log = logging.getLogger("localcloud.glue")

PYTHON_SHELL = "pythonshell"
LOG_GROUP = "/aws-glue/python-jobs"
OUTPUT_LOG_GROUP = f"{LOG_GROUP}/output"
ERROR_LOG_GROUP = f"{LOG_GROUP}/error"
DEFAULT_TIMEOUT_MINUTES = 2880
DEFAULT_PYTHON_SHELL_CAPACITY = 0.0625
ACTIVE_STATES = frozenset({"STARTING", "RUNNING", "STOPPING", "WAITING"})
FINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR"})
# Set by the service for every run; a user's value for them is dropped.
SERVICE_ARGUMENTS = frozenset({"--JOB_NAME", "--JOB_RUN_ID", "--JOB_ID"})
PY_FILE_SUFFIXES = (".py", ".zip", ".whl", ".egg")
GLUE_SESSION_NAME = "GlueJobRunnerSession"  # the session name Glue gives a job's role
INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")
STDERR_TAIL_LINES = 50
KILL_DEADLINE_S = 10.0  # wait for a killed script to be reaped
DRAIN_DEADLINE_S = 5.0  # wait for the last output after the script ended
READ_CHUNK = 65536
MAX_EVENT_BYTES = 200_000  # CloudWatch Logs caps an event at 256 KiB

# Guards every LocalJobRun's mutable state and the job's run list (moto's server is threaded).
_LOCK = threading.RLock()

_FakeJob = require(glue_models, "FakeJob")
_FakeJobRun = require(glue_models, "FakeJobRun")


class RunFailure(Exception):
    """The run cannot start; its message becomes the run's ErrorMessage."""


class LocalJobRun(_FakeJobRun):
    """A job run whose state is driven by the executor, never by moto's state manager."""

    def __init__(
        self,
        job: Any,
        *,
        arguments: dict[str, str],
        timeout: int,
        max_capacity: float,
        notification_property: dict[str, int] | None,
        security_configuration: str | None,
        previous_run_id: str | None,
        on_end: Callable[[str], None],
    ) -> None:
        super().__init__(
            job_name=job.name,
            job_run_id=previous_run_id,
            arguments=arguments,
            allocated_capacity=None,
            max_capacity=max_capacity,
            timeout=timeout,
            worker_type=None,
            notification_property=notification_property,
            security_configuration=security_configuration,
            number_of_workers=None,
        )
        self._status = "STARTING"
        self.glue_version: str | None = job.glue_version
        self.error_message: str | None = None
        self.completed_on: datetime.datetime | None = None  # type: ignore[assignment]
        self.process: subprocess.Popen[bytes] | None = None
        self.stop_requested = False
        self._started = time.time()  # wall clock: a run outlives a restart
        self._ended: float | None = None
        self._on_end = on_end  # told the run id once the run reached a final state

    # moto's ManagedState.status advances on every read; this one only changes in transition().
    @property
    def status(self) -> str | None:
        return self._status

    @status.setter
    def status(self, value: str) -> None:
        self._status = value

    def advance(self) -> None:
        """moto calls this on every GetJobRun(s): the state is real, so nothing happens."""

    @property
    def finished(self) -> bool:
        return self._status in FINAL_STATES

    def transition(self, state: str, error_message: str | None = None) -> bool:
        """Move to ``state`` unless the run already finished; return whether it moved."""
        with _LOCK:
            if self.finished:
                return False
            self._status = state
            self.modified_on = utcnow()
            if error_message:
                self.error_message = error_message
            if state in FINAL_STATES:
                self.completed_on = self.modified_on
                self._ended = time.time()
                self._on_end(self.job_run_id)
            return True

    @property
    def execution_time(self) -> int:
        end = self._ended if self._ended is not None else time.time()
        return int(end - self._started)

    def as_dict(self) -> dict[str, Any]:
        with _LOCK:
            result: dict[str, Any] = {
                "Id": self.job_run_id,
                "Attempt": 0,
                "JobName": self.job_name,
                "StartedOn": self.started_on,
                "LastModifiedOn": self.modified_on,
                "JobRunState": self._status,
                "Arguments": dict(self.arguments or {}),
                "PredecessorRuns": [],
                "ExecutionTime": self.execution_time,
                "Timeout": self.timeout,
                "MaxCapacity": self.max_capacity,
                "LogGroupName": LOG_GROUP,
            }
            return result | optional_fields(
                CompletedOn=self.completed_on,
                ErrorMessage=self.error_message,
                GlueVersion=self.glue_version,
                PreviousRunId=self.previous_run_id,
                NotificationProperty=self.notification_property,
                SecurityConfiguration=self.security_configuration,
            )


@dataclass
class PreparedRun:
    """What the script's process needs: its folder, script and import path."""

    run_dir: Path
    script: Path
    python_path: list[str] = field(default_factory=list)


def merged_arguments(job: Any, run_arguments: dict[str, str] | None) -> dict[str, str]:
    """DefaultArguments, overridden by the run's Arguments, then NonOverridableArguments."""
    merged = dict(job.default_arguments or {})
    merged.update(run_arguments or {})
    merged.update(job.non_overridable_arguments or {})
    return merged


def script_argv(job_name: str, run_id: str, arguments: dict[str, str]) -> list[str]:
    """The script's ``sys.argv[1:]``: the service's arguments, then every job argument."""
    argv = ["--JOB_NAME", job_name, "--JOB_RUN_ID", run_id]
    for key, value in arguments.items():
        if key not in SERVICE_ARGUMENTS:
            argv += [key, value]
    return argv


def unpacked_archive(cache: Path, body: bytes, uri: str) -> Path:
    """The folder holding archive ``body`` unpacked (once per content; safe under concurrency).

    The modules are compiled here, once (``__pycache__``, even under PYTHONDONTWRITEBYTECODE):
    zipimport would compile every module again in every run.
    """
    folder = cache / hashlib.sha256(body).hexdigest()[:32]
    if folder.is_dir():
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=cache))
    try:
        archive = staging / "archive.zip"
        archive.write_bytes(body)
        try:
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(staging / "files")  # extractall keeps members inside
        except zipfile.BadZipFile as exc:
            raise RunFailure(f"--extra-py-files: {uri} is not a valid zip archive") from exc
        compileall.compile_dir(staging / "files", quiet=2)  # a syntax error shows at import
        with contextlib.suppress(OSError):  # another run unpacked the same archive first
            (staging / "files").rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def split_list(value: str | None) -> list[str]:
    """Glue's comma-separated list arguments."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def parse_s3_uri(uri: str, what: str) -> tuple[str, str]:
    match = re.fullmatch(r"s3://([^/]+)/(.+)", uri.strip())
    if not match:
        raise RunFailure(f"{what} must be an s3://bucket/key URI, got {uri!r}")
    return match.group(1), match.group(2)


def check_python_modules(spec: str) -> tuple[list[str], list[str]]:
    """Check ``--additional-python-modules`` against what is installed.

    Returns (problems, s3 wheel URIs). Nothing is installed: the local cloud runs offline.
    """
    problems: list[str] = []
    wheels: list[str] = []
    for item in split_list(spec):
        if item.startswith("s3://"):
            wheels.append(item)
            continue
        name, check = _requirement(item)
        if name is None:
            problems.append(f"{item!r} is not a valid requirement")
            continue
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{item} is not installed")
            continue
        if not check(installed):
            problems.append(f"{item} does not match the installed {name} {installed}")
    return problems, wheels


def _requirement(item: str) -> tuple[str | None, Callable[[str], bool]]:
    """(distribution name, version predicate) of a requirement string."""
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:  # packaging is nearly always there; fall back to name[==version]
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(?:==\s*([^\s,;]+))?\s*", item)
        if not match:
            return None, lambda _v: False
        wanted = match.group(2)
        return match.group(1), lambda v: wanted is None or v == wanted
    try:
        req = Requirement(item)
    except InvalidRequirement:
        return None, lambda _v: False
    return req.name, lambda v: req.specifier.contains(v, prereleases=True)


def failure_message(returncode: int, stderr_tail: Iterable[str]) -> str:
    """The ErrorMessage of a failed script, the way Glue shows it."""
    lines = [line for line in stderr_tail if line.strip()]
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return f"Command failed: the script was killed by signal {name}"
    if any(line.startswith("Traceback (most recent call last)") for line in lines):
        return lines[-1].strip()  # the exception, e.g. "ValueError: boom"
    message = f"Command failed with exit code {returncode}"
    return f"{message}: {lines[-1].strip()}" if lines else message


class GlueExecutor:
    """Runs the Python shell job runs of one local-cloud server."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.warm = WarmPython(ctx.work_dir / "glue")
        self._slots = threading.BoundedSemaphore(ctx.glue_max_running)

    # --- StartJobRun --------------------------------------------------------------------------

    def start_job_run(
        self,
        job: Any,
        *,
        arguments: dict[str, str] | None,
        max_capacity: float | None,
        timeout: int | None,
        security_configuration: str | None,
        notification_property: dict[str, int] | None,
        previous_run_id: str | None,
    ) -> str:
        command = job.command if isinstance(job.command, dict) else {}
        kind = command.get("Name")
        if kind != PYTHON_SHELL:
            raise InvalidInputException(
                "StartJobRun",
                f"Job {job.name} has Command.Name {kind!r}: the local cloud runs only Python "
                f"shell jobs (Command.Name 'pythonshell'); Spark ('glueetl'), streaming "
                f"('gluestreaming') and Ray jobs are not run locally. Use a pythonshell job, "
                f"or target=aws.",
            )
        with _LOCK:
            limit = int((job.execution_property or {}).get("MaxConcurrentRuns", 1))
            active = sum(1 for run in job.job_runs if run.status in ACTIVE_STATES)
            if active >= limit:
                raise ConcurrentRunsExceededException(f"Concurrent runs exceeded for {job.name}")
            run = LocalJobRun(
                job,
                arguments=merged_arguments(job, arguments),
                timeout=int(timeout or job.timeout or DEFAULT_TIMEOUT_MINUTES),
                max_capacity=float(
                    max_capacity or job.max_capacity or DEFAULT_PYTHON_SHELL_CAPACITY
                ),
                notification_property=notification_property or job.notification_property,
                security_configuration=security_configuration or job.security_configuration,
                previous_run_id=previous_run_id,
                on_end=self.ctx.glue_run_ends.ended,
            )
            job.job_runs.append(run)
            self.ctx.glue_run_ends.track(run.job_run_id)
        thread = threading.Thread(
            target=self._execute, args=(job, run), name=f"glue-{run.job_run_id[:12]}", daemon=True
        )
        thread.start()
        return run.job_run_id

    # --- BatchStopJobRun ----------------------------------------------------------------------

    def stop_job_runs(
        self, backend: Any, job_name: str, run_ids: list[str]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Stop the given runs; return (SuccessfulSubmissions, Errors) as Glue does."""
        job = backend.get_job(job_name)  # EntityNotFoundException for an unknown job
        runs = {run.job_run_id: run for run in job.job_runs}
        submitted: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for run_id in run_ids:
            run = runs.get(run_id)
            if not isinstance(run, LocalJobRun):
                errors.append(
                    _stop_error(
                        job_name, run_id, "EntityNotFoundException", f"Job run {run_id} not found."
                    )
                )
                continue
            with _LOCK:
                if run.finished or run.status == "STOPPING":
                    errors.append(
                        _stop_error(
                            job_name,
                            run_id,
                            "InvalidInputException",
                            f"Job run {run_id} is in state {run.status} and cannot be stopped.",
                        )
                    )
                    continue
                run.stop_requested = True
                run.transition("STOPPING")
                process = run.process
            if process is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()  # the run's thread reaps it and records STOPPED
            submitted.append({"JobName": job_name, "JobRunId": run_id})
        return submitted, errors

    # --- the run itself (background thread) ----------------------------------------------------

    def _execute(self, job: Any, run: LocalJobRun) -> None:
        run_dir = self.ctx.work_dir / "glue" / run.job_run_id
        account, region = job.backend.account_id, job.backend.region_name
        try:
            self._ensure_streams(account, region, run.job_run_id)
            try:
                prepared = self._prepare(job, run, run_dir)
            except RunFailure as exc:
                self._put_logs(account, region, ERROR_LOG_GROUP, run.job_run_id, [str(exc)])
                run.transition("FAILED", str(exc))
                return
            with self._slots:  # beyond ctx.glue_max_running a run stays STARTING, as on AWS
                if not run.stop_requested:
                    self._run_process(job, run, prepared)
        except Exception as exc:  # never leave a run STARTING/RUNNING forever
            log.exception("Glue run %s of %s failed in the executor", run.job_run_id, job.name)
            run.transition("FAILED", f"Internal error of the local cloud's Glue executor: {exc!r}")
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)
            if run.stop_requested:
                run.transition("STOPPED")
            if run.process is not None:
                self.ctx.state_hooks.drop_process(run.process.pid)
            self.ctx.state_hooks.changed()  # the run's end is saved (the server's state is kept)

    def _prepare(self, job: Any, run: LocalJobRun, run_dir: Path) -> PreparedRun:
        arguments = run.arguments or {}
        problems, wheels = check_python_modules(arguments.get("--additional-python-modules", ""))
        if problems:
            raise RunFailure(
                "--additional-python-modules: "
                + "; ".join(problems)
                + ". The local cloud never installs packages: add them to the kit's Python "
                "environment (pyproject.toml), or run with target=aws."
            )
        location = (job.command or {}).get("ScriptLocation")
        if not location:
            raise RunFailure(f"Job {job.name} has no Command.ScriptLocation")
        account, region = job.backend.account_id, job.backend.region_name
        run_dir.mkdir(parents=True, exist_ok=True)
        _, key = parse_s3_uri(location, "Command.ScriptLocation")
        script = run_dir / (PurePosixPath(key).name or "script.py")
        script.write_bytes(self._read_s3(account, region, location, "script"))

        prepared = PreparedRun(run_dir=run_dir, script=script)
        py_dir = run_dir / "py-files"
        for uri in split_list(arguments.get("--extra-py-files")) + wheels:
            _, key = parse_s3_uri(uri, "--extra-py-files entry")
            name = PurePosixPath(key).name
            if not name.endswith(PY_FILE_SUFFIXES):
                raise RunFailure(
                    f"--extra-py-files: {uri} is not a .py, .zip, .whl or .egg file "
                    "(folders are not supported by the local cloud)"
                )
            body = self._read_s3(account, region, uri, "--extra-py-files object")
            if name.endswith(".py"):
                py_dir.mkdir(exist_ok=True)
                (py_dir / name).write_bytes(body)
                entry = str(py_dir)
            else:
                entry = str(unpacked_archive(self.ctx.work_dir / "glue" / "py-archives", body, uri))
            if entry not in prepared.python_path:
                prepared.python_path.append(entry)
        for uri in split_list(arguments.get("--extra-files")):
            _, key = parse_s3_uri(uri, "--extra-files entry")
            target = run_dir / PurePosixPath(key).name
            target.write_bytes(self._read_s3(account, region, uri, "--extra-files object"))
        # Glue's own awsglue (getResolvedOptions), after the job's files as on Glue
        prepared.python_path.append(str(RUNTIME_PATH))
        return prepared

    def _read_s3(self, account: str, region: str, uri: str, what: str) -> bytes:
        bucket, key = parse_s3_uri(uri, what)
        backend = s3_backends[account][get_partition(region)]
        try:
            obj = backend.get_object(bucket, key)
        except Exception as exc:  # MissingBucket, AccessDenied, ...
            code = getattr(exc, "code", None) or type(exc).__name__
            raise RunFailure(f"Cannot read the {what} {uri}: {code}") from exc
        if obj is None:
            raise RunFailure(f"Cannot read the {what} {uri}: NoSuchKey")
        return bytes(obj.value)

    def _environment(self, job: Any, region: str, python_path: list[str]) -> dict[str, str]:
        env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
        env.setdefault("PATH", os.defpath)
        # A session of the job's role, named as Glue names it.
        env.update(self.ctx.child_environment(region, job.role, GLUE_SESSION_NAME))
        env.update(
            {
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_EC2_METADATA_DISABLED": "true",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if python_path:
            env["PYTHONPATH"] = os.pathsep.join(python_path)
        return env

    def _run_process(self, job: Any, run: LocalJobRun, prepared: PreparedRun) -> None:
        account, region = job.backend.account_id, job.backend.region_name
        with _LOCK:
            if run.stop_requested:
                return
            process = self.warm.spawn(
                str(prepared.script),
                script_argv(job.name, run.job_run_id, run.arguments or {}),
                env=self._environment(job, region, prepared.python_path),
                cwd=str(prepared.run_dir),
                python_path=prepared.python_path,
            )
            run.process = process
            self.ctx.state_hooks.keep_process(process.pid, f"Glue script of {run.job_run_id}")
            run.transition("RUNNING")
        stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        stream = run.job_run_id
        pumps = [
            threading.Thread(
                target=self._pump,
                args=(process.stdout, account, region, OUTPUT_LOG_GROUP, stream, None),
                daemon=True,
            ),
            threading.Thread(
                target=self._pump,
                args=(
                    process.stderr,
                    account,
                    region,
                    ERROR_LOG_GROUP,
                    run.job_run_id,
                    stderr_tail,
                ),
                daemon=True,
            ),
        ]
        for pump in pumps:
            pump.start()
        timeout_s = run.timeout * self.ctx.glue_minute_seconds
        timed_out = False
        try:
            returncode = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(process)
            returncode = process.returncode if process.returncode is not None else -9
        drain_deadline = time.monotonic() + DRAIN_DEADLINE_S
        for pump in pumps:
            pump.join(timeout=max(0.0, drain_deadline - time.monotonic()))
        if run.stop_requested:
            run.transition("STOPPED")
        elif timed_out:
            minutes = "minute" if run.timeout == 1 else "minutes"
            run.transition(
                "TIMEOUT",
                f"Job run timed out: it ran longer than its Timeout of {run.timeout} {minutes} "
                f"and was stopped",
            )
        elif returncode == 0:
            run.transition("SUCCEEDED")
        else:
            run.transition("FAILED", failure_message(returncode, list(stderr_tail)))

    # --- CloudWatch Logs -----------------------------------------------------------------------

    def _pump(
        self,
        pipe: Any,
        account: str,
        region: str,
        group: str,
        stream: str,
        tail: collections.deque[str] | None,
    ) -> None:
        """Copy one output pipe to a log stream, line by line, as the output arrives."""
        fd = pipe.fileno()
        pending = b""
        try:
            while True:
                chunk = os.read(fd, READ_CHUNK)
                if not chunk:
                    break
                pending += chunk
                *complete, pending = pending.split(b"\n")
                if len(pending) >= MAX_EVENT_BYTES:  # a huge line without newline: split it
                    complete.append(pending)
                    pending = b""
                self._emit(account, region, group, stream, complete, tail)
            if pending:
                self._emit(account, region, group, stream, [pending], tail)
        except Exception:
            log.exception("cannot copy the output of Glue run %s to %s", stream, group)
        finally:
            pipe.close()

    def _emit(
        self,
        account: str,
        region: str,
        group: str,
        stream: str,
        raw_lines: list[bytes],
        tail: collections.deque[str] | None,
    ) -> None:
        lines = [raw.decode("utf-8", errors="replace").rstrip("\r") for raw in raw_lines]
        if tail is not None:
            tail.extend(lines)
        self._put_logs(account, region, group, stream, [line for line in lines if line])

    def _ensure_streams(self, account: str, region: str, stream: str) -> None:
        for group in (OUTPUT_LOG_GROUP, ERROR_LOG_GROUP):
            self._put_logs(account, region, group, stream, [])

    def _put_logs(
        self, account: str, region: str, group: str, stream: str, messages: list[str]
    ) -> None:
        put_messages(account, region, group, stream, messages)


def _stop_error(job_name: str, run_id: str, code: str, message: str) -> dict[str, Any]:
    return {
        "JobName": job_name,
        "JobRunId": run_id,
        "ErrorDetail": {"ErrorCode": code, "ErrorMessage": message},
    }


def _kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the script and reap it (with a deadline)."""
    try:
        process.kill()
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=KILL_DEADLINE_S)
    except subprocess.TimeoutExpired:
        log.error("Glue script pid %s did not die within %ss", process.pid, KILL_DEADLINE_S)


# JobUpdate field → FakeJob attribute, and the value AWS leaves when the field is omitted.
_JOB_FIELDS: dict[str, tuple[str, Any]] = {
    "Description": ("description", None),
    "LogUri": ("log_uri", None),
    "Role": ("role", None),
    "ExecutionProperty": ("execution_property", {}),
    "Command": ("command", None),
    "DefaultArguments": ("default_arguments", {}),
    "NonOverridableArguments": ("non_overridable_arguments", None),
    "Connections": ("connections", None),
    "MaxRetries": ("max_retries", None),
    "AllocatedCapacity": ("allocated_capacity", None),
    "Timeout": ("timeout", None),
    "MaxCapacity": ("max_capacity", None),
    "WorkerType": ("worker_type", None),
    "NumberOfWorkers": ("number_of_workers", None),
    "SecurityConfiguration": ("security_configuration", None),
    "NotificationProperty": ("notification_property", None),
    "GlueVersion": ("glue_version", None),
    "ExecutionClass": ("execution_class", "STANDARD"),
}


def overwrite_job(job: Any, update: dict[str, Any]) -> None:
    """UpdateJob (missing in moto 5.2.5): the definition is overwritten completely, as AWS does."""
    if not update.get("Role") or not update.get("Command"):
        raise InvalidInputException("UpdateJob", "JobUpdate needs at least Role and Command")
    for field_name, (attribute, default) in _JOB_FIELDS.items():
        setattr(job, attribute, update.get(field_name, default))
    job.last_modified_on = utcnow()


def _untag_on_delete() -> None:
    """Deleted jobs and databases leave the Resource Groups Tagging API, as on AWS."""
    backend_class = glue_models.GlueBackend

    def untagging(method_name: str, arn_of: Callable[[Any, str], str]) -> None:
        original = require(backend_class, method_name)

        def delete(self: Any, name: str) -> None:
            original(self, name)
            self.tagger.delete_all_tags_for_resource(arn_of(self, name))

        replace(backend_class, method_name, delete)

    def arn(kind: str) -> Callable[[Any, str], str]:
        return lambda backend, name: (
            f"arn:{get_partition(backend.region_name)}:glue:{backend.region_name}:"
            f"{backend.account_id}:{kind}/{name}"
        )

    untagging("delete_job", arn("job"))
    untagging("delete_database", arn("database"))


def install(ctx: ServerContext) -> None:
    """Patch moto so Glue Python shell job runs really run."""
    executor = GlueExecutor(ctx)
    # What the replacement relies on: moto's GetJobRun(s) read FakeJob.job_runs and call
    # advance()/status/as_dict() of each run; GlueBackend.start_job_run delegates to the job.
    for owner, names in (
        (_FakeJob, ("start_job_run", "get_job_run", "get_job_runs")),
        (glue_models.GlueBackend, ("start_job_run", "get_job")),
        (_FakeJobRun, ("status", "advance", "as_dict")),
    ):
        for name in names:
            require(owner, name)

    def start_job_run(
        self: Any,
        allocated_capacity: int | None,
        max_capacity: float | None,
        timeout: int | None,
        worker_type: str | None,
        security_configuration: str | None,
        number_of_workers: int | None,
        notification_property: dict[str, int] | None,
        previous_run_id: str | None,
        arguments: dict[str, str] | None,
    ) -> str:
        return executor.start_job_run(
            self,
            arguments=arguments,
            max_capacity=max_capacity,
            timeout=timeout,
            security_configuration=security_configuration,
            notification_property=notification_property,
            previous_run_id=previous_run_id,
        )

    replace(_FakeJob, "start_job_run", start_job_run)

    response_class = require(glue_responses, "GlueResponse")
    require(response_class, "glue_backend")

    def batch_stop_job_run(self: Any) -> ActionResult:
        job_name = self._get_param("JobName")
        run_ids = self._get_param("JobRunIds") or []
        submitted, errors = executor.stop_job_runs(self.glue_backend, job_name, run_ids)
        return ActionResult({"SuccessfulSubmissions": submitted, "Errors": errors})

    add(response_class, "batch_stop_job_run", batch_stop_job_run)

    def update_job(self: Any) -> ActionResult:
        name = self._get_param("JobName")
        job = self.glue_backend.get_job(name)  # EntityNotFoundException when missing
        overwrite_job(job, self._get_param("JobUpdate") or {})
        return ActionResult({"JobName": name})

    add(response_class, "update_job", update_job)

    # Warm the interpreter when the first job is defined, not at start-up (it would slow
    # the server's own start): by the time a run starts, the imports are done.
    original_create_job = require(glue_models.GlueBackend, "create_job")

    def create_job(self: Any, *args: Any, **kwargs: Any) -> Any:
        executor.warm.start_in_background()
        return original_create_job(self, *args, **kwargs)

    replace(glue_models.GlueBackend, "create_job", create_job)
    _untag_on_delete()
    ctx.state_hooks.on_restore("glue", _end_unfinished_runs)
    log.info(
        "Glue executor installed (Python shell runs, minute = %ss, at most %s at once)",
        ctx.glue_minute_seconds,
        ctx.glue_max_running,
    )


RESTART_MESSAGE = "the local cloud restarted while the job run was running"


def _end_unfinished_runs() -> list[str]:
    """After a restart: runs the last server did not finish end FAILED (their script is gone)."""
    ended = 0
    for accounts in glue_models.glue_backends.values():
        for glue in accounts.values():
            for job in glue.jobs.values():
                for run in job.job_runs:
                    if isinstance(run, LocalJobRun) and not run.finished:
                        run.process = None
                        ended += run.transition("FAILED", RESTART_MESSAGE)
    return [f"{ended} unfinished job run(s) ended FAILED ({RESTART_MESSAGE})"] if ended else []


__all__ = ["GlueExecutor", "LocalJobRun", "install"]
