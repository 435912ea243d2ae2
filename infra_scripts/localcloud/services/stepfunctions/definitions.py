"""What AWS checks in a definition's JSONata when it is created or updated, and moto did not.

AWS parses every JSONata expression of a JSONata state before it stores the definition, and
refuses (``InvalidDefinition``) one that does not parse or that reads a field of the context
item at its top level (Step Functions evaluates expressions without one: data comes from
``$states`` and variables)::

    Invalid State Machine Definition: 'INVALID_JSONATA_EXPRESSION: Unexpected end of
    expression at /States/Main/Output'
    Invalid State Machine Definition: 'UNSUPPORTED_JSONATA_EXPRESSION: Reference to 'phone'
    at the top level is not supported. at /States/E/Output/v'

(as AWS answers, measured by the Floci project: floci-io/floci issues 2745 and 2670). The
states of a Map's ItemProcessor and of Parallel branches take the machine's language.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from jsonata import jexception
from jsonata import jsonata as jsonata_engine

from infra_scripts.localcloud.motolayer.patching import replace, require
from infra_scripts.localcloud.services.stepfunctions.jsonata import evaluation_error

# State fields holding further states (they are checked as states, not as expressions).
_NESTED_STATES = {"ItemProcessor", "Iterator"}


def jsonata_problems(definition: dict[str, Any]) -> list[str]:
    """Every problem AWS reports in the definition's JSONata, as ``CODE: text at /pointer``."""
    language = definition.get("QueryLanguage", "JSONPath")
    return list(_problems_in_states(definition.get("States") or {}, "/States", language))


def _problems_in_states(states: dict[str, Any], pointer: str, language: str) -> Iterator[str]:
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        here = f"{pointer}/{_escape(name)}"
        state_language = state.get("QueryLanguage", language)
        for field, value in state.items():
            if field in _NESTED_STATES and isinstance(value, dict):
                yield from _problems_in_states(
                    value.get("States") or {}, f"{here}/{field}/States", language
                )
            elif field == "Branches" and isinstance(value, list):
                for index, branch in enumerate(value):
                    if isinstance(branch, dict):
                        yield from _problems_in_states(
                            branch.get("States") or {}, f"{here}/Branches/{index}/States", language
                        )
            elif state_language == "JSONata":
                for where, expression in _expressions(value, f"{here}/{_escape(field)}"):
                    problem = expression_problem(expression)
                    if problem:
                        yield f"{problem} at {where}"


def _expressions(value: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """The ``{% … %}`` strings in a field's value, with their JSON pointers."""
    if isinstance(value, str):
        if value.startswith("{%") and value.endswith("%}"):
            yield pointer, value[2:-2].strip()
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _expressions(item, f"{pointer}/{_escape(key)}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _expressions(item, f"{pointer}/{index}")


def _escape(token: str) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def expression_problem(expression: str) -> str | None:
    """Why AWS would refuse ``expression`` at definition time, or None."""
    try:
        tree = jsonata_engine.Jsonata(expression).ast
    except jexception.JException as exc:
        return f"INVALID_JSONATA_EXPRESSION: {evaluation_error(exc).message}"
    names = list(_top_level_names(tree))
    if names:
        return (
            f"UNSUPPORTED_JSONATA_EXPRESSION: Reference to '{names[0]}' at the top level is "
            "not supported."
        )
    return None


def _top_level_names(node: Any) -> Iterator[str]:
    """Field names read from the (absent) top-level context item.

    Only what is certainly evaluated against the top level is walked: the first step of a
    path, operands, function arguments, conditions, blocks, array and object constructors.
    Predicates, later path steps, group-bys and function bodies have a context of their own.
    """
    kind = getattr(node, "type", None)
    if kind == "name":
        yield str(node.value)
    elif kind == "path":
        steps = getattr(node, "steps", None) or []
        if steps:  # the first step reads the top level (its predicates do not)
            yield from _top_level_names(steps[0])
    elif kind in ("function", "partial"):
        for argument in getattr(node, "arguments", None) or []:
            yield from _top_level_names(argument)
    elif kind in ("binary", "apply"):
        yield from _top_level_names(getattr(node, "lhs", None))
        yield from _top_level_names(getattr(node, "rhs", None))
    elif kind == "bind":
        yield from _top_level_names(getattr(node, "rhs", None))
    elif kind == "condition":
        for part in ("condition", "then", "_else"):
            yield from _top_level_names(getattr(node, part, None))
    elif kind == "block":
        for expression in getattr(node, "expressions", None) or []:
            yield from _top_level_names(expression)
    elif kind == "unary":
        if node.value == "-":
            yield from _top_level_names(getattr(node, "expression", None))
        elif node.value == "[":
            for expression in getattr(node, "expressions", None) or []:
                yield from _top_level_names(expression)
        elif node.value == "{":
            for pair in getattr(node, "lhs_object", None) or []:
                for part in pair:
                    yield from _top_level_names(part)


def install() -> None:
    """Refuse at CreateStateMachine/UpdateStateMachine what AWS refuses (interpreter loaded).

    moto's own refusals get their error type too: its parser module's InvalidDefinition
    carries none, so an SDK saw an error with an empty code.
    """
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.parser import api, models

    backend = require(models, "StepFunctionsParserBackend")
    parser_invalid = require(api, "InvalidDefinition")
    original = require(backend, "_validate_definition")

    def refuse(message: str) -> AWSError:
        return AWSError(message, exception_type="InvalidDefinition")

    def validate_definition(definition: str) -> None:
        try:
            original(definition)
        except parser_invalid as exc:
            raise refuse(str(getattr(exc, "message", "") or exc)) from None
        try:
            document = json.loads(definition)
        except ValueError:
            return  # moto's own check reports it
        problems = jsonata_problems(document) if isinstance(document, dict) else []
        if problems:
            listed = ", ".join(f"'{problem}'" for problem in problems)
            raise refuse(f"Invalid State Machine Definition: {listed}")

    replace(backend, "_validate_definition", staticmethod(validate_definition))
