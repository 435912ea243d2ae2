"""TestState: run one state and report what it did, as
https://docs.aws.amazon.com/step-functions/latest/apireference/API_TestState.html describes.

- ``definition`` is one state, or with ``stateName`` a whole state machine whose state of
  that name is tested (in the machine's QueryLanguage);
- ``input``, ``variables`` (workflow variables set before the state), ``context`` (merged
  into the context object; only with ``mock``), ``stateConfiguration.retrierRetryCount``;
- ``mock``: a Task state's ``result`` or ``errorOutput`` replaces the call to its resource,
  which then may be an activity, ``.sync`` or ``.waitForTaskToken`` (its fields are not
  validated against the service's API model: ``fieldValidationMode`` is accepted, not applied);
- ``status``: SUCCEEDED (with ``output`` and ``nextState``), FAILED (``error``, ``cause``),
  RETRIABLE (an error a Retrier would retry: the state is not retried; DEBUG/TRACE show the
  retrier's index and backoff in ``inspectionData.errorDetails``), CAUGHT_ERROR (a Catcher
  handled it: ``nextState`` is the catcher's, ``output`` the error output);
- ``inspectionLevel`` DEBUG or TRACE adds ``inspectionData``: input, afterInputPath,
  afterParameters, result, afterResultSelector, afterResultPath (and ``variables``).

The state is always parsed before it runs: a field the States Language does not have, or
Next together with End, is InvalidDefinition (with or without a mock); without a mock the
resources TestState cannot call (an activity, ``.sync``, ``.waitForTaskToken``) are refused
too. "The TestState API can run for up to five minutes. If the execution of a state exceeds
this duration, it fails with the States.Timeout error." (API_TestState.html): moto's TestState
program has that deadline (``TEST_CASE_EXECUTION_TIMEOUT_SECONDS``, 300 s, checked at import),
and the answer is then FAILED with States.Timeout.

Not locally: TRACE's HTTP ``request``/``response`` (HTTP Tasks do not run in moto's
interpreter) and so ``revealSecrets`` changes nothing; Map and Parallel states. This module
imports moto's interpreter: it is imported once the interpreter is loaded.

The state under test is changed per request: its ``_eval_execution`` (a mocked activity)
and ``_handle_retry``/``_handle_catch`` (Retry and Catch are reported, not run) are set on
the state object itself, not on its class. That object is this request's alone: it is parsed
for the request (:func:`parse_request`; TestState's parser is not the one :mod:`.caches`
shares programs of), so nothing else sees the change, while a subclass per state type
(Task, Pass, Choice, … each with JSONPath and JSONata variants) would have to be swapped in
after moto's preprocessor built the state. The attributes are checked to exist first
(``require``), so a moto that renames them fails loudly.
"""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moto.stepfunctions.parser.asl.component.common.catch.catch_outcome import CatchOutcome
from moto.stepfunctions.parser.asl.component.common.retry.retry_outcome import RetryOutcome
from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
from moto.stepfunctions.parser.asl.component.state.exec.state_task.mock_eval_utils import (
    eval_mocked_response,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_activitiy import (
    StateTaskActivity,
)
from moto.stepfunctions.parser.asl.component.test_state.program import test_state_program
from moto.stepfunctions.parser.asl.eval.evaluation_details import EvaluationDetails
from moto.stepfunctions.parser.asl.eval.program_state import (
    ProgramEnded,
    ProgramError,
    ProgramTimedOut,
)
from moto.stepfunctions.parser.asl.eval.test_state.program_state import ProgramChoiceSelected
from moto.stepfunctions.parser.asl.parse.asl_parser import ASLParserException
from moto.stepfunctions.parser.asl.parse.test_state.asl_parser import (
    TestStateAmazonStateLanguageParser,
)
from moto.stepfunctions.parser.asl.static_analyser.test_state.test_state_analyser import (
    TestStateStaticAnalyser,
)
from moto.stepfunctions.parser.asl.utils.encoding import to_json_str
from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication
from moto.stepfunctions.parser.backend.state_machine import TestStateMachine
from moto.stepfunctions.parser.backend.test_state.execution import TestStateExecution
from moto.stepfunctions.parser.backend.test_state.execution_worker import (
    TestStateExecutionWorker,
)
from moto.stepfunctions.parser.mocking.mock_config import (
    MockedResponseReturn,
    MockedResponseThrow,
    MockTestCase,
    StateMockedResponses,
)

from infra_scripts.localcloud.motolayer.patching import require
from infra_scripts.localcloud.services.stepfunctions.errors import (
    InvalidDefinition,
    InvalidExecutionInput,
    ValidationException,
    parse_json,
)

if TYPE_CHECKING:
    from infra_scripts.localcloud.services.stepfunctions.api import Call

TEST_STATE_NAME = "TestState"  # what moto's TestState parser names the state under test
MOCKABLE_TYPES = {"Task", "Map", "Parallel"}
NOT_RUN_LOCALLY = {"Map", "Parallel"}
COMPACT = (",", ":")
# AWS: TestState runs a state for at most five minutes (then States.Timeout); moto's program
# has this deadline.
MAX_RUN_S = require(test_state_program, "TEST_CASE_EXECUTION_TIMEOUT_SECONDS")


@dataclass
class Request:
    """TestState's parameters, checked."""

    state: dict[str, Any]  # the state under test
    program: Any  # moto's TestStateProgram of it, parsed for this request
    input: str
    role_arn: str
    level: str
    variables: dict[str, Any]
    mock: dict[str, Any] | None
    context: dict[str, Any]
    retry_count: int


@dataclass
class Handling:
    """How the state's Retry/Catch handled a failure (set while the state runs)."""

    retry_index: int | None = None
    retry_backoff_s: int | None = None
    catch_index: int | None = None
    caught: dict[str, str] = field(default_factory=dict)  # the caught error's Error and Cause


@dataclass
class Run:
    request: Request
    handling: Handling = field(default_factory=Handling)


def test_state(call: Call) -> Any:
    from moto.core.responses import ActionResult

    request = parse_request(call)
    run = Run(request)
    execution = _TestRunExecution(run, call.backend)
    execution.start()  # returns when the state has run (at most MAX_RUN_S)
    return ActionResult(result_of(run, execution.exec_worker.env))


def parse_request(call: Call) -> Request:
    definition = parse_json(
        call.param("definition"), "definition", InvalidDefinition, as_object=True
    )
    state = _state_under_test(definition, call.param("stateName"))
    mock = call.param("mock")
    state_type = state.get("Type")
    if mock is not None and state_type not in MOCKABLE_TYPES:
        raise ValidationException(
            "A mock can only be specified for Task, Map, or Parallel states, "
            f"not for a {state_type} state."
        )
    if call.param("context") is not None and mock is None:
        raise ValidationException("context may only be specified together with a mock.")
    if state_type in NOT_RUN_LOCALLY:
        raise ValidationException(f"The local cloud does not test {state_type} states.")
    program = _parse_state(json.dumps(state), check_resources=mock is None)
    input_text = call.param("input") or "{}"
    parse_json(input_text, "input", InvalidExecutionInput)
    configuration = call.param("stateConfiguration") or {}
    return Request(
        state=state,
        program=program,
        input=input_text,
        role_arn=call.param("roleArn")
        or f"arn:aws:iam::{call.backend.account_id}:role/TestStateRole",
        level=call.param("inspectionLevel") or "INFO",
        variables=parse_json(
            call.param("variables") or "{}", "variables", InvalidExecutionInput, as_object=True
        ),
        mock=mock,
        context=parse_json(
            call.param("context") or "{}", "context", InvalidExecutionInput, as_object=True
        ),
        retry_count=int(configuration.get("retrierRetryCount") or 0),
    )


def _state_under_test(definition: dict[str, Any], state_name: str | None) -> dict[str, Any]:
    if state_name is None:
        return definition
    states = definition.get("States")
    if not isinstance(states, dict) or "StartAt" not in definition:
        raise InvalidDefinition(
            "Invalid State Machine Definition: 'stateName requires a complete state machine "
            "definition (StartAt and States)'"
        )
    state = states.get(state_name)
    if not isinstance(state, dict):
        raise ValidationException(f"State '{state_name}' is not in the state machine definition.")
    if "QueryLanguage" in definition and "QueryLanguage" not in state:
        state = {**state, "QueryLanguage": definition["QueryLanguage"]}
    return state


def _parse_state(state_text: str, check_resources: bool) -> Any:
    """The state's TestState program, or InvalidDefinition: a syntax error (a field the
    States Language does not have), a state moto's preprocessor refuses (Next with End), and
    with ``check_resources`` a resource TestState cannot call without a mock (an activity,
    ``.sync``, ``.waitForTaskToken``: TestStateStaticAnalyser)."""
    try:
        program, tree = TestStateAmazonStateLanguageParser.parse(state_text)
        if check_resources:
            TestStateStaticAnalyser().visit(tree)
    except ASLParserException as exc:
        raise InvalidDefinition(f"Invalid State Machine Definition: '{exc!r}'") from None
    except Exception as exc:  # the preprocessor's and the analyser's ValueError, RuntimeError …
        raise InvalidDefinition(f"Invalid State Machine Definition: '{exc}'") from None
    return program


class _Ended(BaseExecutionWorkerCommunication):
    """Records the stop date; the result is read from the environment (:func:`result_of`)."""

    def terminated(self) -> None:
        self.execution.stop_date = datetime.datetime.now(tz=datetime.UTC)


class _TestRunWorker(TestStateExecutionWorker):
    """moto's TestState worker, with variables, context, mock and Retry/Catch handling."""

    def __init__(self, run: Run, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.run = run

    def _get_evaluation_entrypoint(self) -> Any:
        program = self.run.request.program  # parsed (and checked) by parse_request
        state = program.test_state
        if isinstance(state, ExecutionState):
            _report_retry_and_catch(state, self.run)
        if self.run.request.mock is not None and isinstance(state, StateTaskActivity):
            _mock_activity(state)
        return program

    def _get_evaluation_environment(self) -> Any:
        env = super()._get_evaluation_environment()
        request = self.run.request
        for name, value in request.variables.items():
            env.variable_store.set(name, value)
        env.variable_store.reset_tracing()
        context = env.states.context_object.context_object_data
        for key, value in request.context.items():
            if isinstance(value, dict) and isinstance(context.get(key), dict):
                context[key] = {**context[key], **value}
            else:
                context[key] = value
        if request.mock is not None:
            env.mock_test_case = _mock_test_case(request.mock)
        return env


class _TestRunExecution(TestStateExecution):
    def __init__(self, run: Run, backend: Any) -> None:
        name = f"TestState-{uuid.uuid4().hex[:10]}"
        prefix = f"arn:aws:states:{backend.region_name}:{backend.account_id}"
        machine_arn = f"{prefix}:stateMachine:{name}"
        super().__init__(
            name=name,
            role_arn=run.request.role_arn,
            exec_arn=f"{prefix}:execution:{name}:{name}",
            account_id=backend.account_id,
            region_name=backend.region_name,
            state_machine=TestStateMachine(
                name=name,
                arn=machine_arn,
                definition=json.dumps(run.request.state),
                role_arn=run.request.role_arn,
            ),
            start_date=datetime.datetime.now(tz=datetime.UTC),
            activity_store={},
            input_data=run.request.input,
        )
        self.run = run

    def _get_start_execution_worker_comm(self) -> BaseExecutionWorkerCommunication:
        return _Ended(self)

    def _get_start_execution_worker(self) -> TestStateExecutionWorker:
        return _TestRunWorker(
            self.run,
            evaluation_details=EvaluationDetails(
                aws_execution_details=self._get_start_aws_execution_details(),
                execution_details=self.get_start_execution_details(),
                state_machine_details=self.get_start_state_machine_details(),
            ),
            exec_comm=self._get_start_execution_worker_comm(),
            cloud_watch_logging_session=None,
            activity_store={},
        )


def _mock_test_case(mock: dict[str, Any]) -> MockTestCase:
    if "errorOutput" in mock:
        error = mock["errorOutput"] or {}
        response: Any = MockedResponseThrow(0, 0, error.get("error", ""), error.get("cause", ""))
    else:
        payload = parse_json(mock.get("result", "null"), "mock result", InvalidExecutionInput)
        response = MockedResponseReturn(0, 0, payload)
    mocked = StateMockedResponses(TEST_STATE_NAME, "mock", [response])
    return MockTestCase(TEST_STATE_NAME, "mock", [mocked])


def _mock_activity(state: Any) -> None:
    """An activity state answers with the mock instead of waiting for a worker."""

    require(state, "_eval_execution")
    evaluate_parameters = require(state, "_eval_parameters")

    def eval_execution(env: Any) -> None:
        evaluate_parameters(env=env)
        eval_mocked_response(env=env, mocked_response=env.get_current_mocked_response())
        env.inspection_data["result"] = to_json_str(env.stack[-1])

    state._eval_execution = eval_execution  # this request's state only (module docstring)


def _matching(handlers: list[Any], env: Any, error_name: Any) -> int | None:
    """The index of the first Retrier/Catcher whose ErrorEquals matches ``error_name``."""
    for index, handler in enumerate(handlers):
        env.stack.append(error_name)
        handler.error_equals.eval(env)
        if env.stack.pop():
            return index
    return None


def _report_retry_and_catch(state: Any, run: Run) -> None:
    """A retriable error is reported, not retried (and not caught); a caught one noted."""
    handling = run.handling
    retry_count = run.request.retry_count
    require(state, "_handle_retry")
    original_catch = require(state, "_handle_catch")
    construct_error_output = require(state, "_construct_error_output_value")

    def handle_retry(env: Any, failure_event: Any) -> RetryOutcome:
        index = _matching(state.retry.retriers, env, failure_event.error_name)
        if index is None:
            return RetryOutcome.NoRetrier
        retrier = state.retry.retriers[index]
        if retry_count >= retrier.max_attempts.attempts:
            return RetryOutcome.CannotRetry
        backoff = retrier.interval_seconds.seconds * retrier.backoff_rate.rate**retry_count
        handling.retry_index = index
        handling.retry_backoff_s = int(min(backoff, retrier.max_delay_seconds.max_delays_seconds))
        return RetryOutcome.CannotRetry

    def handle_catch(env: Any, failure_event: Any) -> None:
        if handling.retry_index is not None:
            env.stack.append(CatchOutcome.NotCaught)
            return
        handling.catch_index = _matching(state.catch.catchers, env, failure_event.error_name)
        handling.caught = construct_error_output(failure_event=failure_event)
        original_catch(env=env, failure_event=failure_event)

    state._handle_retry = handle_retry  # this request's state only (module docstring)
    state._handle_catch = handle_catch


def result_of(run: Run, env: Any) -> dict[str, Any]:
    """TestState's answer, from the environment the state ran in."""
    program_state = env.program_state()
    handling = run.handling
    result: dict[str, Any] = {}
    if isinstance(program_state, ProgramError | ProgramTimedOut):
        error = program_state.error if isinstance(program_state, ProgramError) else {}
        result["status"] = "RETRIABLE" if handling.retry_index is not None else "FAILED"
        result["error"] = (error or {}).get("error", "States.Timeout")
        if (error or {}).get("cause") is not None:
            result["cause"] = error["cause"]
    else:
        caught = handling.catch_index is not None
        result["status"] = "CAUGHT_ERROR" if caught else "SUCCEEDED"
        result["output"] = to_json_str(env.states.get_input(), separators=COMPACT)
        next_state = _next_state(program_state, env)
        if next_state is not None:
            result["nextState"] = next_state
        if caught:
            result["error"] = handling.caught.get("Error", "")
            result["cause"] = handling.caught.get("Cause", "")
    if run.request.level in ("DEBUG", "TRACE"):
        result["inspectionData"] = inspection_data(run, env, result["status"] == "SUCCEEDED")
    return result


def _next_state(program_state: Any, env: Any) -> str | None:
    if isinstance(program_state, ProgramChoiceSelected):
        return program_state.next_state_name
    if isinstance(program_state, ProgramEnded):
        return None
    name = env.next_state_name
    return name if name and name != TEST_STATE_NAME else None


def inspection_data(run: Run, env: Any, succeeded: bool) -> dict[str, Any]:
    """What DEBUG shows: each data-flow step's value (steps not declared pass their input on)."""
    data = {k: _compact(v) for k, v in dict(env.inspection_data).items() if v is not None}
    state = run.request.state
    jsonpath = state.get("QueryLanguage", "JSONPath") == "JSONPath"
    if succeeded and jsonpath and state.get("Type") in ("Task", "Pass"):
        previous = data.get("input")
        for key in ("afterInputPath", "afterParameters", "result", "afterResultSelector"):
            previous = data.setdefault(key, previous) if previous is not None else data.get(key)
        default_result_path = state.get("ResultPath", "$") == "$"
        if "afterResultPath" not in data and default_result_path and previous is not None:
            data["afterResultPath"] = previous
    elif jsonpath and "input" in data and state.get("Type") != "Fail":
        data.setdefault("afterInputPath", data["input"])
    variables = dict(require(env.variable_store, "_inner_scope"))
    if variables or run.request.variables:
        data["variables"] = to_json_str(variables, separators=COMPACT)
    handling = run.handling
    if handling.retry_index is not None:
        data["errorDetails"] = {
            "retryIndex": handling.retry_index,
            "retryBackoffIntervalSeconds": handling.retry_backoff_s,
        }
    elif handling.catch_index is not None:
        data["errorDetails"] = {"catchIndex": handling.catch_index}
    return data


def _compact(value: Any) -> Any:
    """JSON text without blanks, as AWS writes inspection data."""
    if not isinstance(value, str):
        return value
    try:
        return json.dumps(json.loads(value), separators=COMPACT, ensure_ascii=False)
    except ValueError:
        return value
