"""Activities: executions hand activity tasks to workers polling GetActivityTask.

moto 5.2.5 creates, describes, lists and deletes activities, but starts every execution with
an empty activity store (``activity_store={}``), so an activity Task state failed at once,
and it has no GetActivityTask. Here the interpreter's ``add_activity_task`` queues each task
on its activity (:class:`~.records.ActivityTaskQueue`, one per activity ARN, checked against
the activities moto holds for the ARN's account and region) and GetActivityTask long-polls
that queue as AWS does (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetActivityTask.html):
up to 60 s, then an answer without ``taskToken``. Handing out a task starts its
HeartbeatSeconds clock (moto's interpreter waits for that). A task whose execution ended
before a worker asked is never handed out: its wait's end removes it from the queue, and
DeleteActivity drops the activity's queue.

The poll answers within 60 s, which its clients must outwait: "Workers should set their client
side socket timeout to at least 65 seconds" (API_GetActivityTask.html). The kit's clients read
for 70 s (``read_timeout`` in :mod:`infra_scripts.session`), so a task handed out at the end of
a poll is never written to a socket its client already closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infra_scripts.localcloud.motolayer.patching import replace, require
from infra_scripts.localcloud.services.stepfunctions.errors import ActivityDoesNotExist
from infra_scripts.localcloud.services.stepfunctions.records import StepFunctionsRecords
from infra_scripts.localcloud.services.stepfunctions.tasks import find_task

if TYPE_CHECKING:
    from infra_scripts.localcloud.services.stepfunctions.api import Call

POLL_S = 60.0  # GetActivityTask holds the request at most this long (AWS: 60 s)


@dataclass(frozen=True)
class ActivityTask:
    """One scheduled activity task: its token, its input (JSON text), its endpoint."""

    token: str
    input: str
    endpoint: Any


def get_activity_task(call: Call) -> Any:
    """GetActivityTask: the oldest task of the activity, waiting up to :data:`POLL_S`."""
    from moto.core.responses import ActionResult

    activity_arn = call.param("activityArn")
    worker_name = call.param("workerName")
    call.backend._validate_activity_arn(activity_arn)  # moto's InvalidArn
    if activity_arn not in call.backend.activities:
        raise ActivityDoesNotExist(activity_arn)

    def still_waiting(task: ActivityTask) -> bool:
        found = find_task(call.backend, task.token)
        return found is not None and found.is_open(call.records.closed_tasks)

    task = call.records.activity_queue(activity_arn).take(POLL_S, still_waiting)
    if not isinstance(task, ActivityTask):
        return ActionResult({})
    task.endpoint.notify_activity_task_start(worker_name=worker_name)
    return ActionResult({"taskToken": task.token, "input": task.input})


def install_interpreter(records: StepFunctionsRecords) -> None:
    """Queue activity tasks where GetActivityTask finds them; close them when they end."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
        state_task_activitiy,
    )
    from moto.stepfunctions.parser.asl.eval.callback import callback
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    require(StepFunctionsParserBackend, "_validate_activity_arn")  # GetActivityTask calls it
    _queue_activity_tasks(records, callback)
    _close_ended_activity_tasks(records, state_task_activitiy)
    _forget_deleted_activities(records, StepFunctionsParserBackend)


def _activity_exists(activity_arn: str) -> bool:
    """Whether moto holds the activity (in the account and region its ARN names)."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    parts = activity_arn.split(":")
    if len(parts) < 7 or parts[5] != "activity":
        return False
    region, account = parts[3], parts[4]
    return activity_arn in stepfunctions_parser_backends[account][region].activities


def _queue_activity_tasks(records: StepFunctionsRecords, callback: Any) -> None:
    pool_manager = require(callback, "CallbackPoolManager")
    endpoint_class = require(callback, "ActivityCallbackEndpoint")
    require(pool_manager, "add_activity_task")
    from moto.stepfunctions.parser import api as parser_api

    not_found = require(parser_api, "ActivityDoesNotExist")  # what the interpreter catches
    require(pool_manager(activity_store={}), "_pool")  # its endpoints by token (an attribute)

    def add_activity_task(
        self: Any, callback_id: str, activity_arn: str, activity_input: str
    ) -> Any:
        if self.get(callback_id) is not None:
            raise ValueError("Duplicate callback token id value.")
        if not _activity_exists(activity_arn):
            raise not_found(f"Activity Does Not Exist: '{activity_arn}'")
        endpoint = endpoint_class(callback_id=callback_id, activity_input=activity_input)
        require(self, "_pool")[callback_id] = endpoint
        records.activity_queue(activity_arn).put(
            callback_id, ActivityTask(token=callback_id, input=activity_input, endpoint=endpoint)
        )
        return endpoint

    replace(pool_manager, "add_activity_task", add_activity_task)


def _close_ended_activity_tasks(records: StepFunctionsRecords, module: Any) -> None:
    """Once an activity task's wait ends (outcome, timeout, heartbeat timeout, stop), its
    token takes no more outcomes (SendTask* answer TaskTimedOut) and no worker gets it (it
    leaves its activity's queue)."""
    state_class = require(module, "StateTaskActivity")
    original = require(state_class, "_eval_execution")

    def eval_execution(self: Any, env: Any) -> None:
        try:
            original(self, env)
        finally:
            token = env.states.context_object.context_object_data.get("Task", {}).get("Token")
            endpoint = env.callback_pool_manager.get(token) if token else None
            if endpoint is not None:
                records.closed_tasks.close(endpoint)
                queue = records.activity_queue_of(self.resource.resource_arn)
                if queue is not None:
                    queue.discard(token)

    replace(state_class, "_eval_execution", eval_execution)


def _forget_deleted_activities(records: StepFunctionsRecords, backend_class: type) -> None:
    """DeleteActivity drops the activity's queue (tasks no worker took go with it)."""
    original = require(backend_class, "delete_activity")

    def delete_activity(self: Any, activity_arn: str) -> None:
        original(self, activity_arn)
        records.forget_activity(activity_arn)

    replace(backend_class, "delete_activity", delete_activity)
