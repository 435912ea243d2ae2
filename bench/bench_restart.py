"""Restart: how long a local cloud takes to come back with the state of the demo tour.

Builds the state once in a persistent local cloud (``make demo``'s run: deploy the stack,
upload the eight sample files, wait for their executions, query Athena), stops it, then
starts it ``--repeat`` times and reports, median of the starts:

- loading the saved state (the server's own log line; target ≤ 1 s)
- start until the first SDK call is answered with the state restored, beside the same for an
  ephemeral start in the same run (no state to load), and the snapshot's size on disk

    .venv/bin/python bench/bench_restart.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import emit
from infra_scripts.config import Settings
from infra_scripts.demo import run_demo
from infra_scripts.localcloud import process
from infra_scripts.session import make_session

TARGET_S = 1.0
_RESTORED = re.compile(r"state restored from .* in ([0-9.]+) s")


def _start_until_answered(settings: Settings) -> float:
    s3 = make_session(settings).client("s3")
    started = time.perf_counter()
    process.start(settings)
    s3.list_buckets()
    return time.perf_counter() - started


def _last_restore_s(settings: Settings) -> float:
    found = _RESTORED.findall(process.log_file(settings).read_text())
    if not found:
        raise RuntimeError("the server logged no 'state restored' line")
    return float(found[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(
            env={}, local_port=process.free_port(), state_dir=Path(tmp) / "kept"
        )
        with contextlib.redirect_stdout(io.StringIO()) as said:
            ok = run_demo(settings)
        if not ok:
            print(said.getvalue())
            print("the demo failed: no state to restart with")
            return 1
        buckets = len(make_session(settings).client("s3").list_buckets()["Buckets"])
        process.stop(settings)
        state = Path(settings.state_dir) / "state"
        manifest = json.loads((state / "MANIFEST.json").read_text())
        blobs = sum(p.stat().st_size for p in (state / "blobs").glob("*/*"))
        ephemeral = dataclasses.replace(
            settings, state_dir=Path(tmp) / "ephemeral", local_ephemeral=True
        )
        restores, kept_starts, empty_starts = [], [], []
        for _ in range(args.repeat):  # alternate, so both see the same machine load
            kept_starts.append(_start_until_answered(settings))
            restores.append(_last_restore_s(settings))
            again = len(make_session(settings).client("s3").list_buckets()["Buckets"])
            process.stop(settings)
            if again != buckets:
                print(f"restored {again} buckets, expected {buckets}")
                return 1
            empty_starts.append(_start_until_answered(ephemeral))
            process.stop(ephemeral)
    restore, kept, empty = (statistics.median(x) for x in (restores, kept_starts, empty_starts))
    print(f"state of the demo: {buckets} buckets, {manifest['blobs']} S3 bodies ({blobs:,} B)")
    print(f"  snapshot                         {manifest['size']:>10,} B")
    print(f"  load the saved state             {restore:7.2f} s  (median of {args.repeat})")
    print(f"  start -> first answer, restored  {kept:7.2f} s")
    print(f"  start -> first answer, ephemeral {empty:7.2f} s")
    emit("restart: load the demo tour's saved state", restore, "s", TARGET_S)
    emit("restart: start -> first answer with the state", kept, "s")
    emit("restart: start -> first answer, ephemeral (same run)", empty, "s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
