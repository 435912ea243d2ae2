"""Benchmark the sample-data generator: 10M CSV rows against a 60 s target.

Runs ``python -m infra_scripts.sampledata generate`` in a child process writing into a
temporary directory (deleted afterwards) and prints elapsed seconds, rows/s, output size,
the child's peak RSS and the ratio to the target. Exit status 1 when over the target.

    .venv/bin/python bench/bench_sample_data.py [--rows 10M] [--format csv] [--schema seed]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 60.0
REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.report import emit  # noqa: E402


def run(rows: str, fmt: str, schema: str) -> int:
    """Run one generation and print the figures; return the exit status."""
    with tempfile.TemporaryDirectory(prefix="bench-sample-data-") as tmp:
        command = [
            sys.executable,
            "-m",
            "infra_scripts.sampledata",
            "generate",
            f"--rows={rows}",
            f"--format={fmt}",
            f"--schema={schema}",
            f"--out={tmp}",
            "--quiet",
        ]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            print(done.stdout + done.stderr, file=sys.stderr)
            return done.returncode
        size = sum(path.stat().st_size for path in Path(tmp).iterdir())
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    count = int(done.stdout.split()[1].replace(",", ""))
    ratio = elapsed / TARGET_SECONDS
    print(f"generator: {done.stdout.strip()}")
    print(f"rows:      {count:,} ({fmt}, schema {schema})")
    print(f"elapsed:   {elapsed:.2f} s wall, child process incl. interpreter start")
    print(f"rate:      {count / elapsed:,.0f} rows/s")
    print(f"output:    {size:,} bytes ({size / 2**20:,.1f} MiB)")
    print(f"peak RSS:  {peak_mib:,.1f} MiB (child)")
    verdict = "OK" if ratio <= 1 else "OVER TARGET"
    emit(f"sample data: {count:,} {fmt} rows generated", elapsed, "s", TARGET_SECONDS)
    print(f"target:    {TARGET_SECONDS:.0f} s -> ratio {ratio:.2f} ({verdict})")
    return 0 if ratio <= 1 else 1


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10M", help="rows to generate (default 10M)")
    parser.add_argument("--format", dest="fmt", default="csv", help="csv|json|jsonl|xlsx")
    parser.add_argument("--schema", default="seed", help="seed|extended")
    args = parser.parse_args(argv)
    return run(args.rows, args.fmt, args.schema)


if __name__ == "__main__":
    sys.exit(main())
