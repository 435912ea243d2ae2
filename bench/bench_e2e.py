"""End-to-end latency: a seed-format 100-row CSV upload until its rows answer an Athena query.

Deploys the real pipeline (``deploy()``) in a fresh local cloud, warms it with one file, then
per sample: PutObject of a new 100-row CSV → EventBridge → Step Functions → ValidateFile →
Glue job (commit) → the rows in the curated view. The probe watches the file's commit marker
(a cheap HEAD: rows become visible exactly then) and confirms with the Athena query
``SELECT COUNT(*) … WHERE source_key = …``; the sample ends when that query returns 100.

Prints the median of ``--repeat`` samples (target ≤ 1 s) and where the time goes, per stage,
from the execution history and the Glue run; then the same on a second fresh local cloud with
IAM not evaluated (``--no-iam``), and the ratio (what evaluating IAM for the pipeline's roles
costs, reported):

    .venv/bin/python bench/bench_e2e.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import random
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import emit
from infra_scripts.localcloud import LocalCloud
from infra_scripts.provision import deploy
from pipeline_src import naming

TARGET_S = 1.0
SEED = Path(__file__).resolve().parents[1] / "sample_data" / "seed" / "sales_2026-10-26.csv"
PROBE_S = 0.005


def unique_ids(seed: int, count: int = 100_000) -> Iterator[int]:
    """Transaction id numbers, none repeated (the curated view de-duplicates across files)."""
    return iter(random.Random(seed).sample(range(10**8), count))


def fresh_file(ids: Iterator[int]) -> bytes:
    """The seed CSV with new transaction ids."""
    rows = list(csv.DictReader(io.StringIO(SEED.read_text(encoding="utf-8-sig"))))
    for row in rows:
        row["transaction_id"] = f"T{next(ids):08d}"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


class Pipeline:
    """The deployed stack and the clients a sample needs."""

    def __init__(self, session: Any, outputs: dict[str, str]) -> None:
        self.outputs = outputs
        self.s3 = session.client("s3")
        self.athena = session.client("athena")
        self.sfn = session.client("stepfunctions")
        self.glue = session.client("glue")

    def count(self, key: str) -> int:
        """Rows of ``key`` in the curated view."""
        view = self.outputs["curated_view"]
        return self.query_count(f"SELECT COUNT(*) FROM \"{view}\" WHERE source_key = '{key}'")

    def query_count(self, sql: str, deadline_s: float = 60.0) -> int:
        """The one number a ``SELECT COUNT(*)`` returns, through the Athena API."""
        execution = self.athena.start_query_execution(
            QueryString=sql,
            QueryExecutionContext={"Database": self.outputs["glue_database"]},
            WorkGroup=self.outputs["athena_workgroup"],
        )["QueryExecutionId"]
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            status = self.athena.get_query_execution(QueryExecutionId=execution)
            state = status["QueryExecution"]["Status"]["State"]
            if state == "SUCCEEDED":
                rows = self.athena.get_query_results(QueryExecutionId=execution)["ResultSet"]
                return int(rows["Rows"][1]["Data"][0]["VarCharValue"])
            if state in ("FAILED", "CANCELLED"):
                raise RuntimeError(f"Athena query {execution} {state}")
            time.sleep(PROBE_S)
        raise TimeoutError(f"Athena query {execution} still running after {deadline_s:.0f}s")

    def sample(self, key: str, body: bytes, deadline_s: float = 30.0) -> dict[str, float]:
        """One upload until its 100 rows are visible; the stage timings (seconds)."""
        bucket, marker = self.outputs["processed_bucket"], naming.load_marker_key(key)
        t0 = time.time()
        self.s3.put_object(Bucket=self.outputs["raw_bucket"], Key=key, Body=body)
        uploaded = time.time()
        deadline = time.monotonic() + deadline_s
        while True:
            try:
                self.s3.head_object(Bucket=bucket, Key=marker)
                break
            except self.s3.exceptions.ClientError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{key} not committed within {deadline_s}s") from None
                time.sleep(PROBE_S)
        committed = time.time()
        while self.count(key) != 100:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{key}: rows not visible within {deadline_s}s")
        visible = time.time()
        return {
            "t0": t0,
            "total": visible - t0,
            "put": uploaded - t0,
            "commit_seen": committed - t0,
            "athena_query": visible - committed,
        }

    def stages(self, key: str, t0: float, deadline_s: float = 30.0) -> dict[str, float]:
        """Execution start and each state's duration, from the execution history."""
        arn = next(
            e["executionArn"]
            for e in self.sfn.list_executions(stateMachineArn=self.outputs["state_machine_arn"])[
                "executions"
            ]
            if key in self.sfn.describe_execution(executionArn=e["executionArn"])["input"]
        )
        deadline = time.monotonic() + deadline_s
        while self.sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution of {key} still running")
            time.sleep(0.05)
        started = self.sfn.describe_execution(executionArn=arn)["startDate"].timestamp()
        history = self.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        entered: dict[str, float] = {}
        stages = {"event_to_execution": started - t0}
        for event in history:
            at = event["timestamp"].timestamp()
            if "stateEnteredEventDetails" in event:
                entered[event["stateEnteredEventDetails"]["name"]] = at
            elif "stateExitedEventDetails" in event:
                name = event["stateExitedEventDetails"]["name"]
                stages[name] = at - entered.get(name, at)
        run = self.glue.get_job_runs(JobName=self.outputs["glue_job"])["JobRuns"]
        mine = [r for r in run if r["Arguments"].get("--source-key") == key]
        if mine:
            r = mine[0]
            stages["glue_run"] = (r["CompletedOn"] - r["StartedOn"]).total_seconds()
        return stages


def run(repeat: int, ids: Iterator[int], iam: bool) -> list[dict[str, float]]:
    """``repeat`` timed uploads on a fresh local cloud and stack (IAM evaluated if ``iam``)."""
    with LocalCloud(iam=iam) as cloud:
        session = cloud.session()
        settings = dataclasses.replace(cloud.settings, stack_name="bench-e2e")
        outputs = deploy(settings, session, progress=lambda _: None).outputs
        pipeline = Pipeline(session, outputs)
        pipeline.sample("incoming/bench/warm-up.csv", fresh_file(ids))  # warm workers, engine
        samples = []
        for i in range(repeat):
            key = f"incoming/bench/sales_2026-10-26_{i}.csv"
            sample = pipeline.sample(key, fresh_file(ids))
            sample.update(pipeline.stages(key, sample.pop("t0")))  # after the execution ends
            samples.append(sample)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="samples (5)")
    args = parser.parse_args()
    ids = unique_ids(8)
    samples = run(args.repeat, ids, iam=True)
    unchecked = run(args.repeat, ids, iam=False)  # the same with IAM not evaluated
    stages = [name for name in samples[0] if name != "total"]
    print(f"upload -> 100 rows visible to Athena, {args.repeat} samples (seconds)")
    print(f"{'stage':24} {'median':>8} {'min':>8} {'max':>8}")
    for name in ["total", *stages]:
        values = [s[name] for s in samples if name in s]
        print(f"{name:24} {statistics.median(values):8.3f} {min(values):8.3f} {max(values):8.3f}")
    median = statistics.median(s["total"] for s in samples)
    record = emit("end-to-end: upload -> rows in Athena (median)", median, "s", TARGET_S)
    median_off = statistics.median(s["total"] for s in unchecked)
    emit("end-to-end, IAM off (same run, median)", median_off, "s", TARGET_S)
    cost = emit("end-to-end: IAM evaluated / IAM off", median / median_off, "x")
    verdict = "met" if record["met"] else "NOT met"
    print(f"target <= {TARGET_S} s: ratio {record['ratio']:.2f} ({verdict})")
    print(f"IAM evaluated {median:.3f} s / IAM off {median_off:.3f} s = {cost['value']:.2f}x")
    return 0 if record["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
