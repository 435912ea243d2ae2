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
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra_scripts.localcloud.services.stepfunctions.tasks import ClosedTasks

REDRIVE_TOKENS_KEPT = 10  # AWS answers the last 10 client tokens of an execution idempotently
# Executions whose redrives, and whose version/alias, are remembered (the oldest are forgotten
# first, as RunEndSignals does in :mod:`infra_scripts.localcloud.runtime`); entries of a
# deleted state machine's executions are dropped with it.
MAX_TRACKED = 10_000


@dataclass
class Redrives:
    """An execution's redrives: how many, the last one's date, its recent client tokens.

    ``lock`` is held while a redrive is decided and started (the check that the execution
    can be redriven, the count, the switch to RUNNING), so two RedriveExecution calls of
    one execution never both start it."""

    count: int = 0
    date: datetime.datetime | None = None
    client_tokens: deque[str] = field(default_factory=lambda: deque(maxlen=REDRIVE_TOKENS_KEPT))
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)


@dataclass(frozen=True)
class Origin:
    """The version (and alias) an execution was started through."""

    version_arn: str
    alias_arn: str | None = None


class ActivityTaskQueue:
    """The tasks scheduled on one activity (by task token), oldest first, for
    GetActivityTask's long poll. A task whose wait ended is removed (:meth:`discard`)."""

    def __init__(self) -> None:
        self._tasks: OrderedDict[str, object] = OrderedDict()
        self._ready = threading.Condition()

    def put(self, token: str, task: object) -> None:
        with self._ready:
            self._tasks[token] = task
            self._ready.notify()

    def discard(self, token: str) -> None:
        """Forget the task of ``token`` (handed out, or its wait ended), if still queued."""
        with self._ready:
            self._tasks.pop(token, None)

    def take(self, timeout_s: float, wanted: object) -> object | None:
        """The oldest task ``wanted(task)`` accepts, waiting up to ``timeout_s`` for one;
        tasks it refuses (their execution ended) are dropped."""
        deadline = time.monotonic() + timeout_s
        with self._ready:
            while True:
                while self._tasks:
                    _, task = self._tasks.popitem(last=False)
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

    def activity_queue_of(self, activity_arn: str) -> ActivityTaskQueue | None:
        """The activity's queue if it has one (none is created)."""
        with self._lock:
            return self._queues.get(activity_arn)

    def forget_activity(self, activity_arn: str) -> None:
        """The activity was deleted: its queue (and the tasks in it) go."""
        with self._lock:
            self._queues.pop(activity_arn, None)

    def redrives(self, execution_arn: str) -> Redrives:
        with self._lock:
            record = self._redrives.get(execution_arn)
            if record is None:
                _make_room(self._redrives, lambda r: not r.lock.locked())
                record = self._redrives[execution_arn] = Redrives()
            return record

    def redrives_of(self, execution_arn: str) -> Redrives | None:
        with self._lock:
            return self._redrives.get(execution_arn)

    def set_origin(self, execution_arn: str, origin: Origin) -> None:
        with self._lock:
            if execution_arn not in self._origins:
                _make_room(self._origins, lambda _: True)
            self._origins[execution_arn] = origin

    def origin(self, execution_arn: str) -> Origin | None:
        with self._lock:
            return self._origins.get(execution_arn)

    def forget_executions(self, execution_arn_prefix: str) -> None:
        """Drop what is kept for the executions whose ARN starts with the prefix (those of a
        deleted state machine: ``arn:…:execution:MACHINE:``)."""
        with self._lock:
            for kept in (self._redrives, self._origins):
                for arn in [arn for arn in kept if arn.startswith(execution_arn_prefix)]:
                    del kept[arn]


def _make_room(kept: dict[str, Any], evictable: Callable[[Any], bool]) -> None:
    """Forget the oldest evictable entry when ``kept`` holds :data:`MAX_TRACKED`."""
    if len(kept) < MAX_TRACKED:
        return
    for arn, value in kept.items():
        if evictable(value):
            del kept[arn]
            return
