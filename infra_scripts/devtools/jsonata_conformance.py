"""How much of JSONata's own test suite the local cloud's JSONata engine passes.

The local cloud evaluates Step Functions' JSONata with jsonata-python; this runs JSONata's
language-neutral test suite (``test/test-suite`` of jsonata-js, e.g. the v2.0.6 tag, the
version AWS documents) against it and prints the pass rate per group, then the total::

    .venv/bin/python -m infra_scripts.devtools.jsonata_conformance --suite PATH/test-suite

A case passes when the result equals the expected one (numbers compared to 1e-9 relative),
when both are undefined, or when the expected error code is raised. The ``function-eval``
group is reported apart: AWS does not support ``$eval``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any

CASE_TIMEOUT_S = 10.0


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, float | int) and isinstance(actual, float | int):
        if isinstance(expected, bool) or isinstance(actual, bool):
            return expected is actual
        return math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(map(_same, expected, actual))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            _same(v, actual[k]) for k, v in expected.items()
        )
    return expected == actual


def run_case(case: dict[str, Any], datasets: Path) -> bool:
    """Whether jsonata-python gives the case's expected outcome."""
    import jsonata
    from jsonata import utils

    if "data" in case:
        data = case["data"]
    elif case.get("dataset"):
        data = json.loads((datasets / f"{case['dataset']}.json").read_text())
    else:
        data = None
    try:
        expression = jsonata.Jsonata(case["expr"])
        if case.get("timelimit") or case.get("depth"):
            expression.environment.set_runtime_bounds(case.get("timelimit"), case.get("depth"))
        expression.set_output_convert_nulls(False)
        result = expression.evaluate(data, case.get("bindings") or None)
    except Exception as exc:  # an expected error is a pass
        return "code" in case and getattr(exc, "error", None) == case["code"]
    if "code" in case:
        return False
    if case.get("undefinedResult"):
        return result is None
    return "result" in case and _same(case["result"], utils.Utils.convert_nulls(result))


def _cases(suite: Path) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted((suite / "groups").glob("*/*.json")):
        loaded = json.loads(path.read_text())
        for case in loaded if isinstance(loaded, list) else [loaded]:
            found.append((path.parent.name, case))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", type=Path, required=True, help="jsonata-js's test/test-suite")
    args = parser.parse_args(argv)
    cases = _cases(args.suite)
    if not cases:
        parser.error(f"no cases under {args.suite / 'groups'}")
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    datasets = args.suite / "datasets"
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        for group, case in cases:
            total[group] += 1
            future = pool.submit(run_case, case, datasets)
            try:
                passed[group] += future.result(timeout=CASE_TIMEOUT_S)
            except concurrent.futures.TimeoutError:
                print(f"  {group}: a case ran over {CASE_TIMEOUT_S}s: {case['expr'][:60]!r}")
                pool.shutdown(wait=False, cancel_futures=True)
                return 2
    for group in sorted(total):
        if passed[group] < total[group]:
            print(f"  {group:40} {passed[group]:4}/{total[group]:<4}")
    supported = [g for g in total if g != "function-eval"]
    ok, all_ = sum(passed[g] for g in supported), sum(total[g] for g in supported)
    print(f"jsonata conformance: {ok}/{all_} cases ({ok / all_:.1%}) without function-eval")
    print(
        f"  function-eval (unsupported by AWS): {passed['function-eval']}/{total['function-eval']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
