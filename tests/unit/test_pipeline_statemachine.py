"""The ASL template, its renderer, and the rule that feeds it."""

from __future__ import annotations

import json

import pytest

from pipeline_src import events
from pipeline_src.statemachine import TEMPLATE, PlaceholderError, placeholders, render

VALUES = {
    "ValidateFunctionArn": "arn:aws:lambda:us-east-1:1:function:validate",
    "NotifyFunctionArn": "arn:aws:lambda:us-east-1:1:function:notify",
    "GlueJobName": 'job "quoted"',
}


def definition() -> dict:
    return json.loads(render(VALUES))


def test_render_fills_every_placeholder():
    text = render(VALUES)
    assert "${" not in text
    states = json.loads(text)["States"]
    assert states["TransformFile"]["Parameters"]["JobName"] == 'job "quoted"'
    assert states["ValidateFile"]["Parameters"]["FunctionName"] == VALUES["ValidateFunctionArn"]


@pytest.mark.parametrize(
    "values",
    [
        {k: v for k, v in VALUES.items() if k != "GlueJobName"},
        {**VALUES, "Unknown": "x"},
    ],
    ids=["missing", "unknown"],
)
def test_render_refuses_missing_and_unknown_placeholders(values):
    with pytest.raises(PlaceholderError):
        render(values)


def test_template_placeholders_are_the_documented_ones():
    assert placeholders(TEMPLATE.read_text()) == set(VALUES)


def test_every_task_is_caught_and_the_flow_is_short():
    states = definition()["States"]
    tasks = {name: s for name, s in states.items() if s["Type"] == "Task"}
    for name, state in tasks.items():
        if name != "NotifyFailure":
            assert state["Catch"][0]["ErrorEquals"] == ["States.ALL"], name
            assert state["Catch"][0]["Next"] == "NotifyFailure", name
    assert states["NotifyFailure"]["Next"] == "PipelineFailed"
    assert states["FileRejected"] == {
        **states["FileRejected"],
        "Type": "Fail",
        "Error": "FileRejected",
    }
    # success path: ValidateFile → IsValid → TransformFile → NotifySuccess (4 transitions)
    assert states["ValidateFile"]["Next"] == "IsValid"
    assert states["IsValid"]["Choices"][0]["Next"] == "TransformFile"
    assert states["TransformFile"]["Next"] == "NotifySuccess" and states["NotifySuccess"]["End"]
    assert states["IsValid"]["Default"] == "Quarantine"
    assert states["Quarantine"]["Next"] == "NotifyRejected"
    assert states["NotifyRejected"]["Next"] == "FileRejected"


def test_glue_task_is_sync_and_retries_transient_errors_with_backoff():
    state = definition()["States"]["TransformFile"]
    assert state["Resource"] == "arn:aws:states:::glue:startJobRun.sync"
    retry = state["Retry"][0]
    assert "Glue.ConcurrentRunsExceededException" in retry["ErrorEquals"]
    assert "States.ALL" not in retry["ErrorEquals"]  # a bad file is not retried
    assert retry["BackoffRate"] > 1 and retry["MaxAttempts"] >= 2


def test_quarantine_copies_the_exact_version_with_its_reason():
    params = definition()["States"]["Quarantine"]["Parameters"]
    assert definition()["States"]["Quarantine"]["Resource"].endswith("aws-sdk:s3:copyObject")
    assert params["CopySource.$"] == "$.validation.report.quarantine.copy_source"
    assert params["MetadataDirective"] == "REPLACE" and params["TaggingDirective"] == "REPLACE"


def test_rule_input_accepts_both_shapes():
    raw = {
        "time": "2026-11-02T10:00:00Z",
        "detail": {
            "bucket": {"name": "raw"},
            "object": {"key": "incoming/a.csv", "size": 5, "version-id": "v1"},
        },
    }
    shaped = {
        "bucket": "raw",
        "key": "incoming/a.csv",
        "version_id": "v1",
        "size": 5,
        "uploaded_at": "2026-11-02T10:00:00Z",
    }
    assert events.source_from_event(raw) == events.source_from_event(shaped) == shaped
    assert events.source_from_event({**shaped, "version_id": None})["version_id"] == ""
    pattern = events.event_pattern("raw")
    assert pattern["detail"]["object"]["key"] == [{"prefix": "incoming/"}]


def test_a_failed_glue_run_is_retried_once_after_the_transient_errors():
    retriers = definition()["States"]["TransformFile"]["Retry"]
    # first match wins: the API errors keep their own backoff, any other failure runs once more
    assert retriers[-1]["ErrorEquals"] == ["States.TaskFailed"]
    assert retriers[-1]["MaxAttempts"] == 1
    assert all("States.TaskFailed" not in r["ErrorEquals"] for r in retriers[:-1])
