"""Step Functions JSONata and variables, checked against what AWS documents.

Expected values come from AWS's Step Functions developer guide unless a comment says
otherwise:
- "Transforming data with JSONata in Step Functions" (transforming-data.html): the Input and
  Output example, the JSONPath→JSONata conversion example, the functions Step Functions adds,
  "$eval is not supported", States.QueryEvaluationError for expression errors;
- "Passing data between states with variables" (workflow-variables.html): evaluation order,
  scopes of Map and Parallel;
- "Intrinsic functions" (intrinsic-functions.html): the examples of States.ArrayPartition,
  States.ArrayRange and States.Hash, whose JSONata equivalents are $partition, $range, $hash;
- "Context object" (input-output-contextobject.html): Execution.RedriveCount.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.helpers import role_arn, unique

pytestmark = pytest.mark.localcloud

DEADLINE_S = 30.0


def run(session, definition: dict, execution_input: dict | None = None) -> dict:
    """Create a state machine, run it once, and return DescribeExecution when it ended."""
    sfn = session.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=unique("jsonata"), definition=json.dumps(definition), roleArn=role_arn(session)
    )["stateMachineArn"]
    execution = sfn.start_execution(
        stateMachineArn=machine, input=json.dumps(execution_input or {})
    )["executionArn"]
    deadline = time.monotonic() + DEADLINE_S
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"still RUNNING after {DEADLINE_S}s"
        time.sleep(0.05)
    return described


def output_of(session, definition: dict, execution_input: dict | None = None):
    described = run(session, definition, execution_input)
    assert described["status"] == "SUCCEEDED", described.get("cause")
    return json.loads(described["output"])


def jsonata(states: dict, start: str) -> dict:
    return {"QueryLanguage": "JSONata", "StartAt": start, "States": states}


def pass_output(output) -> dict:
    return jsonata({"P": {"Type": "Pass", "Output": output, "End": True}}, "P")


def test_the_documented_input_and_output_example(session):
    definition = jsonata(
        {
            "Basic Input and Output": {
                "Type": "Succeed",
                "Output": {
                    "lastName": "{% 'Last=>' & $states.input.customer.lastName %}",
                    "orderValue": "{% $states.input.order.total %}",
                },
            }
        },
        "Basic Input and Output",
    )
    execution_input = {
        "customer": {"firstName": "Martha", "lastName": "Rivera"},
        "order": {"items": 7, "total": 27.91},
    }
    assert output_of(session, definition, execution_input) == {
        "lastName": "Last=>Rivera",
        "orderValue": 27.91,
    }


def test_arguments_evaluate_expressions_and_keep_literals(session):
    """The documented conversion example, as a Parallel state's Arguments (its branches
    receive them as input): "not-evaluated" stays the literal text."""
    branch = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}
    definition = jsonata(
        {
            "Store": {"Type": "Pass", "Assign": {"customerName": "María"}, "Next": "Call"},
            "Call": {
                "Type": "Parallel",
                "Arguments": {
                    "static": "Hello",
                    "title": "{% $states.input.title %}",
                    "name": "{% $customerName %}",
                    "not-evaluated": "$customerName",
                },
                "Branches": [branch],
                "Output": "{% $states.result[0] %}",
                "End": True,
            },
        },
        "Store",
    )
    assert output_of(session, definition, {"title": "Doctor"}) == {
        "static": "Hello",
        "title": "Doctor",
        "name": "María",
        "not-evaluated": "$customerName",
    }


def test_assign_evaluates_every_expression_first_and_assigns_after(session):
    """Documented: starting with $x=3, $a=6, Assign {"x": "{% $a %}", "nextX": "{% $x %}"}
    ends with $x=6, $nextX=3; newly assigned values are visible from the next state."""
    definition = jsonata(
        {
            "Start": {"Type": "Pass", "Assign": {"x": 3, "a": 6}, "Next": "Swap"},
            "Swap": {
                "Type": "Pass",
                "Assign": {"x": "{% $a %}", "nextX": "{% $x %}"},
                "Output": {"xDuringSwap": "{% $x %}"},
                "Next": "Read",
            },
            "Read": {
                "Type": "Pass",
                "Output": "{% $merge([$states.input, {'x': $x, 'nextX': $nextX}]) %}",
                "End": True,
            },
        },
        "Start",
    )
    assert output_of(session, definition) == {"xDuringSwap": 3, "x": 6, "nextX": 3}


def test_choice_condition_reads_variables_and_input(session):
    """The documented Choice: Condition "{% $current_price <= $states.input.desired_price %}"."""
    definition = jsonata(
        {
            "Price": {"Type": "Pass", "Assign": {"current_price": 90}, "Next": "Check Price"},
            "Check Price": {
                "Type": "Choice",
                "Default": "Pause",
                "Choices": [
                    {
                        "Condition": "{% $current_price <= $states.input.desired_price %}",
                        "Next": "Send Notification",
                    }
                ],
            },
            "Send Notification": {"Type": "Pass", "Output": {"went": "notify"}, "End": True},
            "Pause": {"Type": "Pass", "Output": {"went": "pause"}, "End": True},
        },
        "Price",
    )
    assert output_of(session, definition, {"desired_price": 100}) == {"went": "notify"}
    assert output_of(session, definition, {"desired_price": 80}) == {"went": "pause"}


def test_the_functions_step_functions_adds(session):
    output = output_of(
        session,
        pass_output(
            {
                # States.ArrayPartition's documented example: [1..9] by 4
                "partition": "{% $partition([1,2,3,4,5,6,7,8,9], 4) %}",
                # integer parameters are rounded down (documented)
                "partitionRounded": "{% $partition([1,2,3,4,5,6,7,8,9], 4.9) %}",
                # States.ArrayRange(1, 9, 2)'s documented result
                "range": "{% $range(1, 9, 2) %}",
                # States.Hash("input data", "SHA-1")'s documented result
                "hash": "{% $hash('input data', 'SHA-1') %}",
                "uuid": "{% $uuid() %}",
                "seeded": "{% $random(7) = $random(7) %}",
                "random": "{% $random() %}",
                "parsed": "{% $parse($states.input.json_string) %}",
            }
        ),
        {"json_string": '{"a": [1, 2], "b": null}'},
    )
    assert output["partition"] == [[1, 2, 3, 4], [5, 6, 7, 8], [9]]
    assert output["partitionRounded"] == [[1, 2, 3, 4], [5, 6, 7, 8], [9]]
    assert output["range"] == [1, 3, 5, 7, 9]
    assert output["hash"] == "aaff4a450a104cd177d28d18d74485e8cae074b7"
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", output["uuid"]
    )
    assert output["seeded"] is True
    assert 0 <= output["random"] < 1
    assert output["parsed"] == {"a": [1, 2], "b": None}


def _failure(session, definition: dict, execution_input: dict | None = None) -> tuple[str, str]:
    described = run(session, definition, execution_input)
    assert described["status"] == "FAILED"
    return described["error"], described["cause"]


def test_eval_is_not_supported(session):
    error, cause = _failure(session, pass_output({"r": "{% $eval('1+1') %}"}))
    assert error == "States.QueryEvaluationError"
    assert "$eval" in cause


def test_an_expression_that_returns_nothing_fails_naming_its_field(session):
    # AWS's cause, as recorded in ../shared/sfn-parity (BASE_UNDEFINED_OUTPUT_FIELD) and as
    # measured on AWS for nested fields ('Output/a/b')
    error, cause = _failure(session, pass_output({"a": {"b": "{% $states.input.missing %}"}}))
    assert error == "States.QueryEvaluationError"
    assert cause == (
        "An error occurred while executing the state 'P' (entered at the event id #2). The "
        "JSONata expression '$states.input.missing' specified for the field 'Output/a/b' "
        "returned nothing (undefined)."
    )


def test_an_evaluation_error_carries_jsonatas_code_and_message(session):
    # jsonata-js's message for T0410 (what AWS answers for $abs of a string)
    error, cause = _failure(session, pass_output({"v": "{% $abs('x') %}"}))
    assert error == "States.QueryEvaluationError"
    assert cause.endswith(
        "The JSONata expression '$abs('x')' specified for the field 'Output/v' threw an error "
        'during evaluation. T0410: Argument 1 of function "abs" does not match function '
        "signature"
    )


def test_an_evaluation_error_is_caught_by_name(session):
    """Documented: Task, Map and Parallel states can Catch States.QueryEvaluationError."""
    branch = {
        "StartAt": "Bad",
        "States": {"Bad": {"Type": "Pass", "Output": "{% 1 + 'a' %}", "End": True}},
    }
    definition = jsonata(
        {
            "Try": {
                "Type": "Parallel",
                "Branches": [branch],
                "Catch": [
                    {
                        "ErrorEquals": ["States.QueryEvaluationError"],
                        "Output": {"caught": "{% $states.errorOutput.Error %}"},
                        "Next": "Done",
                    }
                ],
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
        "Try",
    )
    assert output_of(session, definition) == {"caught": "States.QueryEvaluationError"}


def test_map_iterations_read_outer_variables_and_keep_their_own(session):
    """Documented: iterations access outer-scope variables, not each other's; when the Map
    completes its variables go out of scope (an outer reference to one is undefined)."""
    processor = {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "Scale",
        "States": {
            "Scale": {
                "Type": "Pass",
                "Assign": {"scaled": "{% $states.input * $factor %}"},
                "Next": "Report",
            },
            "Report": {"Type": "Pass", "Output": "{% $scaled %}", "End": True},
        },
    }
    definition = jsonata(
        {
            "Setup": {"Type": "Pass", "Assign": {"factor": 10}, "Next": "Each"},
            "Each": {
                "Type": "Map",
                "Items": "{% $states.input.values %}",
                "ItemProcessor": processor,
                "Next": "After",
            },
            "After": {"Type": "Pass", "Output": {"results": "{% $states.input %}"}, "End": True},
        },
        "Setup",
    )
    assert output_of(session, definition, {"values": [1, 2, 3]}) == {"results": [10, 20, 30]}
    definition["States"]["After"]["Output"] = {"leaked": "{% $scaled %}"}
    error, cause = _failure(session, definition, {"values": [1]})
    assert error == "States.QueryEvaluationError"
    assert "'$scaled' specified for the field 'Output/leaked' returned nothing" in cause


def test_parallel_branches_read_outer_variables(session):
    def branch(name: str) -> dict:
        return {
            "StartAt": name,
            "States": {
                name: {"Type": "Pass", "Output": f"{{% $prefix & '-{name}' %}}", "End": True}
            },
        }

    definition = jsonata(
        {
            "Setup": {"Type": "Pass", "Assign": {"prefix": "order"}, "Next": "Fork"},
            "Fork": {"Type": "Parallel", "Branches": [branch("a"), branch("b")], "End": True},
        },
        "Setup",
    )
    assert output_of(session, definition) == ["order-a", "order-b"]


def test_variables_in_jsonpath_states(session):
    """Documented: JSONPath states reference variables in any field that takes a path."""
    definition = {
        "StartAt": "Store",
        "States": {
            "Store": {"Type": "Pass", "Assign": {"total.$": "$.order.total"}, "Next": "Use"},
            "Use": {
                "Type": "Pass",
                "Parameters": {"doubled.$": "States.MathAdd($total, $total)"},
                "End": True,
            },
        },
    }
    assert output_of(session, definition, {"order": {"total": 21}}) == {"doubled": 42}


def test_the_context_object_has_the_redrive_count(session):
    output = output_of(session, pass_output("{% $states.context.Execution %}"))
    assert output["RedriveCount"] == 0
    assert "RedriveTime" not in output  # documented: only once an execution is redriven


def test_a_wait_beyond_the_limit_fails_at_once(session):
    """AWS: 24,855 days of Wait are accepted, 24,856 fail at once (recorded in
    ../shared/sfn-parity, test_timestamp_too_far_in_future_boundary)."""
    definition = {
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 24856 * 86400, "End": True}},
    }
    started = time.monotonic()
    error, cause = _failure(session, definition)
    assert (error, cause) == (
        "States.Runtime",
        "An error occurred while executing the state 'W' (entered at the event id #2). Wait "
        "state delay is too long.",
    )
    assert time.monotonic() - started < DEADLINE_S


def test_a_definition_whose_jsonata_does_not_parse_is_refused(session):
    sfn = session.client("stepfunctions")
    with pytest.raises(sfn.exceptions.InvalidDefinition) as refused:
        sfn.create_state_machine(
            name=unique("bad-jsonata"),
            definition=json.dumps(pass_output({"v": "{% 1 + %}"})),
            roleArn=role_arn(session),
        )
    assert refused.value.response["Error"]["Message"] == (
        "Invalid State Machine Definition: 'INVALID_JSONATA_EXPRESSION: Unexpected end of "
        "expression at /States/P/Output/v'"
    )


def test_a_definition_moto_cannot_parse_is_invalid_definition(session):
    """An SDK sees the error type (moto's own refusal carried none)."""
    sfn = session.client("stepfunctions")
    with pytest.raises(sfn.exceptions.InvalidDefinition):
        sfn.create_state_machine(
            name=unique("bad-asl"),
            definition=json.dumps({"StartAt": "X", "States": {"X": {"Type": "NoSuchType"}}}),
            roleArn=role_arn(session),
        )


def test_a_number_out_of_range_is_a_query_evaluation_error(session):
    error, cause = _failure(session, pass_output({"v": "{% 1 / 0 %}"}))
    assert error == "States.QueryEvaluationError"
    assert "'Output/v' threw an error during evaluation. D1001:" in cause
