"""SQL for the analytics side, with ``${placeholders}`` filled by the caller.

``athena/*.sql``: Trino SQL over the catalog (``${database}``, ``${table}``). ``curated_sales``
creates the view ``${table}_curated`` (committed loads, each transaction_id once) that deploy
creates over ``${table}`` and the commit markers ``${table}_loads``; the analytics queries read
that view, ``data_quality`` and ``cross_file_duplicates`` read the table itself.
``redshift/*.sql``: Redshift SQL — the external schema over the catalog, the fact table and
its COPY from the processed Parquet, and BI queries with window functions (``${schema}``,
``${external_schema}``, ``${bucket}``, ``${role_arn}``, ``${region}``, ``${genre}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

SQL_DIR = Path(__file__).parent
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def queries(engine: str) -> dict[str, str]:
    """Every query of ``engine`` ("athena" or "redshift"): file stem → SQL text."""
    folder = SQL_DIR / engine
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.sql"))}


def fill(sql: str, values: Mapping[str, str]) -> str:
    """``sql`` with its placeholders replaced; a placeholder without a value is an error."""
    missing = sorted(set(_PLACEHOLDER.findall(sql)) - set(values))
    if missing:
        raise KeyError(f"no value for placeholder(s) {missing}")
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), sql)
