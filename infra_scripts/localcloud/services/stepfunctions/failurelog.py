"""How the ASL interpreter logs a state's failure: one line, ``error: cause``.

moto's ``EvalComponent`` logs every failure that leaves a component at ERROR, with the
component's repr (its whole parse tree: ~2,000 characters of ``<… object at 0x…>`` for a
Fail state) and the full cause, again at each enclosing component the failure passes. Here
a failure is one WARNING line when it leaves a state (once, however often it is re-raised),
and a DEBUG line where it leaves an inner component (a JSONPath, an iterator)::

    state 'Reject' failed: FileRejected: the file has no header … [2,480 more characters]

A Map or Parallel state that fails because a state inside it did logs a line of its own.
The cause is cut at :data:`MAX_CAUSE_CHARS`. What executions do is unchanged: only the two
logging methods are replaced.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from infra_scripts.localcloud.motolayer.patching import replace, require

log = logging.getLogger("localcloud.stepfunctions")

MAX_CAUSE_CHARS = 500
_LOGGED = "_localcloud_logged"  # set on an exception once its failure is logged


def shorten(text: str, max_chars: int = MAX_CAUSE_CHARS) -> str:
    """``text`` on one line, cut to ``max_chars`` saying how much was cut."""
    text = " ".join(str(text).split())
    if len(text) <= max_chars:
        return text
    return f"{text[:max_chars]}… [{len(text) - max_chars:,} more characters]"


def _first_time(*failure: object) -> bool:
    """Whether none of ``failure`` (an exception, its failure event) was logged yet (marking
    them logged)."""
    if any(getattr(part, _LOGGED, False) for part in failure):
        return False
    for part in failure:
        with contextlib.suppress(AttributeError):  # a type without attributes: log each time
            setattr(part, _LOGGED, True)
    return True


def failure_summary(failure_event_exception: Any) -> tuple[str, str]:
    """The error and the (shortened) cause of a FailureEventException."""
    event = failure_event_exception.failure_event
    error, cause = None, None
    details = event.event_details
    if details:
        spec = next(iter(details.values()), None)
        if isinstance(spec, dict):
            error, cause = spec.get("error"), spec.get("cause")
    if not error and event.error_name is not None:
        error = event.error_name.error_name
    return str(error or "States.Runtime"), shorten(cause or "(no cause)")


def install() -> None:
    """Replace ``EvalComponent``'s two failure loggers (recorded in PATCHES)."""
    from moto.stepfunctions.parser.asl.component import eval_component
    from moto.stepfunctions.parser.asl.component.state import state

    component_cls = require(eval_component, "EvalComponent")
    state_cls = require(state, "CommonStateField")
    require(component_cls, "_log_failure_event_exception")
    require(component_cls, "_log_exception")

    def log_failure(component: Any, failure: tuple[object, ...], error: str, cause: str) -> None:
        if not isinstance(component, state_cls):  # its state logs it when it leaves it
            log.debug("%s failed: %s: %s", type(component).__name__, error, cause)
        elif _first_time(*failure):
            log.warning("state %r failed: %s: %s", component.name, error, cause)

    # moto re-raises the failure after logging it: logging must never raise instead.
    def log_failure_event_exception(self: Any, failure_event_exception: Any) -> None:
        try:
            error, cause = failure_summary(failure_event_exception)
            failure = (failure_event_exception, failure_event_exception.failure_event)
            log_failure(self, failure, error, cause)
        except Exception as exc:
            log.warning("a state failed (its log line failed: %s)", type(exc).__name__)

    def log_exception(self: Any, exception: Exception) -> None:
        try:
            log_failure(self, (exception,), type(exception).__name__, shorten(str(exception)))
        except Exception as exc:
            log.warning("a state failed (its log line failed: %s)", type(exc).__name__)

    replace(component_cls, "_log_failure_event_exception", log_failure_event_exception)
    replace(component_cls, "_log_exception", log_exception)
