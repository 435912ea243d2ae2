"""What the services inside the local-cloud server process share: port, folders, options,
and the server's state that more than one service reads (:class:`ServerContext`)."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")

HEALTH_PATH = "/_localcloud/health"
WORKER_APP_ID = "retailkit-localcloud-worker"  # the SDK app id of code the local cloud runs
SERVICE_NAME = "retail-kit-local-cloud"


def default_glue_max_running() -> int:
    """Glue scripts that run at once by default: 4 per core, at least 8.

    More runs wait in STARTING. In a burst of 100 uploads on 2 cores, 6 at once ended the
    burst ~10% sooner than 64 did (24-26 s against 27-29 s): each script is short and
    CPU-bound, and 64 of them contended for the cores and for the server.
    """
    return max(8, 4 * (os.cpu_count() or 1))


class RunEndSignals:
    """Run id → an event set when the run reaches a final state.

    Glue sets it; Step Functions' ``glue:startJobRun.sync`` waits on it instead of polling.
    At most :attr:`MAX_TRACKED` runs are remembered (the oldest are forgotten first).
    """

    MAX_TRACKED = 10_000

    def __init__(self) -> None:
        self._events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def track(self, run_id: str) -> None:
        """Start tracking ``run_id`` (before it can end)."""
        with self._lock:
            if len(self._events) >= self.MAX_TRACKED:
                self._events.pop(next(iter(self._events)))
            self._events.setdefault(run_id, threading.Event())

    def ended(self, run_id: str) -> None:
        """``run_id`` reached a final state."""
        with self._lock:
            self._events.setdefault(run_id, threading.Event()).set()

    def wait(self, run_id: str, timeout: float) -> bool:
        """Block until ``run_id`` has ended, at most ``timeout`` s; True if it has.

        Runs not tracked here (not started by this server) return False at once."""
        with self._lock:
            event = self._events.get(run_id)
        return event.wait(timeout) if event is not None else False


class StateHooks:
    """How services tell the state keeper (:mod:`..persistence`) about their state.

    - :meth:`changed`: state changed outside a request (a run or an execution ended on a
      worker thread), so it is saved soon; a request's own changes are saved before its answer.
    - :meth:`on_restore`: a fix-up run once after the saved state is loaded and before the
      first request (end what was running when the server stopped); it returns what it did,
      for the log.
    - :meth:`keep_process` / :meth:`drop_process`: a child process (a Glue script) that must
      not outlive a crash of the server: the next start ends it.
    - :meth:`on_load`: finish a lazy install (an interpreter loaded on first use) because
      saved state needs its classes.
    - :attr:`reducers`: how to save an object of a service's own in less (a finished
      execution's history without its interpreter); a reducer returns ``NotImplemented`` to
      save the object as it is.
    """

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []
        self.fixups: list[tuple[str, Callable[[], list[str]]]] = []
        self._processes: dict[int, str] = {}
        self.loaders: list[Callable[[], None]] = []
        # type → reducer (as ``copyreg``'s): how a service saves one of its objects smaller
        self.reducers: dict[type, Callable[[Any], Any]] = {}
        self._lock = threading.Lock()
        # told the processes kept, at each change (the state keeper writes them down at once)
        self.processes_changed: Callable[[dict[int, str]], None] | None = None

    def changed(self) -> None:
        for listener in self._listeners:
            listener()

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def on_restore(self, service: str, fixup: Callable[[], list[str]]) -> None:
        self.fixups.append((service, fixup))

    def on_load(self, loader: Callable[[], None]) -> None:
        self.loaders.append(loader)

    def keep_process(self, pid: int, what: str) -> None:
        with self._lock:
            self._processes[pid] = what
            if self.processes_changed is not None:
                self.processes_changed(dict(self._processes))

    def drop_process(self, pid: int) -> None:
        with self._lock:
            if self._processes.pop(pid, None) is not None and self.processes_changed:
                self.processes_changed(dict(self._processes))

    def processes(self) -> dict[int, str]:
        with self._lock:
            return dict(self._processes)


class BackgroundLoad:
    """Slow preparation (importing an interpreter, reading models) done once on a thread
    from the first :meth:`start`; requests that need it call :meth:`wait` (with a deadline),
    or :meth:`load` to start it on first use and wait."""

    def __init__(self, what: str, work: Callable[[], None], deadline_s: float = 60.0) -> None:
        self.what = what
        self.deadline_s = deadline_s
        self._work = work
        self._done = threading.Event()
        self._failure: BaseException | None = None
        self._started = False
        self._start_lock = threading.Lock()

    def start(self) -> None:
        """Begin the work on its own thread (only the first call does)."""
        with self._start_lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._run, name=self.what, daemon=True).start()

    def load(self) -> None:
        """Start the work unless started, and wait until it is done."""
        if not self._started:
            self.start()
        self.wait()

    def _run(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # reported to every request that waits for it
            logging.getLogger("localcloud").exception("%s failed", self.what)
            self._failure = exc
        finally:
            self._done.set()

    def wait(self) -> None:
        """Return once the work is done; raise if it failed or the deadline passed."""
        if not self._done.wait(self.deadline_s):
            raise TimeoutError(f"{self.what}: not ready within {self.deadline_s}s")
        if self._failure is not None:
            raise RuntimeError(f"{self.what} failed: {self._failure!r}")


class OnFirstUse(Generic[T]):
    """A value built when it is first asked for (a SQL engine and its imports), so that an
    idle server does not hold what no request has needed. Thread-safe; built once."""

    def __init__(self, what: str, build: Callable[[], T]) -> None:
        self.what = what
        self._build = build
        self._value: T | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._value is not None

    def get(self) -> T:
        """The value, built now if this is the first use."""
        if self._value is None:
            with self._lock:
                if self._value is None:
                    started = time.perf_counter()
                    self._value = self._build()
                    logging.getLogger("localcloud").info(
                        "%s loaded on first use in %.2f s", self.what, time.perf_counter() - started
                    )
        return self._value


@dataclass(frozen=True)
class ServerContext:
    """Settings of one running local-cloud server, handed to every executor's ``install``."""

    port: int
    state_dir: Path
    # Seconds that stand for one minute of a Glue job's Timeout (60 = faithful; tests shrink it).
    glue_minute_seconds: float = 60.0
    # Glue scripts running at once; further runs wait in STARTING (as for capacity on AWS).
    glue_max_running: int = field(default_factory=default_glue_max_running)
    started_at: float = field(default=0.0)
    # State shared between services lives here, not in module globals.
    glue_run_ends: RunEndSignals = field(default_factory=RunEndSignals, compare=False)
    # What one service keeps beside moto's backends, by service name (its own type).
    service_state: dict[str, Any] = field(default_factory=dict, compare=False)
    # Keep the state across restarts (False: ``--ephemeral``, everything in memory only).
    persistent: bool = False
    # The executors' scratch folder when it is not STATE_DIR/work (an ephemeral server's, removed
    # when it stops).
    work_root: Path | None = None
    state_hooks: StateHooks = field(default_factory=StateHooks, compare=False)
    # Evaluate IAM for the cloud's own code (role sessions); False: ``--no-iam``.
    enforce_iam: bool = True
    # The server's ``access.control.AccessControl`` (role sessions, IAM decisions), once built.
    access: Any = field(default=None, compare=False)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def outbox_dir(self) -> Path:
        return self.state_dir / "outbox"

    @property
    def work_dir(self) -> Path:
        return self.work_root or self.state_dir / "work"

    @property
    def saved_state_dir(self) -> Path:
        """Where the persistent server keeps its state (:mod:`..persistence`)."""
        return self.state_dir / "state"

    def child_environment(
        self, region: str, role_arn: str | None = None, session_name: str = ""
    ) -> dict[str, str]:
        """Environment for a process the local cloud runs (Lambda handler, Glue script):
        with credentials of a session of ``role_arn`` (as AWS gives its code), else dummy
        ones (the operator's: allowed everything)."""
        credentials = {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
        }
        if role_arn and self.access is not None:
            session = self.access.credentials(role_arn, session_name or "session", region)
            credentials = session.environment()
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            **credentials,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            # "sync-127.0.0.1" (StartSyncExecution, TestState) names no host
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
            # their SDK calls say "app/<this>" in the User-Agent: work of the cloud itself
            # (its changes are saved soon after; an operator's are saved before the answer)
            "AWS_SDK_UA_APP_ID": WORKER_APP_ID,
        }
