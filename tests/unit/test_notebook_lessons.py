"""What the notebooks show a learner: whole tables, sentences computed from the data, the
architecture figure as the state machine really runs, and the hidden test checks."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from matplotlib.patches import FancyBboxPatch

from infra_scripts import notebooks
from infra_scripts.cost import Workload, estimate
from infra_scripts.ops import charts
from infra_scripts.ops.executions import slowest_states, state_paths, time_by_state
from infra_scripts.ops.queries import (
    QueryResult,
    pipeline_cost_summary,
    pipeline_cost_table,
    scan_comparison,
)
from infra_scripts.ops.tables import WholeFrame, whole
from pipeline_src.statemachine import TEMPLATE

LONG = "REPORT RequestId: 7567424e-138b-459b-94b4-e0d8390908c4 Duration: 83.71 ms " * 3


# --- whole tables ------------------------------------------------------------------------
def test_whole_frames_show_every_character_and_stay_whole_when_sliced():
    frame = whole(pd.DataFrame({"message": [LONG, "<b>&"], "n": [1, 2]}))
    html = frame._repr_html_()
    assert LONG.strip() in html and "…" not in html and "..." not in html
    assert "&lt;b&gt;&amp;" in html  # escaped
    assert "white-space: pre-wrap" in html  # long text wraps instead of widening the page
    assert LONG.strip() in repr(frame)
    assert isinstance(frame[["message"]], WholeFrame)
    assert isinstance(frame.sort_values("n"), WholeFrame)
    assert frame[["message"]].to_string(index=False).count("Duration") == 3


def test_plain_frames_would_have_cut_it():  # what the notebooks showed before
    with pd.option_context("display.max_colwidth", 50):
        assert "..." in pd.DataFrame({"message": [LONG]})._repr_html_()


# --- where the time goes, computed ---------------------------------------------------------
def timeline(validate_s: float, transform_s: float) -> pd.DataFrame:
    t0 = pd.Timestamp("2026-01-01T00:00:00Z")
    at = [t0 + pd.Timedelta(seconds=s) for s in (0, validate_s, validate_s)]
    rows = [  # ties (IsValid is instant): the history's order must hold
        ("e1", "ValidateFile", at[0], validate_s),
        ("e1", "IsValid", at[1], 0.0),
        ("e1", "TransformFile", at[2], transform_s),
        ("e2", "ValidateFile", at[0], 1.0),
        ("e2", "IsValid", at[0] + pd.Timedelta(seconds=1), 0.0),
        ("e2", "Quarantine", at[0] + pd.Timedelta(seconds=1), 0.5),
        ("e2", "FileRejected", at[0] + pd.Timedelta(seconds=1.5), 0.0),
    ]
    return pd.DataFrame(rows, columns=["execution", "state", "entered", "seconds"])


EXECUTIONS = pd.DataFrame({"name": ["e1", "e2"], "key": ["incoming/a.xlsx", "incoming/bad.csv"]})


def test_paths_show_each_files_branch_in_order():
    paths = state_paths(timeline(2.0, 3.0), EXECUTIONS)
    assert paths["path"].tolist() == [
        "ValidateFile → IsValid → TransformFile",
        "ValidateFile → IsValid → Quarantine → FileRejected",
    ]
    assert paths["longest_state"].tolist() == ["TransformFile", "ValidateFile"]


@pytest.mark.parametrize(
    ("validate_s", "transform_s", "slowest"),
    [(2.0, 9.0, "TransformFile"), (7.0, 3.0, "ValidateFile")],
)
def test_the_slowest_state_is_computed_not_assumed(validate_s, transform_s, slowest):
    text = slowest_states(timeline(validate_s, transform_s), EXECUTIONS)
    assert text.startswith(f"Slowest state on average: {slowest},")
    by_state = time_by_state(timeline(validate_s, transform_s))
    assert by_state["mean_s"].idxmax() == slowest
    assert by_state.index[0] == "ValidateFile" and by_state.loc["IsValid", "runs"] == 2


# --- Athena: scans compared, the pipeline's cost without the test's target -----------------
def test_scan_comparison_says_what_each_query_read():
    frame = pd.DataFrame()
    full = QueryResult("revenue_by_genre", "athena", frame, 0.1, 200 * 1024)
    view = QueryResult("Fiction, view", "athena", frame, 0.1, 200 * 1024)
    table = QueryResult("Fiction, table", "athena", frame, 0.1, 20 * 1024)
    assert scan_comparison(full, view, table) == (
        "revenue_by_genre scanned 200.0 KB; Fiction, view 200.0 KB (100% of it); "
        "Fiction, table 20.0 KB (10% of it)."
    )


def test_the_cost_lesson_shows_the_estimate_and_no_test_target():
    est = estimate(Workload(files_per_day=1, rows_per_file=100, queries_per_day=8))
    table = pipeline_cost_table(est)
    shown = table.to_string() + pipeline_cost_summary(est)
    assert "Target" not in shown and "met" not in shown.split()
    assert table.iloc[-3]["what"] == "per file" and table.iloc[-3]["kit"].startswith("$")
    assert f"${est.per_file('kit'):.7f}" in pipeline_cost_summary(est)


# --- the architecture figure ---------------------------------------------------------------
@pytest.fixture(scope="module")
def asl() -> dict:
    return json.loads(TEMPLATE.read_text(encoding="utf-8"))


def test_the_figure_branches_as_the_state_machine_does(asl):
    edges = charts.state_transitions(asl)
    assert ("ValidateFile", "IsValid", "") in edges
    assert ("IsValid", "TransformFile", "valid") in edges
    assert ("IsValid", "Quarantine", "invalid") in edges
    drawn = {*charts.ARCH_BOXES, charts.ARCH_CHOICE}
    # every transition between the states the figure draws (Fail states and NotifyFailure,
    # named in a note, apart) is one of its arrows
    states = {n for n, s in asl["States"].items() if s["Type"] != "Fail"} - {"NotifyFailure"}
    assert states <= drawn
    # the branches are apart: TransformFile above IsValid, Quarantine below it
    rows = {name: charts.ARCH_BOXES[name][1] for name in ("TransformFile", "Quarantine")}
    assert rows == {"TransformFile": "valid", "Quarantine": "invalid"}
    fig = charts.architecture(asl=asl)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "valid" in labels and "invalid" in labels


def test_the_figure_is_readable_at_its_size():
    fig = charts.architecture(
        {"raw_bucket": "tour-1207013343-45f3-raw-eb805c6c"}, partition="genre"
    )
    ax = fig.axes[0]
    texts = [*ax.texts, ax.title]
    assert min(t.get_fontsize() for t in texts) >= 10  # points, at 100 dpi: as displayed
    assert fig.get_size_inches()[0] <= 10  # the notebook shows it unscaled up to 1000 px
    assert not any("=" in t.get_text() or "…" in t.get_text() for t in texts)
    assert any("partitioned" in t.get_text() and "genre" in t.get_text() for t in texts)
    fig.draw_without_rendering()  # the constrained layout, as when the notebook shows it
    renderer = fig._get_renderer()
    boxes = [p.get_window_extent(renderer) for p in ax.patches if isinstance(p, FancyBboxPatch)]
    for text in ax.texts:  # the text in a box fits in it
        extent = text.get_window_extent(renderer)
        middle = (extent.x0 + extent.width / 2, extent.y0 + extent.height / 2)
        inside = [b for b in boxes[1:] if b.x0 <= middle[0] <= b.x1 and b.y0 <= middle[1] <= b.y1]
        for box in inside:
            assert extent.width <= box.width and extent.height <= box.height, text.get_text()


# --- the hidden test checks ------------------------------------------------------------------
def test_expect_passes_quietly_and_fails_with_a_diff(monkeypatch, capsys):
    monkeypatch.setenv(notebooks.CHECKS_ENV, "strict")
    frame = pd.DataFrame({"key": ["a.csv", "b.csv"], "status": ["SUCCEEDED", "FAILED"]})
    notebooks.expect("statuses", frame, "\n  key    status\na.csv SUCCEEDED\nb.csv    FAILED\n")
    assert capsys.readouterr().out == ""
    with pytest.raises(notebooks.CheckFailedError, match=r"(?s)'statuses'.*\+b.csv +FAILED"):
        notebooks.expect("statuses", frame, "key status\na.csv SUCCEEDED\nb.csv SUCCEEDED")
    monkeypatch.setenv(notebooks.CHECKS_ENV, "report")
    notebooks.expect("statuses", frame, "something else")
    assert "differs from the reference run" in capsys.readouterr().out


def test_checks_are_strict_except_in_a_jupyter_server_kernel():
    assert notebooks.check_mode({}) == "strict"  # nbval, papermill by hand
    assert notebooks.check_mode({"JPY_SESSION_NAME": "/nb/03.ipynb"}) == "report"  # the lab
    assert notebooks.check_mode({notebooks.CHECKS_ENV: "strict", "JPY_SESSION_NAME": "x"}) == (
        "strict"
    )
    assert notebooks.check_mode({notebooks.CHECKS_ENV: "report"}) == "report"


def test_as_text_reads_frames_series_lists_and_values():
    assert notebooks.as_text(pd.Series({"files": 7, "rows": 610})) == "files      7\nrows     610"
    assert notebooks.as_text(["b", "a"]) == "b\na"
    assert notebooks.as_text(True) == "True"
    assert notebooks.as_text("\n  x  \ny\n") == "  x\ny"


def test_log_events_read_as_a_log_whole():
    from infra_scripts.ops.tables import LogEvents

    message = '{"source": {"key": "incoming/sales.csv"}, "rows_read": 100} ' * 40
    events = LogEvents(
        {
            "time": pd.to_datetime(["2026-12-07T02:06:44.174Z"]),
            "job_run": ["jr_d0aaaf8f354c705f21b110478bef51170ad048fc59fa110ea6da60cd71f9775c"],
            "message": [message],
        }
    )
    html = events._repr_html_()
    assert "2026-12-07 02:06:44.174+00:00 · jr_d0aaaf8f354c" in html
    assert message.replace('"', "&quot;") in html and "white-space: pre-wrap" in html
    assert message in repr(events)
    assert isinstance(events[["time", "message"]], LogEvents)
    assert "<table" in events[["time", "job_run"]]._repr_html_()  # no message: a table


def test_headers_may_break_at_underscores_and_are_escaped():
    html = whole(pd.DataFrame({"max_memory_used_mb": [48], "<b>": ["x"]}))._repr_html_()
    assert "max_<wbr>memory_<wbr>used_<wbr>mb" in html and "&lt;b&gt;" in html


def test_the_figure_names_the_stacks_partition_column():
    from infra_scripts.contracts import outputs_entry
    from pipeline_src.contracts import model

    cafe = charts.architecture(outputs_entry(model.get("cafe")))
    texts = [t.get_text() for t in cafe.axes[0].texts]
    assert any("partitioned" in t and "category" in t for t in texts)
    plain = [t.get_text() for t in charts.architecture().axes[0].texts]
    assert any("per partition value" in t for t in plain) and not any("genre" in t for t in plain)
