"""Executions log to CloudWatch Logs as their state machine's ``loggingConfiguration`` says.

moto 5.2.5 starts every execution without a logging session, so a machine configured with
a log group (Express machines usually are) never logged. Here an execution of a machine
whose level is ALL, ERROR or FATAL writes its history events, filtered by that level, to
the configured log group: one JSON document per event with AWS's fields (``id``, ``type``,
``details`` — input and output only with ``includeExecutionData`` —, ``previous_event_id``,
``event_timestamp`` in epoch milliseconds as text, ``execution_arn``, ``redrive_count``), in
the log stream ``states/<machine name>/<yyyy-mm-dd-HH-MM>/00000000`` of the minute the
execution started (as AWS names them). As on AWS the log group must exist; events for a
group that does not are dropped.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from infra_scripts.localcloud.motolayer import logs
from infra_scripts.localcloud.motolayer.backends import backend
from infra_scripts.localcloud.motolayer.patching import replace, require

log = logging.getLogger("localcloud.stepfunctions")


def install() -> None:
    """Give executions of machines with logging a session (the interpreter is loaded)."""
    from moto.stepfunctions.parser.asl.eval.event import logging as sfn_logging
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str
    from moto.stepfunctions.parser.backend import execution as execution_module

    configuration_class = require(sfn_logging, "CloudWatchLoggingConfiguration")
    session_class = require(sfn_logging, "CloudWatchLoggingSession")
    require(session_class, "publish_history_log")
    execution_class = require(execution_module, "Execution")
    original_init = require(execution_class, "__init__")

    class LogGroupSession(session_class):  # type: ignore[misc, valid-type]
        """moto's session, writing through the one locked log writer."""

        execution: Any = None  # set by the execution that owns the session

        def publish_history_log(self, history_log: Any) -> None:
            config = self.configuration
            group = config.log_group_name
            if group not in backend("logs", config.log_account_id, config.log_region).groups:
                return  # AWS: the group must exist
            document = dict(history_log)
            document["event_timestamp"] = _epoch_ms(document.get("event_timestamp"))
            document["redrive_count"] = str(_redrive_count(self.execution))
            logs.put_messages(
                config.log_account_id,
                config.log_region,
                group,
                config.log_stream_name,
                [to_json_str(document)],
            )

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if self._cloud_watch_logging_session is None:
            self._cloud_watch_logging_session = _session_for(
                self, configuration_class, LogGroupSession
            )

    replace(execution_class, "__init__", init)
    # a module attribute, so that executions saved with their session (the local cloud's
    # state, kept across restarts) load it again
    LogGroupSession.__qualname__ = LogGroupSession.__name__
    globals()[LogGroupSession.__name__] = LogGroupSession


def _session_for(execution: Any, configuration_class: Any, session_class: Any) -> Any | None:
    machine = execution.state_machine
    settings = getattr(machine, "loggingConfiguration", None) or {}
    try:
        configuration = configuration_class.from_logging_configuration(
            state_machine_arn=machine.arn, logging_configuration=settings
        )
    except (KeyError, IndexError, ValueError) as exc:
        log.warning("execution logging not set up for %s: %r", machine.arn, exc)
        return None
    if configuration is None:
        return None
    started = execution.start_date or dt.datetime.now(dt.UTC)
    configuration.log_stream_name = f"states/{machine.name}/{started:%Y-%m-%d-%H-%M}/00000000"
    session = session_class(execution_arn=execution.exec_arn, configuration=configuration)
    session.execution = execution
    return session


def _epoch_ms(stamp: Any) -> str:
    """An event's time as AWS logs it: epoch milliseconds, as text."""
    if isinstance(stamp, str):
        stamp = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    if not isinstance(stamp, dt.datetime):
        stamp = dt.datetime.now(dt.UTC)
    return str(int(stamp.timestamp() * 1000))


def _redrive_count(execution: Any) -> int:
    """The execution's ``$$.Execution.RedriveCount`` (0 before its context exists)."""
    env = getattr(getattr(execution, "exec_worker", None), "env", None)
    if env is None:
        return 0
    return int(env.states.context_object.context_object_data["Execution"].get("RedriveCount", 0))
