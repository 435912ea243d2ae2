"""What the Step Functions operations of :mod:`.api` remember beside moto's backends.

moto's execution objects have no place for an execution's redrives or for the version and
alias it was started through, and its activities keep no task queue: those live here, one
:class:`StepFunctionsRecords` per server, kept on its context (``ctx.service_state``; moto's
backends exist once per process). Importing this does not load the interpreter.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from infra_scripts.localcloud.services.stepfunctions.tasks import ClosedTasks

REDRIVE_TOKENS_KEPT = 10  # AWS answers the last 10 client tokens of an execution idempotently


@dataclass
class Redrives:
    """An execution's redrives: how many, the last one's date, its recent client tokens."""

    count: int = 0
    date: datetime.datetime | None = None
    client_tokens: deque[str] = field(default_factory=lambda: deque(maxlen=REDRIVE_TOKENS_KEPT))


@dataclass(frozen=True)
class Origin:
    """The version (and alias) an execution was started through."""

    version_arn: str
    alias_arn: str | None = None


class ActivityTaskQueue:
    """The tasks scheduled on one activity, oldest first, for GetActivityTask's long poll."""

    def __init__(self) -> None:
        self._tasks: deque[object] = deque()
        self._ready = threading.Condition()

    def put(self, task: object) -> None:
        with self._ready:
            self._tasks.append(task)
            self._ready.notify()

    def take(self, timeout_s: float, wanted: object) -> object | None:
        """The oldest task ``wanted(task)`` accepts, waiting up to ``timeout_s`` for one;
        tasks it refuses (their execution ended) are dropped."""
        deadline = time.monotonic() + timeout_s
        with self._ready:
            while True:
                while self._tasks:
                    task = self._tasks.popleft()
                    if wanted(task):  # type: ignore[operator]
                        return task
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._ready.wait(remaining)


class StepFunctionsRecords:
    """Activity task queues, ended tasks, redrives and execution origins."""

    def __init__(self) -> None:
        self.closed_tasks = ClosedTasks()
        self._queues: dict[str, ActivityTaskQueue] = {}
        self._redrives: dict[str, Redrives] = {}
        self._origins: dict[str, Origin] = {}
        self._lock = threading.Lock()

    def activity_queue(self, activity_arn: str) -> ActivityTaskQueue:
        with self._lock:
            return self._queues.setdefault(activity_arn, ActivityTaskQueue())

    def redrives(self, execution_arn: str) -> Redrives:
        with self._lock:
            return self._redrives.setdefault(execution_arn, Redrives())

    def redrives_of(self, execution_arn: str) -> Redrives | None:
        with self._lock:
            return self._redrives.get(execution_arn)

    def set_origin(self, execution_arn: str, origin: Origin) -> None:
        with self._lock:
            self._origins[execution_arn] = origin

    def origin(self, execution_arn: str) -> Origin | None:
        with self._lock:
            return self._origins.get(execution_arn)
