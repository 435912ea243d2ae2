"""Commit markers (atomic visibility per file) and the job's fault-injection test hook, on an
in-process moto S3."""

from __future__ import annotations

import datetime as dt
import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from pipeline_src import naming
from pipeline_src.etl import commit as C
from pipeline_src.etl.faults import Faults

KEY = "incoming/shop/sales_2026-11-02.csv"
BUCKET = "processed"
T0 = dt.datetime(2026, 11, 2, 10, 0, 0)


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client(
            "s3",
            region_name="us-east-1",
            config=Config(retries={"mode": "standard", "max_attempts": 3}),
        )
        client.create_bucket(Bucket=BUCKET)
        yield client


def load_id(upload_s: int, start_s: int, token: str = "abcdef") -> str:
    return C.new_load_id(
        T0 + dt.timedelta(seconds=upload_s), T0 + dt.timedelta(seconds=start_s), token
    )


def write_load(s3, load: str, genres: list[str]) -> None:
    C.begin(s3, BUCKET, KEY, load, genres)
    for key in C.data_keys(KEY, load, "genre", genres):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"parquet")


def keys(s3) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_load_ids_sort_by_upload_then_by_run():
    first, rerun, later_upload = load_id(0, 5), load_id(0, 9), load_id(1, 2)
    assert first < rerun < later_upload
    assert all(C.LOAD_ID.match(i) for i in (first, rerun, later_upload))
    assert naming.data_key(KEY, "genre", "Fiction", first).endswith(f".{first}.parquet")


def test_commit_replaces_older_loads_and_cleans_up_crashed_attempts(s3):
    old = load_id(0, 1)
    write_load(s3, old, ["Fiction", "History"])
    done = C.commit(s3, BUCKET, KEY, "v1", old, 10, ["Fiction", "History"])
    assert done == C.Commit(True, C.Marker(None, None, []), old)
    C.delete_keys(
        s3, BUCKET, C.stale_keys(s3, BUCKET, KEY, old, "genre", ["Fiction", "History"], done)
    )
    crashed = load_id(5, 6)  # wrote one file, never committed
    C.begin(s3, BUCKET, KEY, crashed, ["Fiction", "Mystery"])
    s3.put_object(Bucket=BUCKET, Key=naming.data_key(KEY, "genre", "Mystery", crashed), Body=b"p")
    new = load_id(5, 9)
    write_load(s3, new, ["Fiction", "Mystery"])
    done = C.commit(s3, BUCKET, KEY, "v2", new, 12, ["Fiction", "Mystery"])
    assert done.committed and done.previous.load_id == old
    assert done.previous.partitions == ["Fiction", "History"]
    C.delete_keys(
        s3, BUCKET, C.stale_keys(s3, BUCKET, KEY, new, "genre", ["Fiction", "Mystery"], done)
    )
    assert keys(s3) == {
        naming.load_marker_key(KEY),
        *C.data_keys(KEY, new, "genre", ["Fiction", "Mystery"]),
    }
    assert C.read_marker(s3, BUCKET, KEY).load_id == new


@pytest.mark.parametrize("killed", [1, 2], ids=["one-run-killed", "two-in-a-row-killed"])
def test_a_run_killed_between_commit_and_clean_up_leaves_nothing_behind(s3, killed):
    """Runs that commit and die before deleting what they replaced: the next commit that
    cleans up also deletes the files those runs left (the marker lists replaced loads)."""
    genres = [["Fiction", "History"], ["Fiction"], ["Mystery"], ["Poetry", "Fiction"]]
    loads = [load_id(i, i) for i in range(killed + 2)]
    for i, load in enumerate(loads):
        write_load(s3, load, genres[i])
        done = C.commit(s3, BUCKET, KEY, f"v{i}", load, 1, genres[i])
        assert done.committed
        if i == 0 or i == len(loads) - 1:  # the runs in between die before their clean-up
            C.delete_keys(s3, BUCKET, C.stale_keys(s3, BUCKET, KEY, load, "genre", genres[i], done))
    last = loads[-1]
    assert keys(s3) == {
        naming.load_marker_key(KEY),
        *C.data_keys(KEY, last, "genre", genres[len(loads) - 1]),
    }
    marker = C.read_marker(s3, BUCKET, KEY)
    assert marker.load_id == last
    assert [load for load, _ in marker.replaced] == loads[-2::-1][: C.REPLACED_KEPT]


def test_an_older_load_never_replaces_a_newer_commit(s3):
    newer, older = load_id(9, 9), load_id(1, 1)
    write_load(s3, newer, ["Fiction"])
    C.commit(s3, BUCKET, KEY, "v2", newer, 1, ["Fiction"])
    write_load(s3, older, ["Fiction"])
    done = C.commit(s3, BUCKET, KEY, "v1", older, 1, ["Fiction"])
    assert (done.committed, done.current) == (False, newer)
    stale = C.stale_keys(s3, BUCKET, KEY, older, "genre", ["Fiction"], done)
    assert set(stale) == {
        naming.data_key(KEY, "genre", "Fiction", older),
        naming.pending_key(KEY, older),
    }
    assert C.read_marker(s3, BUCKET, KEY).load_id == newer


def test_clean_up_skips_a_pending_record_another_run_removed_meanwhile(s3, monkeypatch):
    """Three runs of one key: while the newest cleans up, another run deletes a pending
    record it has just listed. That load is already cleaned: carry on, do not crash (a crash
    after the commit would leave the replaced load's files behind for good)."""
    old, crashed, new = load_id(0, 1), load_id(0, 2), load_id(0, 3)
    write_load(s3, old, ["Fiction"])
    C.delete_keys(
        s3,
        BUCKET,
        C.stale_keys(
            s3,
            BUCKET,
            KEY,
            old,
            "genre",
            ["Fiction"],
            C.commit(s3, BUCKET, KEY, "v1", old, 1, ["Fiction"]),
        ),
    )
    write_load(s3, crashed, ["History"])
    write_load(s3, new, ["Fiction"])
    done = C.commit(s3, BUCKET, KEY, "v3", new, 1, ["Fiction"])
    real_get = s3.get_object

    def get_after_a_concurrent_clean_up(**kwargs):
        if kwargs["Key"] == naming.pending_key(KEY, crashed):
            C.delete_keys(
                s3, BUCKET, [*C.data_keys(KEY, crashed, "genre", ["History"]), kwargs["Key"]]
            )
        return real_get(**kwargs)

    monkeypatch.setattr(s3, "get_object", get_after_a_concurrent_clean_up)
    stale = C.stale_keys(s3, BUCKET, KEY, new, "genre", ["Fiction"], done)
    assert naming.data_key(KEY, "genre", "Fiction", old) in stale  # the replaced load still goes
    C.delete_keys(s3, BUCKET, stale)
    assert keys(s3) == {naming.load_marker_key(KEY), *C.data_keys(KEY, new, "genre", ["Fiction"])}


@pytest.mark.parametrize("old_botocore", [False, True])
def test_the_marker_is_replaced_only_if_unchanged(s3, monkeypatch, old_botocore):
    if old_botocore:  # no IfMatch/IfNoneMatch parameters: the headers are added directly
        monkeypatch.setattr(C, "supports_conditional_put", lambda _: False)
    key = naming.load_marker_key(KEY)
    C.conditional_put(s3, BUCKET, key, b"first", None)
    with pytest.raises(ClientError) as absent_expected:
        C.conditional_put(s3, BUCKET, key, b"second", None)
    assert absent_expected.value.response["Error"]["Code"] == "PreconditionFailed"
    etag = s3.head_object(Bucket=BUCKET, Key=key)["ETag"]
    C.conditional_put(s3, BUCKET, key, b"second", etag)
    with pytest.raises(ClientError):
        C.conditional_put(s3, BUCKET, key, b"third", etag)  # stale: changed since
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"second"


def test_a_commit_racing_another_run_looks_again(s3, monkeypatch):
    mine, theirs = load_id(5, 5), load_id(5, 6)
    real_read = C.read_marker
    calls = []

    def racing_read(client, bucket, source_key):
        marker = real_read(client, bucket, source_key)
        if not calls:  # the other run commits between our read and our write
            body = C.marker_body(source_key, "v", theirs, 1, ["Fiction"])
            C.conditional_put(client, bucket, naming.load_marker_key(KEY), body, marker.etag)
        calls.append(marker)
        return marker

    monkeypatch.setattr(C, "read_marker", racing_read)
    done = C.commit(s3, BUCKET, KEY, "v", mine, 1, ["Fiction"])
    assert (done.committed, done.current) == (False, theirs)
    assert len(calls) == 2  # before the failed put, and again after it


# --- the fault-injection test hook -------------------------------------------------------------


def test_faults_apply_only_to_the_named_upload():
    spec = json.dumps({"source_key": KEY, "s3_transient_errors": 1})
    assert Faults.from_args({"--fault-injection": spec}, KEY).active
    assert not Faults.from_args({"--fault-injection": spec}, "incoming/other.csv").active
    assert not Faults.from_args({}, KEY).active


@pytest.mark.parametrize(("errors", "succeeds"), [(3, True), (4, False)])
def test_transient_errors_are_retried_up_to_the_attempts(s3, monkeypatch, errors, succeeds):
    monkeypatch.setattr("botocore.endpoint.time.sleep", lambda _: None)  # no real back-off
    Faults({"source_key": KEY, "s3_transient_errors": errors}).install(s3)
    if succeeds:
        put = s3.put_object(Bucket=BUCKET, Key="k", Body=b"x")
        assert put["ResponseMetadata"]["RetryAttempts"] == errors
    else:  # max_attempts counts retries: 1 + 3 attempts, all answered 503
        with pytest.raises(ClientError) as failed:
            s3.put_object(Bucket=BUCKET, Key="k", Body=b"x")
        assert failed.value.response["Error"]["Code"] == "SlowDown"


def test_crashes_count_across_runs(s3, monkeypatch):
    def fake_exit(code):
        raise SystemExit(code)

    monkeypatch.setattr("pipeline_src.etl.faults.os._exit", fake_exit)
    spec = {"source_key": KEY, "crash_after_data_files": 2, "crash_times": 2}
    outcomes = []
    for _ in range(3):  # three runs, two data files each
        faults = Faults(spec)
        try:
            faults.after_data_file(s3, BUCKET, KEY)
            faults.after_data_file(s3, BUCKET, KEY)
            outcomes.append("finished")
        except SystemExit as exc:
            outcomes.append(f"crashed {exc.code}")
    assert outcomes == ["crashed 70", "crashed 70", "finished"]
