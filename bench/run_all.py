"""Run every benchmark, then print one summary table: figure, value, target, ratio, met.

Each script runs in its own process (its output streams through as it runs) and reports
its figures as ``BENCH-RESULT`` lines (:mod:`bench.report`). ``make bench`` runs this:

    .venv/bin/python bench/run_all.py [--only e2e,burst] [--skip athena]

Exit status 1 if a script failed or a target was missed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import parse

BENCH_DIR = Path(__file__).resolve().parent
SCRIPTS = (
    "localcloud",
    "stepfunctions",
    "sample_data",
    "etl",
    "athena",
    "e2e",
    "burst",
    "iam",
    "restart",
    "notebooks",
)


def run_script(name: str) -> tuple[int, float, list[dict[str, object]]]:
    """Run ``bench_<name>.py``; its exit code, wall seconds and reported figures."""
    command = [sys.executable, str(BENCH_DIR / f"bench_{name}.py")]
    print(f"\n=== bench_{name}.py", flush=True)
    started = time.perf_counter()
    records = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, cwd=BENCH_DIR.parent, bufsize=1
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            record = parse(line)
            if record is None:
                print(line, end="", flush=True)
            else:
                records.append(record)
    return process.returncode, time.perf_counter() - started, records


def _number(value: object) -> str:
    if value is None:
        return "-"
    number = float(value)  # type: ignore[arg-type]
    return f"{number:,.0f}" if abs(number) >= 100 else f"{number:.3g}"


def summary(results: dict[str, tuple[int, float, list[dict[str, object]]]]) -> tuple[str, bool]:
    """The table, and whether every script ran and every target was met."""
    rows = [("figure", "value", "target", "ratio", "met")]
    ok = True
    for name, (code, seconds, records) in results.items():
        if not records:
            rows.append((f"bench_{name}.py", f"exit {code}", "-", "-", "NO FIGURES"))
            ok = False
        for r in records:
            target = "-" if r["target"] is None else f"{r['target_op']} {_number(r['target'])}"
            met = {True: "yes", False: "NO", None: "-"}[r["met"]]  # type: ignore[index]
            ok &= r["met"] is not False
            rows.append(
                (
                    str(r["figure"]),
                    f"{_number(r['value'])} {r['unit']}",
                    f"{target} {r['unit']}" if r["target"] is not None else "-",
                    _number(r["ratio"]),
                    met,
                )
            )
        if code != 0 and records and all(r["met"] is not False for r in records):
            ok = False
            rows.append(
                (f"bench_{name}.py failed (exit {code}) after {seconds:.0f} s", "", "", "", "NO")
            )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [
        "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help=f"comma-separated, of: {', '.join(SCRIPTS)}")
    parser.add_argument("--skip", default="", help="comma-separated scripts to leave out")
    args = parser.parse_args(argv)
    chosen = [s for s in (args.only.split(",") if args.only else SCRIPTS) if s]
    unknown = set(chosen) - set(SCRIPTS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    skipped = set(filter(None, args.skip.split(",")))
    started = time.perf_counter()
    results = {name: run_script(name) for name in chosen if name not in skipped}
    table, ok = summary(results)
    print(f"\n=== summary ({time.perf_counter() - started:.0f} s)\n{table}")
    print("\nall targets met" if ok else "\nsome targets missed (or a benchmark failed)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
