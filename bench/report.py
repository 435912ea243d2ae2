"""The one line each benchmark prints per figure, for ``bench/run_all.py``'s summary table.

    emit("end-to-end latency", 0.62, "s", target=1.0)            # lower is better
    emit("ETL throughput vs DuckDB", 0.91, "x", target=0.7, higher_is_better=True)

prints ``BENCH-RESULT {"figure": ..., "value": ..., "unit": ..., "target": ..., ...}``.
"""

from __future__ import annotations

import json

PREFIX = "BENCH-RESULT "


def emit(
    figure: str,
    value: float,
    unit: str,
    target: float | None = None,
    *,
    higher_is_better: bool = False,
) -> dict[str, object]:
    """Print one figure with its ratio to the target (value/target) and whether it is met."""
    ratio = value / target if target else None
    met = None if target is None else (value >= target if higher_is_better else value <= target)
    record = {
        "figure": figure,
        "value": round(value, 4),
        "unit": unit,
        "target": target,
        "target_op": ">=" if higher_is_better else "<=",
        "ratio": None if ratio is None else round(ratio, 3),
        "met": met,
    }
    print(PREFIX + json.dumps(record), flush=True)
    return record


def parse(line: str) -> dict[str, object] | None:
    """The record of a ``BENCH-RESULT`` line, else None."""
    return json.loads(line[len(PREFIX) :]) if line.startswith(PREFIX) else None
