"""The JSONata checks AWS makes when a definition is created, read from the definition alone.

Expected texts: AWS's answers as measured by the Floci project against AWS
(floci-io/floci issues 2745 and 2670): the parser's message with INVALID_JSONATA_EXPRESSION,
UNSUPPORTED_JSONATA_EXPRESSION for a field read at the top level, and the JSON pointer.
"""

from __future__ import annotations

from infra_scripts.localcloud.services.stepfunctions.definitions import jsonata_problems


def machine(output, language: str = "JSONata") -> dict:
    return {
        "QueryLanguage": language,
        "StartAt": "E",
        "States": {"E": {"Type": "Pass", "Output": output, "End": True}},
    }


def test_an_expression_that_does_not_parse_is_refused_with_its_pointer():
    assert jsonata_problems(machine({"v": "{% 1 + %}"})) == [
        "INVALID_JSONATA_EXPRESSION: Unexpected end of expression at /States/E/Output/v"
    ]


def test_the_parser_message_is_jsonata_js_wording():
    assert jsonata_problems(machine("{% a[1,2) %}")) == [
        'INVALID_JSONATA_EXPRESSION: Expected "]", got "," at /States/E/Output'
    ]


def test_a_field_read_at_the_top_level_is_refused():
    assert jsonata_problems(machine({"v": "{% phone %}"})) == [
        "UNSUPPORTED_JSONATA_EXPRESSION: Reference to 'phone' at the top level is not "
        "supported. at /States/E/Output/v"
    ]


def test_fields_read_from_states_variables_or_inside_predicates_are_fine():
    for expression in (
        "{% $states.input.items[price > 10].name %}",
        "{% $map($states.input.xs, function($v){ $v.y }) %}",
        "{% $states.input.{'k': b} %}",
        "{% ($x := 3; $x + $states.input.n) %}",
        "{% $sum($states.input.items.price) %}",
    ):
        assert jsonata_problems(machine({"v": expression})) == [], expression


def test_jsonpath_states_keep_percent_strings_as_literals():
    assert jsonata_problems(machine({"v": "{% 1 + %}"}, language="JSONPath")) == []


def test_nested_states_take_the_machine_language_and_their_pointer():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "Items": "{% $states.input.xs %}",
                "ItemProcessor": {
                    "StartAt": "P",
                    "States": {"P": {"Type": "Pass", "Output": ["{% 1 + %}"], "End": True}},
                },
                "End": True,
            }
        },
    }
    assert jsonata_problems(definition) == [
        "INVALID_JSONATA_EXPRESSION: Unexpected end of expression at "
        "/States/M/ItemProcessor/States/P/Output/0"
    ]
