"""Step Functions operations moto lacks or got wrong, through real boto3 calls: TestState,
activities, .waitForTaskToken callbacks, Express (StartSyncExecution), RedriveExecution,
versions and aliases.

Expected values come from AWS's documentation (each test cites its page); the API
reference is https://docs.aws.amazon.com/step-functions/latest/apireference/ (API_*.html).
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from tests.helpers import create_function, role_arn, unique, wait_until

pytestmark = pytest.mark.localcloud


@pytest.fixture(scope="module")
def sfn(session):
    """The kit's own client: TestState and StartSyncExecution have the host prefix "sync-"
    in botocore's model, which the local session must not prepend to 127.0.0.1."""
    return session.client("stepfunctions")


@pytest.fixture(scope="module")
def role(session):
    return role_arn(session)


def _machine(sfn, role: str, definition: dict, **kwargs) -> str:
    return sfn.create_state_machine(
        name=unique("sm"), definition=json.dumps(definition), roleArn=role, **kwargs
    )["stateMachineArn"]


def _finished(sfn, execution_arn: str, deadline_s: float = 60) -> dict:
    """The execution, described once it is no longer RUNNING."""

    def ended() -> dict | None:
        described = sfn.describe_execution(executionArn=execution_arn)
        return described if described["status"] != "RUNNING" else None

    return wait_until(ended, deadline_s)


def _event_types(sfn, execution_arn: str) -> list[str]:
    events = sfn.get_execution_history(executionArn=execution_arn)["events"]
    return [event["type"] for event in events]


def _error_code(raised: pytest.ExceptionInfo) -> str:
    return raised.value.response["Error"]["Code"]


# --- TestState (API_TestState.html) -------------------------------------------------------


def test_test_state_succeeds_with_output_and_next_state(sfn, role):
    # A Pass state's Result is placed at ResultPath inside the input
    # (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultpath.html);
    # nextState is the state's Next (API_TestState.html, Response Elements).
    state = {"Type": "Pass", "Result": {"total": 3}, "ResultPath": "$.sum", "Next": "Report"}
    answer = sfn.test_state(definition=json.dumps(state), roleArn=role, input='{"order": 7}')
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"order": 7, "sum": {"total": 3}}
    assert answer["nextState"] == "Report"
    assert "inspectionData" not in answer  # INFO (the default) shows the output only


def test_test_state_fails_with_the_fail_states_error_and_cause(sfn, role):
    # A Fail state stops with its Error and Cause
    # (https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-fail-state.html).
    state = {"Type": "Fail", "Error": "OrderRejected", "Cause": "no stock"}
    answer = sfn.test_state(definition=json.dumps(state), roleArn=role, input="{}")
    assert (answer["status"], answer["error"], answer["cause"]) == (
        "FAILED",
        "OrderRejected",
        "no stock",
    )
    assert "output" not in answer and "nextState" not in answer


def test_test_state_debug_shows_each_data_flow_step(sfn, role):
    # DEBUG "shows the final state output along with the input and output data processing
    # result" (API_TestState.html, inspectionLevel); the steps are InputPath → Parameters →
    # result → ResultSelector → ResultPath
    # (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-input-output-filtering.html).
    state = {
        "Type": "Pass",
        "InputPath": "$.order",
        "Parameters": {"id.$": "$.id", "qty.$": "$.qty"},
        "ResultPath": "$.line",
        "End": True,
    }
    answer = sfn.test_state(
        definition=json.dumps(state),
        roleArn=role,
        input='{"order": {"id": "A1", "qty": 2, "note": "x"}}',
        inspectionLevel="DEBUG",
    )
    data = {key: json.loads(value) for key, value in answer["inspectionData"].items()}
    order = {"id": "A1", "qty": 2, "note": "x"}
    assert data["input"] == {"order": order}
    assert data["afterInputPath"] == order
    assert data["afterParameters"] == {"id": "A1", "qty": 2}
    # ResultPath places the result in the state's raw input (input-output-resultpath.html).
    assert data["afterResultPath"] == {"order": order, "line": {"id": "A1", "qty": 2}}
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == data["afterResultPath"]


def test_test_state_catch_and_retry_are_reported_not_run(sfn, role, session):
    # TestState statuses (API_TestState.html, TestExecutionStatus): CAUGHT_ERROR when a
    # Catcher handles the error (its Next is the next state), RETRIABLE when a Retrier would
    # retry it; at DEBUG, inspectionData.errorDetails names the catcher (catchIndex) or the
    # retrier (retryIndex) (API_InspectionErrorDetails.html). A Lambda function that does not
    # exist fails the task with Lambda's error, ResourceNotFoundException ("The resource
    # specified in the request does not exist.", https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html),
    # named as Step Functions names a service's errors, "Lambda." + the exception
    # (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
    missing = unique("no-such-fn")
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": missing},
        "End": True,
    }
    caught = {
        **task,
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover"}],
    }
    answer = sfn.test_state(
        definition=json.dumps(caught), roleArn=role, input='{"k": 1}', inspectionLevel="DEBUG"
    )
    assert answer["status"] == "CAUGHT_ERROR"
    assert answer["nextState"] == "Recover"
    assert answer["error"] == "Lambda.ResourceNotFoundException"
    output = json.loads(answer["output"])
    assert output["k"] == 1  # the error output is placed at ResultPath
    assert output["error"]["Error"] == "Lambda.ResourceNotFoundException"
    assert answer["inspectionData"]["errorDetails"] == {"catchIndex": 0}

    retried = {**task, "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}]}
    answer = sfn.test_state(
        definition=json.dumps(retried), roleArn=role, input="{}", inspectionLevel="DEBUG"
    )
    assert answer["status"] == "RETRIABLE"
    assert answer["inspectionData"]["errorDetails"]["retryIndex"] == 0


def test_test_state_with_a_mock_and_a_state_of_a_whole_machine(sfn, role):
    # mock.result replaces the task's result; stateName picks the state of a complete
    # definition (API_TestState.html, Request Parameters).
    machine = {
        "StartAt": "Fetch",
        "States": {
            "Fetch": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": unique("never-called")},
                "ResultSelector": {"price.$": "$.Payload.price"},
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    answer = sfn.test_state(
        definition=json.dumps(machine),
        stateName="Fetch",
        roleArn=role,
        input="{}",
        mock={"result": json.dumps({"Payload": {"price": 12.5}})},
    )
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"price": 12.5}
    assert answer["nextState"] == "Done"

    failed = sfn.test_state(
        definition=json.dumps(machine),
        stateName="Fetch",
        roleArn=role,
        mock={"errorOutput": {"error": "Upstream.Down", "cause": "503"}},
    )
    assert (failed["status"], failed["error"], failed["cause"]) == (
        "FAILED",
        "Upstream.Down",
        "503",
    )


def test_test_state_rejects_an_invalid_definition(sfn, role):
    # InvalidDefinition: "The provided Amazon States Language definition is not valid."
    # (API_TestState.html, Errors)
    with pytest.raises(ClientError) as raised:
        sfn.test_state(definition=json.dumps({"Type": "Teleport"}), roleArn=role)
    assert _error_code(raised) == "InvalidDefinition"


@pytest.mark.parametrize(
    "problem",
    [
        {"Foo": 1},  # a field the States Language does not have
        {"Next": "Done"},  # Next together with End
    ],
    ids=["unknown-field", "next-and-end"],
)
def test_test_state_with_a_mock_rejects_an_invalid_state(sfn, role, problem):
    # A mock replaces the call to the resource, not the state's definition: a state that is
    # not valid States Language is InvalidDefinition, "The provided Amazon States Language
    # definition is not valid." (API_TestState.html, Errors); a state has "End": true or a
    # Next, not both (https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html).
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": unique("never-called")},
        "End": True,
        **problem,
    }
    with pytest.raises(ClientError) as raised:
        sfn.test_state(definition=json.dumps(state), roleArn=role, mock={"result": "{}"})
    assert _error_code(raised) == "InvalidDefinition"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_the_kits_own_client_reaches_the_sync_operations(session, role):
    sfn = session.client("stepfunctions", config=Config(retries={"total_max_attempts": 1}))
    try:
        answer = sfn.test_state(definition='{"Type": "Pass", "End": true}', roleArn=role)
    except EndpointConnectionError as exc:
        pytest.fail(f"TestState did not reach the local cloud: {exc}")
    assert answer["status"] == "SUCCEEDED"


# --- .waitForTaskToken callbacks -----------------------------------------------------------
# https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token:
# the task pauses until SendTaskSuccess or SendTaskFailure is called with the task token;
# SendTaskSuccess's output becomes the task's result, SendTaskFailure fails it with the
# error and cause given.


@pytest.fixture
def queue(session):
    """A queue of the test's own (tokens of other tests never reach it)."""
    sqs = session.client("sqs")
    return sqs.create_queue(QueueName=unique("sfn-callbacks"))["QueueUrl"]


def _sqs_callback_definition(queue_url: str) -> dict:
    """A task that sends its token and the input's order to the queue, and waits."""
    return {
        "StartAt": "AskApproval",
        "States": {
            "AskApproval": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": queue_url,
                    "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$.order"},
                },
                "TimeoutSeconds": 120,
                "End": True,
            }
        },
    }


def _sqs_callback_machine(sfn, role: str, queue_url: str) -> str:
    return _machine(sfn, role, _sqs_callback_definition(queue_url))


def _token_for(session, queue_url: str, order: str) -> str:
    """The task token the execution for ``order`` sent to the queue."""
    sqs = session.client("sqs")

    def received() -> str | None:
        messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", [])
        for message in messages:
            body = json.loads(message["Body"])
            if body["order"] == order:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                return body["token"]
        return None

    return wait_until(received, 30)


def test_sqs_wait_for_task_token_resumes_on_send_task_success(session, sfn, role, queue):
    arn = _sqs_callback_machine(sfn, role, queue)
    order = unique("order")
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"order": order}))
    token = _token_for(session, queue, order)
    waiting = sfn.describe_execution(executionArn=execution["executionArn"])
    assert waiting["status"] == "RUNNING"  # paused on the token

    sfn.send_task_success(taskToken=token, output=json.dumps({"approved": True}))
    done = _finished(sfn, execution["executionArn"])
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"approved": True}
    # The token is spent: "TaskTimedOut: The task token has either expired or the task
    # associated with the token has already been closed." (API_SendTaskSuccess.html, Errors)
    with pytest.raises(ClientError) as raised:
        sfn.send_task_success(taskToken=token, output="{}")
    assert _error_code(raised) == "TaskTimedOut"


def test_sqs_wait_for_task_token_fails_on_send_task_failure(session, sfn, role, queue):
    arn = _sqs_callback_machine(sfn, role, queue)
    order = unique("order")
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"order": order}))
    token = _token_for(session, queue, order)
    sfn.send_task_failure(taskToken=token, error="Approval.Denied", cause="over budget")
    done = _finished(sfn, execution["executionArn"])
    assert (done["status"], done["error"], done["cause"]) == (
        "FAILED",
        "Approval.Denied",
        "over budget",
    )


def test_stopping_a_waiting_execution_aborts_it_and_closes_its_token(session, sfn, role, queue):
    # StopExecution: the execution's status becomes ABORTED (API_StopExecution.html,
    # API_DescribeExecution.html); its task is closed, so its token is TaskTimedOut
    # (API_SendTaskSuccess.html, Errors); an ABORTED execution is redrivable
    # (API_RedriveExecution.html).
    arn = _sqs_callback_machine(sfn, role, queue)
    order = unique("order")
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"order": order}))
    token = _token_for(session, queue, order)
    sfn.stop_execution(executionArn=execution["executionArn"])
    stopped = _finished(sfn, execution["executionArn"], deadline_s=10)
    assert stopped["status"] == "ABORTED"
    assert stopped["redriveStatus"] == "REDRIVABLE"
    # The status is ABORTED once stopped; the event follows when the run has ended.
    types = wait_until(lambda: _history_ending_with(sfn, execution, "ExecutionAborted"), 10)
    # The task did not time out: the stop ended it, and the history says only that
    # (TaskTimedOut is a task's timeout, API_HistoryEvent.html; the run ends ExecutionAborted).
    assert "TaskTimedOut" not in types
    assert types[-2] == "TaskSubmitted"
    with pytest.raises(ClientError) as raised:
        sfn.send_task_success(taskToken=token, output="{}")
    assert _error_code(raised) == "TaskTimedOut"


def _history_ending_with(sfn, execution: dict, last: str) -> list[str] | None:
    types = _event_types(sfn, execution["executionArn"])
    return types if types and types[-1] == last else None


def test_send_task_failure_with_a_states_error_name(session, sfn, role, queue):
    # SendTaskFailure's error is "The error code of the failure" (API_SendTaskFailure.html:
    # any string up to 256 characters); the task fails with it, and a Catcher whose
    # ErrorEquals names it catches it (concepts-error-handling.html: States.Timeout is one of
    # the error names a Catcher can match).
    definition = _sqs_callback_definition(queue)
    definition["States"]["AskApproval"]["Catch"] = [
        {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.late", "Next": "Late"}
    ]
    definition["States"]["Late"] = {"Type": "Pass", "End": True}
    arn = _machine(sfn, role, definition)
    caught_order, failed_order = unique("order"), unique("order")
    caught = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"order": caught_order}))
    sfn.send_task_failure(
        taskToken=_token_for(session, queue, caught_order), error="States.Timeout", cause="late"
    )
    done = _finished(sfn, caught["executionArn"])
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"])["late"] == {"Error": "States.Timeout", "Cause": "late"}

    failed = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"order": failed_order}))
    sfn.send_task_failure(
        taskToken=_token_for(session, queue, failed_order), error="States.Mine", cause="why"
    )
    done = _finished(sfn, failed["executionArn"])
    assert (done["status"], done["error"], done["cause"]) == ("FAILED", "States.Mine", "why")


def test_an_execution_timeout_ends_the_wait_for_a_token(session, sfn, role, queue):
    # An execution that runs longer than its TimeoutSeconds is TIMED_OUT
    # (https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html,
    # TimeoutSeconds) and its history ends with ExecutionTimedOut (API_HistoryEvent.html);
    # its token is then TaskTimedOut (API_SendTaskSuccess.html, Errors). A TIMED_OUT execution
    # is redrivable (API_RedriveExecution.html).
    definition = _sqs_callback_definition(queue)
    definition["TimeoutSeconds"] = 1
    definition["States"]["AskApproval"]["TimeoutSeconds"] = 3  # the task's: longer
    arn = _machine(sfn, role, definition)
    order = unique("order")
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"order": order}))
    token = _token_for(session, queue, order)
    assert _finished(sfn, execution["executionArn"], deadline_s=10)["status"] == "TIMED_OUT"
    with pytest.raises(ClientError) as raised:
        sfn.send_task_success(taskToken=token, output="{}")
    assert _error_code(raised) == "TaskTimedOut"
    # Redriven at once: the first run's end is in the history before the redrive.
    sfn.redrive_execution(executionArn=execution["executionArn"])
    types = _event_types(sfn, execution["executionArn"])
    assert "ExecutionRedriven" in types
    assert types[types.index("ExecutionRedriven") - 1] == "ExecutionTimedOut"

    _token_for(session, queue, order)  # the redrive runs the task again
    again = _finished(sfn, execution["executionArn"], deadline_s=10)
    assert (again["status"], again["redriveCount"]) == ("TIMED_OUT", 1)
    types = wait_until(lambda: _history_ending_with(sfn, execution, "ExecutionTimedOut"), 10)
    time.sleep(3)  # past the task's own TimeoutSeconds: nothing more is recorded
    assert _event_types(sfn, execution["executionArn"]) == types
    assert types.count("ExecutionTimedOut") == 2
    assert types.index("ExecutionTimedOut") < types.index("ExecutionRedriven")


def test_an_unknown_token_is_invalid(sfn):
    # InvalidToken: "The provided token is not valid." (API_SendTaskSuccess.html, Errors)
    with pytest.raises(ClientError) as raised:
        sfn.send_task_success(taskToken=unique("not-a-token"), output="{}")
    assert _error_code(raised) == "InvalidToken"


def test_lambda_wait_for_task_token_resumes_when_the_function_calls_back(session, sfn, role):
    # The function receives the token in its payload and calls SendTaskSuccess itself.
    function = unique("sfn-callback-fn")
    create_function(
        session,
        function,
        "import boto3, json\n"
        "def handler(event, context):\n"
        "    boto3.client('stepfunctions').send_task_success(\n"
        "        taskToken=event['token'], output=json.dumps({'seen': event['n']}))\n",
        Timeout=30,
    )
    arn = _machine(
        sfn,
        role,
        {
            "StartAt": "Work",
            "States": {
                "Work": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {
                        "FunctionName": function,
                        "Payload": {"token.$": "$$.Task.Token", "n.$": "$.n"},
                    },
                    "End": True,
                }
            },
        },
    )
    execution = sfn.start_execution(stateMachineArn=arn, input='{"n": 41}')
    done = _finished(sfn, execution["executionArn"])
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"seen": 41}


# --- Activities (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-activities.html)


def test_an_activity_worker_completes_the_execution(sfn, role):
    activity = sfn.create_activity(name=unique("pack-order"))["activityArn"]
    arn = _machine(
        sfn,
        role,
        {
            "StartAt": "Pack",
            "States": {"Pack": {"Type": "Task", "Resource": activity, "End": True}},
        },
    )
    polled: dict = {}
    # GetActivityTask is a long poll: it "responds as soon as a task becomes available"
    # (API_GetActivityTask.html), so a worker may poll before the execution starts.
    worker = threading.Thread(
        target=lambda: polled.update(sfn.get_activity_task(activityArn=activity, workerName="w1"))
    )
    worker.start()
    execution = sfn.start_execution(stateMachineArn=arn, input='{"items": 3}')
    worker.join(30)
    assert json.loads(polled["input"]) == {"items": 3}  # the task input is the state input
    sfn.send_task_heartbeat(taskToken=polled["taskToken"])
    sfn.send_task_success(taskToken=polled["taskToken"], output='{"boxes": 1}')
    done = _finished(sfn, execution["executionArn"])
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"boxes": 1}
    types = _event_types(sfn, execution["executionArn"])
    assert [t for t in types if t.startswith("Activity")] == [
        "ActivityScheduled",
        "ActivityStarted",
        "ActivitySucceeded",
    ]


def test_an_activity_without_heartbeats_times_out(sfn, role):
    # "States.HeartbeatTimeout: A Task state failed to send a heartbeat for a period longer
    # than the HeartbeatSeconds value." (concepts-error-handling.html, Error names)
    activity = sfn.create_activity(name=unique("slow-worker"))["activityArn"]
    arn = _machine(
        sfn,
        role,
        {
            "StartAt": "Slow",
            "States": {
                "Slow": {
                    "Type": "Task",
                    "Resource": activity,
                    "HeartbeatSeconds": 1,
                    "TimeoutSeconds": 60,
                    "End": True,
                }
            },
        },
    )
    execution = sfn.start_execution(stateMachineArn=arn)
    task = sfn.get_activity_task(activityArn=activity)
    assert task["taskToken"]
    done = _finished(sfn, execution["executionArn"], deadline_s=20)
    assert (done["status"], done["error"]) == ("FAILED", "States.HeartbeatTimeout")
    assert "ActivityTimedOut" in _event_types(sfn, execution["executionArn"])
    with pytest.raises(ClientError) as raised:  # too late (API_SendTaskSuccess.html, Errors)
        sfn.send_task_success(taskToken=task["taskToken"], output="{}")
    assert _error_code(raised) == "TaskTimedOut"


def test_get_activity_task_of_a_missing_activity(sfn, session):
    # ActivityDoesNotExist: "The specified activity does not exist." (API_GetActivityTask.html)
    account = session.client("sts").get_caller_identity()["Account"]
    missing = f"arn:aws:states:us-east-1:{account}:activity:{unique('gone')}"
    with pytest.raises(ClientError) as raised:
        sfn.get_activity_task(activityArn=missing)
    assert _error_code(raised) == "ActivityDoesNotExist"


# --- Express workflows (API_StartSyncExecution.html) --------------------------------------

EXPRESS_ORDER = {
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.qty", "NumericGreaterThan": 0, "Next": "Accept"}],
            "Default": "Reject",
        },
        "Accept": {"Type": "Pass", "Parameters": {"accepted.$": "$.qty"}, "End": True},
        "Reject": {"Type": "Fail", "Error": "EmptyOrder", "Cause": "qty must be positive"},
    },
}


def test_start_sync_execution_returns_the_output(sfn, role):
    arn = _machine(sfn, role, EXPRESS_ORDER, type="EXPRESS")
    answer = sfn.start_sync_execution(stateMachineArn=arn, input='{"qty": 2}')
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"accepted": 2}
    assert ":express:" in answer["executionArn"]  # Express execution ARNs
    billing = answer["billingDetails"]
    # Express duration is billed rounded up to the nearest 100 ms, memory in 64-MB chunks
    # (https://aws.amazon.com/step-functions/pricing/).
    assert billing["billedDurationInMilliseconds"] % 100 == 0
    assert billing["billedDurationInMilliseconds"] >= 100
    assert billing["billedMemoryUsedInMB"] % 64 == 0


def test_start_sync_execution_reports_a_failure_with_200(sfn, role):
    # "StartSyncExecution will return a 200 OK response, even if your execution fails"
    arn = _machine(sfn, role, EXPRESS_ORDER, type="EXPRESS")
    answer = sfn.start_sync_execution(stateMachineArn=arn, input='{"qty": 0}')
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (answer["status"], answer["error"], answer["cause"]) == (
        "FAILED",
        "EmptyOrder",
        "qty must be positive",
    )
    assert "output" not in answer


def test_start_sync_execution_is_not_for_standard_machines(sfn, role):
    # "StartSyncExecution is not available for STANDARD workflows." (StateMachineTypeNotSupported)
    arn = _machine(sfn, role, EXPRESS_ORDER)
    with pytest.raises(ClientError) as raised:
        sfn.start_sync_execution(stateMachineArn=arn, input='{"qty": 1}')
    assert _error_code(raised) == "StateMachineTypeNotSupported"


def test_start_execution_of_an_express_machine_runs_it(session, sfn, role, queue):
    # An asynchronous Express execution runs (here: it sends a message) and has an express ARN.
    arn = _machine(
        sfn,
        role,
        {
            "StartAt": "Notify",
            "States": {
                "Notify": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage",
                    "Parameters": {
                        "QueueUrl": queue,
                        "MessageBody": {"token": "none", "order.$": "$.order"},
                    },
                    "End": True,
                }
            },
        },
        type="EXPRESS",
    )
    order = unique("express-order")
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"order": order}))
    assert ":express:" in started["executionArn"]
    assert _token_for(session, queue, order) == "none"


def test_express_machines_refuse_callbacks(sfn, role):
    # "Express Workflows only support Request Response integrations"
    # (https://docs.aws.amazon.com/step-functions/latest/dg/integrate-optimized.html).
    callback = {
        "StartAt": "Wait",
        "States": {
            "Wait": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "q", "MessageBody.$": "$$.Task.Token"},
                "End": True,
            }
        },
    }
    with pytest.raises(ClientError) as raised:
        _machine(sfn, role, callback, type="EXPRESS")
    assert _error_code(raised) == "InvalidDefinition"
    assert _machine(sfn, role, callback)  # a STANDARD machine may wait for a token

    # Nor can an EXPRESS machine be updated to one: UpdateStateMachine's InvalidDefinition,
    # "The provided Amazon States Language definition is not valid."
    # (API_UpdateStateMachine.html, Errors).
    express = _machine(sfn, role, EXPRESS_ORDER, type="EXPRESS")
    with pytest.raises(ClientError) as raised:
        sfn.update_state_machine(stateMachineArn=express, definition=json.dumps(callback))
    assert _error_code(raised) == "InvalidDefinition"
    described = sfn.describe_state_machine(stateMachineArn=express)
    assert json.loads(described["definition"]) == EXPRESS_ORDER  # unchanged


def test_start_sync_execution_times_out(sfn, role):
    # An execution running longer than its TimeoutSeconds times out: StartSyncExecution's
    # status is then TIMED_OUT (API_StartSyncExecution.html, Response Elements: status). (Past
    # 5 minutes, Express's limit, the local cloud times it out too; not tested: too slow.)
    arn = _machine(
        sfn,
        role,
        {
            "TimeoutSeconds": 1,
            "StartAt": "Linger",
            "States": {"Linger": {"Type": "Wait", "Seconds": 30, "End": True}},
        },
        type="EXPRESS",
    )
    answer = sfn.start_sync_execution(stateMachineArn=arn, input="{}")
    assert answer["status"] == "TIMED_OUT"
    assert "output" not in answer
    elapsed = (answer["stopDate"] - answer["startDate"]).total_seconds()
    assert 1 <= elapsed < 10


# --- RedriveExecution (API_RedriveExecution.html) -------------------------------------------


def test_a_failed_execution_is_redriven_to_success(sfn, role):
    # The Choice passes only once $$.Execution.RedriveCount is at least 1, so the first run
    # fails there (no choice matched) and the redrive succeeds. "it continues the failed
    # execution from the unsuccessful step and uses the same input ... doesn't rerun [the
    # successful] steps" (API_RedriveExecution.html); redriveCount counts redrives
    # (API_DescribeExecution.html); redriven executions append ExecutionRedriven to history.
    arn = _machine(
        sfn,
        role,
        {
            "StartAt": "Prepare",
            "States": {
                "Prepare": {
                    "Type": "Pass",
                    "Result": "ready",
                    "ResultPath": "$.prep",
                    "Next": "Gate",
                },
                "Gate": {
                    "Type": "Choice",
                    "Choices": [
                        {
                            "And": [
                                {"Variable": "$$.Execution.RedriveCount", "IsPresent": True},
                                {
                                    "Variable": "$$.Execution.RedriveCount",
                                    "NumericGreaterThanEquals": 1,
                                },
                            ],
                            "Next": "Ship",
                        }
                    ],
                },
                "Ship": {
                    "Type": "Pass",
                    "Parameters": {"prep.$": "$.prep", "redrives.$": "$$.Execution.RedriveCount"},
                    "End": True,
                },
            },
        },
    )
    execution_arn = sfn.start_execution(stateMachineArn=arn, input='{"id": 9}')["executionArn"]
    failed = _finished(sfn, execution_arn)
    assert failed["status"] == "FAILED"
    assert failed["redriveStatus"] == "REDRIVABLE"
    assert failed.get("redriveCount", 0) == 0

    redriven = sfn.redrive_execution(executionArn=execution_arn)
    assert "redriveDate" in redriven
    done = _finished(sfn, execution_arn)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"prep": "ready", "redrives": 1}
    assert done["redriveCount"] == 1
    assert "redriveDate" in done
    types = _event_types(sfn, execution_arn)
    assert types.count("PassStateEntered") == 2  # Prepare once, Ship once: Prepare not rerun
    assert types.index("ExecutionFailed") < types.index("ExecutionRedriven")

    # "The execution status isn't SUCCEEDED" is a condition of redriving.
    with pytest.raises(ClientError) as raised:
        sfn.redrive_execution(executionArn=execution_arn)
    assert _error_code(raised) == "ExecutionNotRedrivable"


def test_concurrent_redrives_of_an_execution_start_one_run(sfn, role):
    # "You can redrive an execution if ... The execution status isn't SUCCEEDED" and a
    # redriven execution is RUNNING again (API_RedriveExecution.html): of two RedriveExecution
    # calls at the same time, one redrives it, the other finds it RUNNING
    # (ExecutionNotRedrivable, API_RedriveExecution.html, Errors); redriveCount is 1. (The
    # Map before the failure gives the history ~8,000 events to read: time for a race.)
    arn = _machine(
        sfn,
        role,
        {
            "StartAt": "Prepare",
            "States": {
                "Prepare": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "ItemProcessor": {
                        "StartAt": "Item",
                        "States": {"Item": {"Type": "Pass", "End": True}},
                    },
                    "ResultPath": None,
                    "Next": "Gate",
                },
                "Gate": {
                    "Type": "Choice",
                    "Choices": [
                        {
                            "Variable": "$$.Execution.RedriveCount",
                            "NumericGreaterThanEquals": 1,
                            "Next": "Linger",
                        }
                    ],
                },
                "Linger": {"Type": "Wait", "Seconds": 2, "End": True},
            },
        },
    )
    execution_arn = sfn.start_execution(
        stateMachineArn=arn, input=json.dumps({"items": list(range(2000))})
    )["executionArn"]
    assert _finished(sfn, execution_arn)["status"] == "FAILED"

    callers = 4
    outcomes: list[str] = []
    start = threading.Barrier(callers)

    def redrive() -> None:
        start.wait()
        try:
            sfn.redrive_execution(executionArn=execution_arn)
            outcomes.append("redriven")
        except ClientError as exc:
            outcomes.append(exc.response["Error"]["Code"])

    threads = [threading.Thread(target=redrive) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["ExecutionNotRedrivable"] * (callers - 1) + ["redriven"]
    done = _finished(sfn, execution_arn)
    assert (done["status"], done["redriveCount"]) == ("SUCCEEDED", 1)


def test_a_stopped_execution_redriven_at_once(session, sfn, role, queue):
    # An ABORTED execution is redrivable (API_RedriveExecution.html); redriven, it is RUNNING
    # (no stopDate: "If the execution ended, the date the execution stopped",
    # API_DescribeExecution.html) and its history continues after ExecutionAborted with
    # ExecutionRedriven. The task runs again with a new token.
    arn = _sqs_callback_machine(sfn, role, queue)
    order = unique("order")
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"order": order}))
    _token_for(session, queue, order)
    sfn.stop_execution(executionArn=execution["executionArn"])
    sfn.redrive_execution(executionArn=execution["executionArn"])
    token = _token_for(session, queue, order)
    running = sfn.describe_execution(executionArn=execution["executionArn"])
    assert running["status"] == "RUNNING"
    assert "stopDate" not in running
    types = _event_types(sfn, execution["executionArn"])
    assert types.index("ExecutionAborted") < types.index("ExecutionRedriven")

    sfn.send_task_success(taskToken=token, output='{"approved": true}')
    done = _finished(sfn, execution["executionArn"])
    assert (done["status"], json.loads(done["output"])) == ("SUCCEEDED", {"approved": True})
    types = _event_types(sfn, execution["executionArn"])
    assert types.count("ExecutionAborted") == 1
    assert types[-1] == "ExecutionSucceeded"


def test_an_execution_stopped_inside_a_call_is_redriven_after_its_run_ends(session, sfn, role):
    # Stopped while its Lambda function runs, then redriven at once: the stopped run's end
    # (ExecutionAborted) comes before ExecutionRedriven, and nothing of it follows (the history
    # of a redriven execution continues from the unsuccessful step, API_RedriveExecution.html);
    # the redrive runs the task again and succeeds.
    function = unique("sfn-slow-fn")
    create_function(
        session,
        function,
        "import time\n"
        "def handler(event, context):\n"
        "    time.sleep(event['sleep'])\n"
        "    return {'slept': event['sleep']}\n",
        Timeout=30,
    )
    arn = _machine(
        sfn,
        role,
        {
            "StartAt": "Work",
            "States": {
                "Work": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": function, "Payload": {"sleep.$": "$.sleep"}},
                    "OutputPath": "$.Payload",
                    "End": True,
                }
            },
        },
    )
    execution = sfn.start_execution(stateMachineArn=arn, input='{"sleep": 2}')
    wait_until(lambda: "TaskStarted" in _event_types(sfn, execution["executionArn"]), 30)
    sfn.stop_execution(executionArn=execution["executionArn"])
    sfn.redrive_execution(executionArn=execution["executionArn"])
    running = sfn.describe_execution(executionArn=execution["executionArn"])
    assert running["status"] == "RUNNING"
    assert "stopDate" not in running

    done = _finished(sfn, execution["executionArn"])
    assert (done["status"], json.loads(done["output"])) == ("SUCCEEDED", {"slept": 2})
    types = _event_types(sfn, execution["executionArn"])
    assert types.count("ExecutionAborted") == 1
    assert types.index("ExecutionAborted") == types.index("ExecutionRedriven") - 1
    assert types[-1] == "ExecutionSucceeded"


# --- Versions and aliases ------------------------------------------------------------------


def test_versions_aliases_and_the_definition_an_execution_ran(sfn, role):
    # PublishStateMachineVersion, ListStateMachineVersions ("sorted in descending order of the
    # version creation time"), StartExecution of a version or an alias; DescribeExecution names
    # them (API_DescribeExecution.html: stateMachineVersionArn, stateMachineAliasArn);
    # DescribeStateMachineForExecution describes the definition the execution ran.
    first = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": True}}}
    second = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 2, "End": True}}}
    arn = _machine(sfn, role, first)
    v1 = sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(second))
    v2 = sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"]
    listed = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in listed] == [v2, v1]

    on_v1 = sfn.start_execution(stateMachineArn=v1)["executionArn"]
    described = _finished(sfn, on_v1)
    assert (json.loads(described["output"]), described["stateMachineVersionArn"]) == (1, v1)
    ran = sfn.describe_state_machine_for_execution(executionArn=on_v1)
    assert json.loads(ran["definition"]) == first

    alias = sfn.create_state_machine_alias(
        name="live", routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}]
    )["stateMachineAliasArn"]
    on_alias = sfn.start_execution(stateMachineArn=alias)["executionArn"]
    described = _finished(sfn, on_alias)
    assert json.loads(described["output"]) == 2
    assert described["stateMachineAliasArn"] == alias
    # "You can't delete a state machine version currently referenced by one or more aliases."
    with pytest.raises(ClientError) as raised:
        sfn.delete_state_machine_version(stateMachineVersionArn=v2)
    assert _error_code(raised) == "ConflictException"
