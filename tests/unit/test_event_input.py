"""EventBridge target input: Input, InputPath and InputTransformer as AWS applies them."""

from __future__ import annotations

import json

from infra_scripts.localcloud.services.events.patches import aws_shaped, target_input

EVENT = {
    "id": "17793124-05d4-b198-2fde-7ededc63b103",
    "time": 1767225600.0,
    "source": "aws.s3",
    "detail": {"bucket": {"name": "raw"}, "object": {"key": 'incoming/a "b".csv', "size": 7}},
}


def test_whole_event_by_default():
    assert json.loads(target_input({}, EVENT, "r")) == EVENT


def test_constant_input_wins():
    assert target_input({"Input": '{"fixed": true}', "InputPath": "$.detail"}, EVENT, "r") == (
        '{"fixed": true}'
    )


def test_input_path():
    assert json.loads(target_input({"InputPath": "$.detail.object.size"}, EVENT, "r")) == 7


def test_transformer_quotes_strings_only_outside_json_strings():
    template = '{"key": <k>, "size": <n>, "text": "got <k> (<n> bytes) by <aws.events.rule-name>"}'
    target = {
        "InputTransformer": {
            "InputPathsMap": {"k": "$.detail.object.key", "n": "$.detail.object.size"},
            "InputTemplate": template,
        }
    }
    result = json.loads(target_input(target, EVENT, "my-rule"))
    assert result == {
        "key": 'incoming/a "b".csv',
        "size": 7,
        "text": 'got incoming/a "b".csv (7 bytes) by my-rule',
    }


def test_events_get_a_fresh_id_and_iso_time():
    shaped = aws_shaped(EVENT)
    assert shaped["id"] != EVENT["id"]
    assert shaped["time"] == "2026-01-01T00:00:00Z"
    assert aws_shaped(EVENT)["id"] != shaped["id"]
