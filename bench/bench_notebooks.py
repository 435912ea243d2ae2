"""Notebook suite wall time: the whole tour, as ``make demo`` runs it (target ≤ 60 s).

Runs ``retailkit notebooks run --fresh-stack`` against a local cloud of its own (a free
port, a temporary state dir, runs into a temporary folder) and reports the time the runner
prints, which covers everything: the cloud's start, every notebook, the teardown:

    .venv/bin/python bench/bench_notebooks.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import emit
from infra_scripts.localcloud.process import free_port

TARGET_S = 60.0
ROOT = Path(__file__).resolve().parents[1]
DONE = re.compile(r"^(\d+) notebooks ok in ([0-9.]+)s")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            str(Path(sys.executable).with_name("retailkit")),
            "notebooks",
            "run",
            "--fresh-stack",
            "--port",
            str(free_port()),
            "--state-dir",
            f"{tmp}/state",
            "--out",
            f"{tmp}/runs",
        ]
        finished = None
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT) as runner:
            assert runner.stdout is not None
            for line in runner.stdout:
                print(line, end="", flush=True)
                finished = DONE.match(line) or finished
    if runner.returncode != 0 or finished is None:
        print(f"the notebook run failed (exit {runner.returncode})")
        return 1
    seconds = float(finished.group(2))
    record = emit(
        f"notebook suite wall time ({finished.group(1)} notebooks)", seconds, "s", TARGET_S
    )
    print(f"target <= {TARGET_S:.0f} s: ratio {record['ratio']:.2f}")
    return 0 if record["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
