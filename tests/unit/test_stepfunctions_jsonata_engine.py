"""The local cloud's JSONata evaluator: values in, values out, errors by kind."""

from __future__ import annotations

import pytest

from infra_scripts.localcloud.services.stepfunctions.jsonata import (
    InternalEvaluationError,
    JSONataEvaluationError,
    Undefined,
    UnsupportedResult,
    evaluator,
)


def test_a_result_is_a_copy_of_the_bound_value():
    """The interpreter edits task parameters in place; a variable must not change with them
    (in a Map, concurrent iterations share the outer variables)."""
    variable = {"QueueUrl": "q", "MessageBody": {"a": 1}}
    result = evaluator().evaluate("$p", {"p": variable})
    result["MessageBody"] = "changed"
    assert variable == {"QueueUrl": "q", "MessageBody": {"a": 1}}


def test_null_is_a_value_and_undefined_is_not():
    assert evaluator().evaluate("$x", {"x": None}) is None
    with pytest.raises(Undefined):
        evaluator().evaluate("$states.input.missing", {"states": {"input": {}}})


def test_each_failure_has_its_kind():
    with pytest.raises(UnsupportedResult):
        evaluator().evaluate("function($x){ $x }", {})
    with pytest.raises(JSONataEvaluationError) as coded:
        evaluator().evaluate("1 + 'a'", {})
    assert (coded.value.code, coded.value.message) == (
        "T2002",
        'The right side of the "+" operator must evaluate to a number',
    )
    with pytest.raises(InternalEvaluationError):  # jsonata-python raises a bare TypeError
        evaluator().evaluate("$sort([1, 'a'])", {})
