"""Task tokens: which execution waits on a token, and whether it still does.

A task token names one callback endpoint of moto's interpreter (a ``.waitForTaskToken``
task or an activity task) in one execution's environment. AWS answers a token it never
issued with ``InvalidToken`` and one whose task ended (succeeded, failed, timed out, or
its execution stopped) with ``TaskTimedOut``; moto looked only at running executions and
could not tell the two apart. What ended is remembered here (:class:`ClosedTasks`).

Reads moto objects by attribute only: importing this does not load the interpreter.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from infra_scripts.localcloud.services.stepfunctions.errors import InvalidToken, TaskTimedOut

RUNNING = "RUNNING"


class ClosedTasks:
    """Callback endpoints whose task ended; an ended task takes no more outcomes."""

    def __init__(self) -> None:
        self._closed: weakref.WeakSet[Any] = weakref.WeakSet()
        self._lock = threading.Lock()

    def close(self, endpoint: Any) -> None:
        with self._lock:
            self._closed.add(endpoint)

    def __contains__(self, endpoint: Any) -> bool:
        with self._lock:
            return endpoint in self._closed


@dataclass(frozen=True)
class Task:
    """A task token's execution and callback endpoint."""

    execution: Any
    endpoint: Any

    def is_open(self, closed: ClosedTasks) -> bool:
        """True while the task still waits for its outcome."""
        return (
            self.execution.status == RUNNING
            and self.endpoint.get_outcome() is None
            and self.endpoint.consumer_error is None
            and self.endpoint not in closed
        )


def executions(backend: Any) -> Iterator[Any]:
    """Every execution of the backend's state machines (versions' included)."""
    for machine in list(backend.state_machines):
        yield from list(machine.executions)


def find_task(backend: Any, token: str) -> Task | None:
    """The task ``token`` names in ``backend``, or None if no execution issued it."""
    for execution in executions(backend):
        env = getattr(getattr(execution, "exec_worker", None), "env", None)
        if env is None:
            continue
        endpoint = env.callback_pool_manager.get(token)
        if endpoint is not None:
            return Task(execution, endpoint)
    return None


def open_task(backend: Any, token: str | None, closed: ClosedTasks) -> Task:
    """The task ``token`` names if it still waits; else AWS's InvalidToken / TaskTimedOut."""
    task = find_task(backend, token) if token else None
    if task is None:
        raise InvalidToken()
    if not task.is_open(closed):
        raise TaskTimedOut()
    return task
