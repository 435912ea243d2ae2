"""Benchmark: the Glue job's transform vs DuckDB COPY, CSV → Snappy Parquet by genre.

For each size (default 1M and 10M rows of seed-format CSV, generated with the kit's sample
generator) it runs, each in a fresh child process, (1) the pipeline's ``transform_file``
and (2) DuckDB ``COPY (SELECT ... FROM read_csv(...)) TO ... (FORMAT parquet, PARTITION_BY
genre, COMPRESSION snappy)``, and prints both throughputs (rows/s), both peak RSS (the
child's ru_maxrss) and the ratios against the targets: throughput >= 0.7x DuckDB's, peak RSS
<= 1.5x DuckDB's. Both children warm up on a tiny file first, so imports are not timed.
Each side runs ``--repeat`` times, alternating, and its median run counts: on a shared
machine one run of either side varies by ±15%, and a ~1 s run of DuckDB by up to 25%. By
default sizes up to 2M rows run 5 times, larger ones 3 times.

    .venv/bin/python bench/bench_etl.py [--sizes 1000000,10000000] [--repeat 3] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.data import seed_csv  # noqa: E402
from bench.report import emit  # noqa: E402

THROUGHPUT_TARGET = 0.7
RSS_TARGET = 1.5
SMALL_SIZE = 2_000_000  # runs of a second or so: more samples for the median

PIPELINE_CHILD = """
import datetime as dt, json, sys, tempfile, time
from pipeline_src.etl.transform import SourceInfo, transform_file
src, out, warm = sys.argv[1], sys.argv[2], sys.argv[3]
source = SourceInfo("raw", "incoming/sales_2026-11-02.csv", "v1", dt.datetime(2026, 11, 2))
with tempfile.TemporaryDirectory() as scratch:
    transform_file(warm, "csv", source, scratch)
start = time.perf_counter()
result = transform_file(src, "csv", source, out)
print(json.dumps({"rows": result.rows_accepted, "seconds": time.perf_counter() - start,
                  "fast_path": result.fast_path}))
"""

DUCKDB_CHILD = """
import json, sys, time
import duckdb
src, out, warm = sys.argv[1], sys.argv[2], sys.argv[3]
config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
query = (
    "COPY (SELECT title, CAST(price AS DECIMAL(10,2)) AS price, age_group, genre, book_id, "
    "transaction_id FROM read_csv('{src}', header=true)) TO '{out}' "
    "(FORMAT parquet, PARTITION_BY genre, COMPRESSION snappy, OVERWRITE_OR_IGNORE)"
)
con = duckdb.connect(config=config)
con.execute(query.format(src=warm, out=out + "-warm"))
start = time.perf_counter()
con.execute(query.format(src=src, out=out))
seconds = time.perf_counter() - start
rows = con.execute(f"SELECT count(*) FROM read_parquet('{out}/*/*.parquet')").fetchone()[0]
print(json.dumps({"rows": rows, "seconds": seconds}))
"""


def run_child(code: str, src: Path, out: Path, warm: Path) -> dict:
    """Run ``code`` in a fresh interpreter; its JSON result plus its peak RSS (MiB)."""
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(src), str(out), str(warm)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    stdout = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"benchmark child failed with exit code {process.returncode}")
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    result["rss_mib"] = usage.ru_maxrss / 1024  # Linux reports KiB
    return result


def median_sample(samples: list[dict]) -> dict:
    """The run with the median time (its RSS goes with it): one noisy run decides nothing."""
    return sorted(samples, key=lambda sample: sample["seconds"])[len(samples) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--repeat", type=int, default=None, help="runs of each side (medians); default 5 or 3"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-etl-") as tmp:
        work = args.workdir or Path(tmp)
        warm = ROOT / "sample_data" / "seed" / "sales_2026-10-26.csv"
        ok = True
        for size in (int(s) for s in args.sizes.split(",")):
            src = seed_csv(size, work / f"csv-{size}")
            samples: dict[str, list[dict]] = {"ours": [], "duck": []}
            repeat = args.repeat or (5 if size <= SMALL_SIZE else 3)
            for _ in range(repeat):  # alternate, so a busy moment hits both alike
                samples["ours"].append(
                    run_child(PIPELINE_CHILD, src, work / f"pipeline-{size}", warm)
                )
                samples["duck"].append(run_child(DUCKDB_CHILD, src, work / f"duckdb-{size}", warm))
            ours, duck = median_sample(samples["ours"]), median_sample(samples["duck"])
            ours_rate, duck_rate = ours["rows"] / ours["seconds"], duck["rows"] / duck["seconds"]
            speed, memory = ours_rate / duck_rate, ours["rss_mib"] / duck["rss_mib"]
            ok &= speed >= THROUGHPUT_TARGET and memory <= RSS_TARGET
            print(f"{size:>11,} rows ({src.stat().st_size / 2**20:,.0f} MiB CSV)")
            print(
                f"  pipeline transform: {ours_rate:>12,.0f} rows/s  {ours['seconds']:6.2f} s  "
                f"peak RSS {ours['rss_mib']:7.1f} MiB  (fast path: {ours['fast_path']})"
            )
            print(
                f"  DuckDB COPY:        {duck_rate:>12,.0f} rows/s  {duck['seconds']:6.2f} s  "
                f"peak RSS {duck['rss_mib']:7.1f} MiB"
            )
            print(
                f"  throughput ratio {speed:.2f}x (target >= {THROUGHPUT_TARGET}x)  "
                f"RSS ratio {memory:.2f}x (target <= {RSS_TARGET}x)"
            )
            emit(
                f"ETL {size:,} rows: throughput vs DuckDB COPY",
                speed,
                "x",
                THROUGHPUT_TARGET,
                higher_is_better=True,
            )
            emit(f"ETL {size:,} rows: peak RSS vs DuckDB COPY", memory, "x", RSS_TARGET)
            if ours["rows"] != duck["rows"]:
                print(f"  row counts differ: pipeline {ours['rows']:,}, DuckDB {duck['rows']:,}")
                ok = False
        print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
