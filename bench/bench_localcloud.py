"""Benchmark the local cloud's core: start-up, Lambda invoke, Glue run, S3 → execution.

Prints the median (and min/max) of each figure and its ratio to the target:

- local cloud start until its first answered request (target ≤ 500 ms; the health probe is
  answered while the services install) and until the first SDK call is answered (reported)
- idle RSS of the server and its children 10 s after a start (target ≤ 150 MB)
- Lambda invoke, cold (new worker) and warm (reused worker; target ≤ 50 ms)
- Glue Python-shell run of an empty script, StartJobRun to SUCCEEDED (target ≤ 1 s)
- S3 PutObject until the state machine's execution has started (no target; reported)

    .venv/bin/python bench/bench_localcloud.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil

from bench.report import emit
from infra_scripts.config import Settings
from infra_scripts.localcloud import LocalCloud, process
from infra_scripts.session import make_session
from tests.helpers import create_function, role_arn, unique, zip_code

TARGETS_MS = {"start": 500.0, "invoke_warm": 50.0, "glue_empty": 1000.0}
IDLE_RSS_TARGET_MB = 150.0
IDLE_AFTER_S = 10.0


def _median_ms(samples: list[float]) -> tuple[float, float, float]:
    ms = [s * 1000 for s in samples]
    return statistics.median(ms), min(ms), max(ms)


def _time(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def bench_start(repeat: int) -> tuple[list[float], list[float]]:
    """Start → the first answered request (the health probe), and → the first SDK call
    answered (which waits until the services are installed)."""
    first, ready = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings.load(env={}, local_port=process.free_port(), state_dir=Path(tmp))
            sts = make_session(settings).client("sts")
            started = time.perf_counter()
            process.start(settings)
            first.append(time.perf_counter() - started)
            sts.get_caller_identity()
            ready.append(time.perf_counter() - started)
            process.stop(settings)
    return first, ready


def bench_idle_rss() -> float:
    """MB resident in the server and its children, :data:`IDLE_AFTER_S` after a start."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(env={}, local_port=process.free_port(), state_dir=Path(tmp))
        status = process.start(settings)[0]
        try:
            time.sleep(IDLE_AFTER_S)
            server = psutil.Process(status.pid)
            tree = [server, *server.children(recursive=True)]
            return sum(p.memory_info().rss for p in tree) / 1e6
        finally:
            process.stop(settings)


def bench_lambda(session, repeat: int) -> tuple[list[float], list[float]]:
    lam = session.client("lambda")
    cold, warm = [], []
    for _ in range(repeat):
        name = unique("bench-fn")  # a new function has no warm worker: a cold start
        create_function(session, name, "def handler(e, c):\n    return e\n")
        cold.append(_time(lambda n=name: lam.invoke(FunctionName=n, Payload=b"{}")))
        for _ in range(5):
            warm.append(_time(lambda n=name: lam.invoke(FunctionName=n, Payload=b"{}")))
    return cold, warm


def bench_glue(session, repeat: int) -> list[float]:
    glue, s3 = session.client("glue"), session.client("s3")
    bucket = unique("bench-glue")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="empty.py", Body=b"")
    job = unique("bench-job")
    glue.create_job(
        Name=job,
        Role=role_arn(session),
        Command={"Name": "pythonshell", "ScriptLocation": f"s3://{bucket}/empty.py"},
    )
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run_id = glue.start_job_run(JobName=job)["JobRunId"]
        while glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]["JobRunState"] not in (
            "SUCCEEDED",
            "FAILED",
        ):
            time.sleep(0.005)
        samples.append(time.perf_counter() - started)
    return samples


def bench_upload_to_execution(session, repeat: int) -> list[float]:
    s3, sfn, events = (session.client(n) for n in ("s3", "stepfunctions", "events"))
    bucket = unique("bench-raw")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    machine = sfn.create_state_machine(
        name=unique("bench-sm"), definition=json.dumps(definition), roleArn=role_arn(session)
    )["stateMachineArn"]
    rule = unique("bench-rule")
    events.put_rule(Name=rule, EventPattern=json.dumps({"detail": {"bucket": {"name": [bucket]}}}))
    events.put_targets(Rule=rule, Targets=[{"Id": "sm", "Arn": machine}])
    samples = []
    for i in range(repeat):
        started = time.perf_counter()
        s3.put_object(Bucket=bucket, Key=f"incoming/{i}.csv", Body=b"x")
        while len(sfn.list_executions(stateMachineArn=machine)["executions"]) <= i:
            time.sleep(0.002)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="samples per figure (7)")
    args = parser.parse_args()
    rows: list[tuple[str, list[float], float | None]] = []
    first, ready = bench_start(args.repeat)
    rows.append(("local cloud start → first answer", first, TARGETS_MS["start"]))
    rows.append(("local cloud start → services ready", ready, None))
    with LocalCloud() as cloud:
        session = cloud.session()
        zip_code({})  # warm imports outside the timings
        cold, warm = bench_lambda(session, args.repeat)
        rows.append(("Lambda invoke, cold", cold, None))
        rows.append(("Lambda invoke, warm", warm, TARGETS_MS["invoke_warm"]))
        rows.append(("Glue empty script → SUCCEEDED", bench_glue(session, args.repeat), 1000.0))
        rows.append(
            ("S3 upload → execution started", bench_upload_to_execution(session, args.repeat), None)
        )
    print(f"{'figure':34} {'median':>9} {'min':>9} {'max':>9} {'target':>9} {'ratio':>6}")
    failed = False
    for name, samples, target in rows:
        median, low, high = _median_ms(samples)
        ratio = f"{median / target:.2f}" if target else "-"
        target_text = f"{target:.0f} ms" if target else "-"
        print(f"{name:34} {median:7.1f}ms {low:7.1f}ms {high:7.1f}ms {target_text:>9} {ratio:>6}")
        failed |= bool(target and median > target)
        emit(name, median, "ms", target)
    idle_mb = bench_idle_rss()
    met = idle_mb <= IDLE_RSS_TARGET_MB
    print(
        f"{'idle RSS, server + children':34} {idle_mb:7.1f}MB {'':>9} {'':>9} "
        f"{IDLE_RSS_TARGET_MB:>6.0f} MB {idle_mb / IDLE_RSS_TARGET_MB:6.2f}"
    )
    failed |= not met
    emit("idle RSS, server + children", idle_mb, "MB", IDLE_RSS_TARGET_MB)
    print("all targets met" if not failed else "some targets missed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
