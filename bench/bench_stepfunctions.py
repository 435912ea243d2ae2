"""Benchmark Step Functions on the local cloud: a 10-state machine in JSONata beside the same
machine in JSONPath, StartExecution → SUCCEEDED (median of 20 each, alternating).

Each state does the same work in both languages: reads the input, computes one field,
assigns one variable. Prints both medians and the JSONata/JSONPath ratio (no target).

    .venv/bin/python bench/bench_stepfunctions.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import emit
from infra_scripts.localcloud import LocalCloud
from tests.helpers import role_arn, unique

STATES = 10
POLL_S = 0.002


def jsonata_machine() -> dict:
    states = {}
    for i in range(STATES):
        states[f"S{i}"] = {
            "Type": "Pass",
            "Assign": {f"v{i}": "{% $states.input.total + " + str(i) + " %}"},
            "Output": {
                "total": "{% $states.input.total + 1 %}",
                "items": "{% $states.input.items %}",
            },
            **({"Next": f"S{i + 1}"} if i < STATES - 1 else {"End": True}),
        }
    return {"QueryLanguage": "JSONata", "StartAt": "S0", "States": states}


def jsonpath_machine() -> dict:
    states = {}
    for i in range(STATES):
        states[f"S{i}"] = {
            "Type": "Pass",
            "Assign": {f"v{i}.$": f"States.MathAdd($.total, {i})"},
            "Parameters": {"total.$": "States.MathAdd($.total, 1)", "items.$": "$.items"},
            **({"Next": f"S{i + 1}"} if i < STATES - 1 else {"End": True}),
        }
    return {"StartAt": "S0", "States": states}


def run_once(sfn, machine: str, payload: str) -> float:
    started = time.perf_counter()
    execution = sfn.start_execution(stateMachineArn=machine, input=payload)["executionArn"]
    while (status := sfn.describe_execution(executionArn=execution)["status"]) == "RUNNING":
        time.sleep(POLL_S)
    elapsed = time.perf_counter() - started
    if status != "SUCCEEDED":
        raise RuntimeError(f"{machine}: execution ended {status}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="executions per language (20)")
    args = parser.parse_args()
    payload = json.dumps({"total": 0, "items": list(range(20))})
    with LocalCloud() as cloud:
        session = cloud.session()
        sfn = session.client("stepfunctions")
        machines = {
            language: sfn.create_state_machine(
                name=unique(f"bench-{language.lower()}"),
                definition=json.dumps(definition),
                roleArn=role_arn(session),
            )["stateMachineArn"]
            for language, definition in (
                ("JSONata", jsonata_machine()),
                ("JSONPath", jsonpath_machine()),
            )
        }
        for machine in machines.values():  # parse and warm each once, outside the timings
            run_once(sfn, machine, payload)
        samples: dict[str, list[float]] = {language: [] for language in machines}
        for _ in range(args.repeat):
            for language, machine in machines.items():
                samples[language].append(run_once(sfn, machine, payload))
    medians = {language: statistics.median(s) * 1000 for language, s in samples.items()}
    for language, values in samples.items():
        low, high = min(values) * 1000, max(values) * 1000
        print(
            f"{STATES}-state {language:8} start → SUCCEEDED: median {medians[language]:6.1f} ms "
            f"(min {low:.1f}, max {high:.1f}, n={len(values)})"
        )
        emit(
            f"Step Functions {STATES} states, {language}: start → SUCCEEDED",
            medians[language],
            "ms",
        )
    ratio = medians["JSONata"] / medians["JSONPath"]
    print(f"JSONata / JSONPath: {ratio:.2f}x")
    emit("Step Functions JSONata vs JSONPath (same machine)", ratio, "x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
