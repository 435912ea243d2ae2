"""Follow Step Functions executions: list, wait (with a deadline), and per-state timelines."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import boto3
import pandas as pd

from infra_scripts.exceptions import ExecutionFailedError, WaitTimeoutError

TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


def list_executions(
    session: boto3.Session, state_machine_arn: str, *, since: datetime | None = None
) -> pd.DataFrame:
    """Executions of the state machine (newest first) with their input's S3 key."""
    sfn = session.client("stepfunctions")
    rows = []
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=state_machine_arn):
        for ex in page["executions"]:
            if since is not None and ex["startDate"] < since:
                continue
            rows.append(
                {
                    "name": ex["name"],
                    "status": ex["status"],
                    "started": ex["startDate"],
                    "stopped": ex.get("stopDate"),
                    "arn": ex["executionArn"],
                }
            )
    frame = pd.DataFrame(rows, columns=["name", "status", "started", "stopped", "arn"])
    if not frame.empty:
        for column in ("started", "stopped"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        frame["seconds"] = (frame["stopped"] - frame["started"]).dt.total_seconds()
        frame["key"] = [_input_key(sfn, arn) for arn in frame["arn"]]
    return frame.sort_values("started", ascending=False, ignore_index=True)


def execution_input(sfn: Any, execution_arn: str) -> dict[str, Any]:
    """The JSON input an execution started with ({} if it is not a JSON object)."""
    described = sfn.describe_execution(executionArn=execution_arn)
    try:
        doc = json.loads(described.get("input") or "{}")
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _input_key(sfn: Any, execution_arn: str) -> str | None:
    doc = execution_input(sfn, execution_arn)
    detail = doc.get("detail", doc)
    return (detail.get("object") or {}).get("key") or doc.get("key")


def poll_executions(
    session: boto3.Session,
    state_machine_arn: str,
    *,
    ready: Callable[[pd.DataFrame], bool],
    timeout_message: Callable[[pd.DataFrame], str],
    since: datetime | None = None,
    deadline_s: float = 120.0,
    poll_s: float = 0.5,
) -> pd.DataFrame:
    """List the executions (started after ``since``) until ``ready(frame)``; after
    ``deadline_s``, :class:`WaitTimeoutError` with ``timeout_message(frame)``."""
    deadline = time.monotonic() + deadline_s
    while True:
        frame = list_executions(session, state_machine_arn, since=since)
        if ready(frame):
            return frame
        if time.monotonic() > deadline:
            raise WaitTimeoutError(timeout_message(frame))
        time.sleep(poll_s)


def finished(frame: pd.DataFrame) -> pd.DataFrame:
    """The executions of ``frame`` that are no longer running."""
    return frame[frame["status"].isin(TERMINAL)] if not frame.empty else frame


def wait_for_executions(
    session: boto3.Session,
    state_machine_arn: str,
    *,
    count: int,
    since: datetime,
    deadline_s: float = 120.0,
    poll_s: float = 0.5,
) -> pd.DataFrame:
    """Wait until ``count`` executions started after ``since`` have finished."""
    return poll_executions(
        session,
        state_machine_arn,
        since=since,
        ready=lambda frame: len(finished(frame)) >= count,
        timeout_message=lambda frame: (
            f"{len(finished(frame))} of {count} executions finished within {deadline_s:.0f}s "
            f"({len(frame)} started); see `retailkit local logs` or the Step Functions console"
        ),
        deadline_s=deadline_s,
        poll_s=poll_s,
    )


def raise_for_failures(executions: pd.DataFrame, session: boto3.Session) -> None:
    """Raise :class:`ExecutionFailedError` with AWS's error and cause for the first failure."""
    failed = executions[executions["status"] != "SUCCEEDED"]
    if failed.empty:
        return
    described = session.client("stepfunctions").describe_execution(
        executionArn=failed.iloc[0]["arn"]
    )
    raise ExecutionFailedError(
        described["executionArn"], described.get("error"), described.get("cause")
    )


def state_timeline(session: boto3.Session, execution_arns: Iterable[str]) -> pd.DataFrame:
    """One row per state of each execution: entered, exited, seconds (for a Gantt chart).

    A state that was entered but never exited — a Fail state such as ``FileRejected``, or
    the state a still-running execution is in — ends at the history's last event.
    """
    sfn = session.client("stepfunctions")
    rows = []
    for arn in execution_arns:
        history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        execution = arn.rsplit(":", 1)[-1]
        entered: dict[str, datetime] = {}
        for event in history:
            if "stateEnteredEventDetails" in event:
                entered[event["stateEnteredEventDetails"]["name"]] = event["timestamp"]
            elif "stateExitedEventDetails" in event:
                name = event["stateExitedEventDetails"]["name"]
                start = entered.pop(name, event["timestamp"])
                rows.append(
                    {
                        "execution": execution,
                        "state": name,
                        "entered": start,
                        "exited": event["timestamp"],
                    }
                )
        last = history[-1]["timestamp"] if history else None
        rows += [
            {"execution": execution, "state": name, "entered": start, "exited": max(start, last)}
            for name, start in entered.items()
        ]
    frame = pd.DataFrame(rows, columns=["execution", "state", "entered", "exited"])
    if not frame.empty:
        for column in ("entered", "exited"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        frame["seconds"] = (frame["exited"] - frame["entered"]).dt.total_seconds()
    return frame


def _file_labels(executions: pd.DataFrame | None) -> dict[str, str]:
    """Execution name → uploaded file name (the key's last part), when ``executions`` is given."""
    if executions is None or executions.empty:
        return {}
    names = (
        executions["name"] if "name" in executions else executions["arn"].str.rsplit(":").str[-1]
    )
    files = executions["key"].fillna("").str.rsplit("/", n=1).str[-1]
    return dict(zip(names, files, strict=True))


def time_by_state(timeline: pd.DataFrame) -> pd.DataFrame:
    """Per state, in the order they first ran: runs, mean and longest seconds, total seconds."""
    from infra_scripts.ops.tables import whole

    ordered = timeline.sort_values("entered", kind="stable")  # ties: the history's order
    stats = ordered.groupby("state", sort=False)["seconds"].agg(
        runs="count", mean_s="mean", max_s="max", total_s="sum"
    )
    return whole(stats.round(2))


def state_paths(timeline: pd.DataFrame, executions: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per execution: the states it went through, its longest state and seconds.

    The path shows the state machine's branch each file took (TransformFile for a valid
    file, Quarantine for a rejected one).
    """
    from infra_scripts.ops.tables import whole

    labels = _file_labels(executions)
    rows = []
    ordered = timeline.sort_values("entered", kind="stable")  # ties: the history's order
    for execution, states in ordered.groupby("execution", sort=False):
        longest = states.loc[states["seconds"].idxmax()]
        rows.append(
            {
                "file": labels.get(execution, execution),
                "path": " → ".join(states["state"]),
                "longest_state": longest["state"],
                "longest_s": round(float(longest["seconds"]), 2),
                "states_s": round(float(states["seconds"].sum()), 2),
            }
        )
    columns = ["file", "path", "longest_state", "longest_s", "states_s"]
    frame = pd.DataFrame(rows, columns=columns).sort_values("file", ignore_index=True)
    return whole(frame)


def slowest_states(timeline: pd.DataFrame, executions: pd.DataFrame | None = None) -> str:
    """Where the time went, in words computed from ``timeline`` (for the notebook's text).

    The state with the longest mean, the runner-up, and how many files had each state as
    their longest one.
    """
    if timeline.empty:
        return "No state has run yet."
    by_state = time_by_state(timeline).sort_values("mean_s", ascending=False)
    first, *others = list(by_state.itertuples())

    def runs(n: int) -> str:
        return f"{n} run" + ("" if n == 1 else "s")

    text = f"Slowest state on average: {first.Index}, {first.mean_s:.2f} s ({runs(first.runs)})"
    if others:
        text += f"; next {others[0].Index}, {others[0].mean_s:.2f} s ({runs(others[0].runs)})"
    longest = state_paths(timeline, executions)["longest_state"].value_counts()
    counts = [f"{state} for {n} file" + ("" if n == 1 else "s") for state, n in longest.items()]
    return f"{text}.\nLongest state of each file: {', '.join(counts)}."
