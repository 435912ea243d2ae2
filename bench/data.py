"""Benchmark input: seed-format CSV made by the kit's own generator, kept for reuse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def seed_csv(rows: int, folder: Path) -> Path:
    """A seed-format CSV of ``rows`` generated rows (seed 1) in ``folder``; reused if there.

    The generator runs in a child process so its memory never counts in the caller's RSS.
    """
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob("*.csv"))
    if not existing:
        command = [sys.executable, "-m", "infra_scripts.sampledata", "generate"]
        command += ["--rows", str(rows), "--format", "csv", "--schema", "seed", "--seed", "1"]
        command += ["--out", str(folder), "--quiet"]
        subprocess.run(command, check=True, cwd=ROOT)
        existing = sorted(folder.glob("*.csv"))
    return existing[0]
