"""Reliability of the deployed pipeline in the local cloud: nothing lost, nothing doubled.

- the whole bad-file corpus at once: each file gets the verdict of ``sample_data/bad/
  manifest.json`` (quarantine with its reason code, or its good rows loaded), one mail each,
  raw versions intact, and the next good file still loads;
- idempotence: one key uploaded 3x at once, the same content under two keys;
- faults: the Glue job dying mid-write (the ``--fault-injection`` test hook) never shows a
  partial load and the state machine's Retry recovers; transient S3 errors are retried.

Expectations come from the manifest and from the files read with ``csv``; rows are counted
through Athena (the local cloud's SQL engine), as an analyst would.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from infra_scripts.localcloud.outbox import list_mail
from pipeline_src.naming import output_stem
from tests.helpers import log_messages
from tests.pipeline_stack import (
    PipelineStack,
    athena,
    deploy,
    wait_for_execution,
    wait_for_executions,
)

pytestmark = pytest.mark.localcloud

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
BAD = SAMPLES / "bad"
MANIFEST = json.loads((BAD / "manifest.json").read_text())
SEED_CSV = SAMPLES / "seed" / "sales_2026-10-26.csv"
OTHER_SEED_CSV = SAMPLES / "seed" / "sales_2026-10-27.csv"
_FRESH_IDS = iter(random.Random().sample(range(10**8), 20_000))


@pytest.fixture(scope="module")
def stack(session, local_cloud) -> PipelineStack:
    return deploy(session, local_cloud.settings, prefix="rel")


def fresh_copy(path: Path) -> tuple[bytes, list[str]]:
    """The seed CSV with transaction ids no other test uses (the curated view de-duplicates
    across files); the bytes and the ids."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    for row in rows:
        row["transaction_id"] = f"T{next(_FRESH_IDS):08d}"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(), [r["transaction_id"] for r in rows]


def put(session, stack: PipelineStack, key: str, body: bytes) -> str:
    return session.client("s3").put_object(Bucket=stack.raw_bucket, Key=key, Body=body)["VersionId"]


def curated_ids(session, stack: PipelineStack, key: str) -> list[str]:
    frame = athena(
        session,
        stack,
        f"SELECT transaction_id FROM \"{stack.table}_curated\" WHERE source_key = '{key}'",
    )
    return sorted(frame["transaction_id"])


def committed_counts(session, stack: PipelineStack, prefix: str) -> dict[str, int]:
    """Rows per file of the committed loads (before the cross-file de-duplication)."""
    frame = athena(
        session,
        stack,
        f'SELECT s.source_key, COUNT(*) AS n FROM "{stack.table}" s JOIN "{stack.table}_loads" l '
        "ON s.source_key = l.source_key AND s.load_id = l.load_id "
        f"WHERE s.source_key LIKE '{prefix}%' GROUP BY s.source_key",
    )
    return {row.source_key: int(row.n) for row in frame.itertuples()}


def committed_load(session, stack: PipelineStack, key: str) -> str:
    [load_id] = athena(
        session, stack, f"SELECT load_id FROM \"{stack.table}_loads\" WHERE source_key = '{key}'"
    )["load_id"]
    return str(load_id)


def data_files(session, stack: PipelineStack, key: str) -> list[str]:
    """Every data file of ``key`` in the processed bucket, whatever its load."""
    stem = output_stem(key) + "."
    pages = (
        session.client("s3")
        .get_paginator("list_objects_v2")
        .paginate(Bucket=stack.processed_bucket, Prefix="sales/")
    )
    return [
        obj["Key"]
        for page in pages
        for obj in page.get("Contents", [])
        if obj["Key"].rsplit("/", 1)[-1].startswith(stem)
    ]


def mails_for(local_cloud, stack: PipelineStack, name: str) -> list[str]:
    """Subjects of the owner's mails about the file ``name``."""
    subjects = [m.subject for m in list_mail(local_cloud.settings, to=stack.email)]
    return [s for s in subjects if s.split(": ", 1)[-1].rsplit(" (", 1)[0] == name]


def job_runs(session, stack: PipelineStack, key: str, version: str) -> list[dict[str, Any]]:
    runs = session.client("glue").get_job_runs(JobName=stack.job_name)["JobRuns"]
    mine = [
        r
        for r in runs
        if r["Arguments"].get("--source-key") == key
        and r["Arguments"].get("--source-version") == version
    ]
    return sorted(mine, key=lambda r: r["StartedOn"])


@contextmanager
def job_faults(session, stack: PipelineStack, spec: dict[str, Any]) -> Iterator[None]:
    """The job's ``--fault-injection`` test hook on for the duration (see etl/faults.py)."""
    glue = session.client("glue")
    job = glue.get_job(JobName=stack.job_name)["Job"]
    fields = ("Role", "Command", "DefaultArguments", "ExecutionProperty", "MaxCapacity")
    original = {f: job[f] for f in (*fields, "Timeout", "GlueVersion") if f in job}
    arguments = {**job["DefaultArguments"], "--fault-injection": json.dumps(spec)}
    glue.update_job(JobName=stack.job_name, JobUpdate={**original, "DefaultArguments": arguments})
    try:
        yield
    finally:
        glue.update_job(JobName=stack.job_name, JobUpdate=original)


# --- the bad-file corpus ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(session, stack) -> dict[str, Any]:
    """Every bad file uploaded at once, then a good file; their finished executions."""
    uploads = {
        f"incoming/bad/{e['file']}": put(
            session, stack, f"incoming/bad/{e['file']}", (BAD / e["file"]).read_bytes()
        )
        for e in MANIFEST
    }
    good_body, good_ids = fresh_copy(SEED_CSV)
    good_key = f"incoming/after-bad/{SEED_CSV.name}"
    uploads[good_key] = put(session, stack, good_key, good_body)
    done = wait_for_executions(session, stack, list(uploads.items()), deadline_s=120)
    return {
        "versions": uploads,
        "executions": {key: done[(key, version)] for key, version in uploads.items()},
        "good": (good_key, good_ids),
    }


REJECTED = [e for e in MANIFEST if e["expected"]["outcome"] == "rejected"]
ACCEPTED = [e for e in MANIFEST if e["expected"]["outcome"] == "accepted"]


def test_the_corpus_covers_both_outcomes():
    assert len(REJECTED) >= 15 and len(ACCEPTED) >= 25
    assert len(MANIFEST) == len({e["file"] for e in MANIFEST})


def test_each_rejected_file_is_quarantined_with_its_reason(session, stack, corpus):
    s3 = session.client("s3")
    for entry in REJECTED:
        name, code = entry["file"], entry["expected"]["reason_code"]
        key = f"incoming/bad/{name}"
        execution = corpus["executions"][key]
        assert (execution["status"], execution.get("error")) == ("FAILED", "FileRejected"), name
        assert f"({code})" in execution["cause"], (name, execution["cause"])
        copy = s3.get_object(Bucket=stack.quarantine_bucket, Key=f"quarantine/bad/{name}")
        assert copy["Metadata"]["reject-reason"] == code, name
        assert copy["Body"].read() == (BAD / name).read_bytes(), name
        original = s3.get_object(
            Bucket=stack.raw_bucket, Key=key, VersionId=corpus["versions"][key]
        )
        assert original["Body"].read() == (BAD / name).read_bytes(), f"raw {name} changed"
        assert not data_files(session, stack, key), f"{name} left data"


def test_one_mail_per_file_with_its_outcome(local_cloud, stack, corpus):
    for entry in MANIFEST:
        subjects = mails_for(local_cloud, stack, entry["file"])
        assert len(subjects) == 1, (entry["file"], subjects)
        if entry["expected"]["outcome"] == "rejected":
            assert subjects[0].startswith("Sales file rejected:"), subjects
            assert f"({entry['expected']['reason_code']})" in subjects[0]
        else:
            assert subjects[0].startswith("Sales file loaded:"), subjects


def test_accepted_files_load_their_good_rows_and_reject_the_rest(session, stack, corpus):
    counts = committed_counts(session, stack, "incoming/bad/")
    s3 = session.client("s3")
    for entry in ACCEPTED:
        name, expected = entry["file"], entry["expected"]
        key = f"incoming/bad/{name}"
        assert corpus["executions"][key]["status"] == "SUCCEEDED", name
        assert counts.get(key) == expected["rows_accepted"], name
        rejects_key = f"rejects/bad/{name}.rejects.csv"
        if expected["rejects"]:
            body = s3.get_object(Bucket=stack.processed_bucket, Key=rejects_key)["Body"].read()
            rejected = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
            assert [(int(r["row"]), r["reason_code"]) for r in rejected] == [
                (r["row"], r["reason_code"]) for r in expected["rejects"]
            ], name
    assert set(counts) == {f"incoming/bad/{e['file']}" for e in ACCEPTED}


def test_the_next_good_file_still_loads(session, stack, corpus):
    key, ids = corpus["good"]
    assert corpus["executions"][key]["status"] == "SUCCEEDED"
    assert curated_ids(session, stack, key) == sorted(ids)


# --- idempotence ------------------------------------------------------------------------------


def test_same_key_three_times_at_once_keeps_one_load(session, local_cloud, stack):
    body, ids = fresh_copy(SEED_CSV)
    key = "incoming/thrice/sales.csv"
    versions = [put(session, stack, key, body) for _ in range(3)]
    done = wait_for_executions(session, stack, [(key, v) for v in versions])
    assert {d["status"] for d in done.values()} == {"SUCCEEDED"}
    assert committed_counts(session, stack, key) == {key: 100}
    assert curated_ids(session, stack, key) == sorted(ids)
    loads = athena(
        session,
        stack,
        f"SELECT load_id, source_version FROM \"{stack.table}_loads\" WHERE source_key = '{key}'",
    )
    assert len(loads) == 1
    # uploads within the same second: the run started last wins (a second later, the upload)
    assert loads["source_version"][0] in versions
    files = data_files(session, stack, key)
    assert files and all(f".{loads['load_id'][0]}.parquet" in f for f in files), files
    # each upload's mail reports that upload, not whichever run wrote the key's summary last
    facts = [
        json.loads(json.loads(m.body)["Message"])
        for m in list_mail(local_cloud.settings, to=stack.email_json)
    ]
    mine = [f for f in facts if f.get("source", {}).get("key") == key]
    assert sorted(f["source"]["version_id"] for f in mine) == sorted(versions)
    assert [f["committed"] for f in mine].count(True) >= 1


def test_same_content_under_two_keys_is_reported_and_counted_once(session, stack):
    body, ids = fresh_copy(OTHER_SEED_CSV)
    keys = ["incoming/twice/a/sales.csv", "incoming/twice/b/sales.csv"]
    done = wait_for_executions(session, stack, [(k, put(session, stack, k, body)) for k in keys])
    assert {d["status"] for d in done.values()} == {"SUCCEEDED"}
    assert committed_counts(session, stack, "incoming/twice/") == {keys[0]: 100, keys[1]: 100}
    in_list = ", ".join(f"'{i}'" for i in ids)
    curated = athena(
        session,
        stack,
        f'SELECT transaction_id, source_key FROM "{stack.table}_curated" '
        f"WHERE transaction_id IN ({in_list})",
    )
    assert sorted(curated["transaction_id"]) == sorted(ids)  # once each, not twice
    assert curated["source_key"].nunique() == 1  # all from the file committed first
    from pipeline_src.sql import fill, queries

    values = {"database": stack.database, "table": stack.table}
    duplicates = athena(session, stack, fill(queries("athena")["cross_file_duplicates"], values))
    mine = duplicates[duplicates["transaction_id"].isin(ids)]
    assert len(mine) == 100 and set(mine["copies"]) == {2}
    assert set(mine["first_file"]) == {keys[0]} and set(mine["last_file"]) == {keys[1]}


# --- faults -----------------------------------------------------------------------------------


def test_a_crash_mid_write_never_shows_and_the_retry_recovers(session, local_cloud, stack):
    key = "incoming/fault/crash.csv"
    first_body, first_ids = fresh_copy(SEED_CSV)
    first = wait_for_execution(session, stack, key, put(session, stack, key, first_body))
    assert first["status"] == "SUCCEEDED"
    assert curated_ids(session, stack, key) == sorted(first_ids)

    # Both attempts (the run and its Retry) die after writing one of their genre files.
    second_body, _ = fresh_copy(OTHER_SEED_CSV)
    spec = {"source_key": key, "crash_after_data_files": 1, "crash_times": 2}
    with job_faults(session, stack, spec):
        version = put(session, stack, key, second_body)
        second = wait_for_execution(session, stack, key, version)
    assert (second["status"], second["error"]) == ("FAILED", "PipelineFailed")
    assert [r["JobRunState"] for r in job_runs(session, stack, key, version)] == [
        "FAILED",
        "FAILED",
    ]
    committed = committed_load(session, stack, key)
    orphans = [f for f in data_files(session, stack, key) if f".{committed}." not in f]
    assert len({f.rsplit(".", 2)[-2] for f in orphans}) == 2  # both attempts left files…
    assert curated_ids(session, stack, key) == sorted(first_ids)  # …that never shows
    assert committed_counts(session, stack, key) == {key: 100}

    # One more crash, then the Retry's run loads the file and removes the crashed files.
    third_body, third_ids = fresh_copy(OTHER_SEED_CSV)
    with job_faults(session, stack, {**spec, "crash_times": 3}):
        version = put(session, stack, key, third_body)
        third = wait_for_execution(session, stack, key, version)
    assert third["status"] == "SUCCEEDED", third
    runs = job_runs(session, stack, key, version)
    assert [r["JobRunState"] for r in runs] == ["FAILED", "SUCCEEDED"]
    assert "exit code 70" in runs[0]["ErrorMessage"]
    assert curated_ids(session, stack, key) == sorted(third_ids)
    load_id = committed_load(session, stack, key)
    files = data_files(session, stack, key)
    assert files and all(f".{load_id}.parquet" in f for f in files), files
    subjects = mails_for(local_cloud, stack, "crash.csv")
    assert sum(s.startswith("Sales file failed:") for s in subjects) == 1
    assert sum(s.startswith("Sales file loaded:") for s in subjects) == 2


def test_transient_s3_errors_are_retried_by_the_job(session, stack):
    key = "incoming/fault/slow-down.csv"
    body, ids = fresh_copy(SEED_CSV)
    with job_faults(session, stack, {"source_key": key, "s3_transient_errors": 2}):
        version = put(session, stack, key, body)
        execution = wait_for_execution(session, stack, key, version)
    assert execution["status"] == "SUCCEEDED", execution
    [run] = job_runs(session, stack, key, version)  # no Step Functions retry was needed
    output = log_messages(session, "/aws-glue/python-jobs/output", run["Id"])
    injected = [m for m in output if "503 SlowDown" in m]
    assert len(injected) == 2, output[:5]
    assert curated_ids(session, stack, key) == sorted(ids)


# --- the Redshift side ------------------------------------------------------------------------


def test_redshift_loads_exactly_what_the_curated_view_shows(session, stack):
    """After the tests above (duplicates across keys, crashed loads' orphan files, re-uploads),
    ``mart.fact_sales`` holds the curated view's rows: committed loads, each transaction once."""
    from infra_scripts.ops.queries import (
        load_fact_sales,
        redshift_query,
        redshift_script,
        redshift_sql,
    )

    outputs = stack.outputs
    for script in ("external_schema", "fact_sales"):
        redshift_script(session, redshift_sql(script, outputs), outputs)
    loaded = load_fact_sales(session, outputs)
    assert loaded["rows"].sum() > 0
    columns = "transaction_id, source_key, CAST(price AS VARCHAR) AS price"
    curated = athena(session, stack, f'SELECT {columns} FROM "{stack.table}_curated"')
    fact = redshift_query(session, "fact", outputs, sql=f"SELECT {columns} FROM mart.fact_sales")
    key = ["transaction_id", "source_key", "price"]
    assert sorted(map(tuple, fact.frame[key].values)) == sorted(map(tuple, curated[key].values))
    raw = athena(session, stack, f'SELECT COUNT(*) AS n FROM "{stack.table}"')["n"][0]
    assert raw > len(curated)  # the lake holds duplicates and crashed loads' rows too
    # loading again changes nothing (the merge on transaction_id)
    load_fact_sales(session, outputs)
    again = redshift_query(session, "n", outputs, sql="SELECT COUNT(*) AS n FROM mart.fact_sales")
    assert again.frame["n"][0] == len(curated)
