"""Operator helpers against the smoke stack: upload, wait for executions, timelines."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from infra_scripts.exceptions import WaitTimeoutError
from infra_scripts.ops.executions import (
    TERMINAL,
    list_executions,
    state_timeline,
    wait_for_executions,
)
from infra_scripts.ops.inspection import wait_for_all, wait_for_started
from infra_scripts.ops.uploads import upload_files
from infra_scripts.smoke import deploy_smoke
from tests.helpers import unique

pytestmark = pytest.mark.localcloud


@pytest.fixture(scope="module")
def smoke(local_cloud, session):
    settings = dataclasses.replace(local_cloud.settings, stack_name=unique("ops"))
    return deploy_smoke(session, settings)


def test_upload_then_wait_then_timeline(session, smoke, tmp_path):
    files = []
    for day in (1, 2, 3):
        path = tmp_path / f"sales_2026-11-0{day}.csv"
        path.write_text("title,price\nDune,9.99\n")
        files.append(path)
    since = datetime.now(UTC) - timedelta(seconds=1)
    uploads = upload_files(session, smoke["bucket"], files, show_progress=False)
    assert [u.key for u in uploads] == [f"incoming/sales_2026-11-0{d}.csv" for d in (1, 2, 3)]
    assert all(u.version_id is None or u.version_id for u in uploads)

    done = wait_for_executions(session, smoke["state_machine"], count=3, since=since, deadline_s=60)
    assert sorted(done["key"]) == sorted(u.key for u in uploads)
    assert set(done["status"]) == {"SUCCEEDED"}

    timeline = state_timeline(session, done["arn"])
    assert len(timeline) == 9  # three states per execution
    assert set(timeline["state"]) == {"Validate", "Convert", "Notify"}
    assert (timeline["seconds"] >= 0).all()
    assert (timeline["exited"] >= timeline["entered"]).all()


def test_waiting_for_more_than_happens_times_out(session, smoke):
    since = datetime.now(UTC)
    with pytest.raises(WaitTimeoutError, match="0 of 1 executions finished"):
        wait_for_executions(session, smoke["state_machine"], count=1, since=since, deadline_s=1)
    with pytest.raises(WaitTimeoutError, match=r"0 of 1 executions started .* upload rule"):
        wait_for_started(session, smoke["state_machine"], count=1, since=since, deadline_s=1)
    assert (
        wait_for_all(session, smoke["state_machine"], deadline_s=30)["status"].isin(TERMINAL).all()
    )


def test_list_executions_filters_by_start(session, smoke):
    future = datetime.now(UTC) + timedelta(hours=1)
    assert list_executions(session, smoke["state_machine"], since=future).empty
