"""SQL for the analytics side: generic templates filled from the contract, and each business's own.

``<engine>/*.sql`` (``athena``: Trino SQL over the catalog; ``redshift``: Redshift SQL) are
generic: they name no business column, only contract placeholders (:mod:`.derive`:
``${partition}``, ``${dedup_key}``, ``${revenue}``, ``${stage_columns}`` …) that
:func:`queries` fills from the contract. ``<engine>/<business>/*.sql`` are one business's own
analytics, written with its column names; a business file replaces a generic one of the same
stem. Runtime placeholders are left for :func:`fill`: ``${database}``, ``${table}``, and for
Redshift ``${schema}``, ``${external_schema}``, ``${bucket}``, ``${role_arn}``, ``${region}``,
``${partition_value}`` (the partition the loads read) and ``${partition_folder}`` (its folder
name, Hive-escaped as the job writes it).

Generic Athena queries: ``curated_sales`` creates the view ``${table}_curated`` (committed
loads only, each de-duplication key once) over ``${table}`` and the commit markers
``${table}_loads``; ``daily_trend`` and ``revenue_by_partition`` (revenue, units and sales per
value of the partition column, named after it) read that view; ``data_quality`` and
``cross_file_duplicates`` read the table itself. Generic Redshift: ``external_schema``,
``fact_sales`` (the loaded table's DDL), ``copy_fact_sales`` (one partition folder by COPY,
merged on the de-duplication key), ``spectrum_fact_sales`` (the same through Spectrum: by
column name, for files of before and after an added column), ``daily_running_total``,
``partition_ranking``, ``spectrum_vs_loaded``. A line ``-- @include <stem>`` stands for that
template's text (both loads end with ``merge_fact_sales``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from pipeline_src.contracts import model
from pipeline_src.contracts.model import Contract
from pipeline_src.sql import derive

SQL_DIR = Path(__file__).parent
ENGINES = ("athena", "redshift")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_INCLUDE = re.compile(r"^-- @include ([a-z_]+)\n", re.MULTILINE)


def templates(engine: str, business: str | None = None) -> dict[str, Path]:
    """The template files of ``engine``: the generic ones, or one business's own."""
    if engine not in ENGINES:
        raise ValueError(f"unknown SQL engine {engine!r} (one of {', '.join(ENGINES)})")
    folder = SQL_DIR / engine if business is None else SQL_DIR / engine / business
    return {path.stem: path for path in sorted(folder.glob("*.sql"))}


def queries(engine: str, contract: Contract | None = None) -> dict[str, str]:
    """Every query of ``engine`` for ``contract``'s business (default the bookstore): file
    stem → SQL, contract placeholders filled, runtime placeholders left for :func:`fill`."""
    contract = contract or model.get(model.DEFAULT)
    files = {**templates(engine), **templates(engine, contract.name)}
    texts = {stem: path.read_text(encoding="utf-8") for stem, path in files.items()}
    values = derive.placeholders(contract)
    return {stem: derive.apply(_included(text, texts), values) for stem, text in texts.items()}


def _included(text: str, texts: Mapping[str, str]) -> str:
    """``text`` with each ``-- @include <stem>`` line replaced by that template's text."""

    def include(match: re.Match) -> str:
        stem = match.group(1)
        if stem not in texts:
            raise KeyError(f"-- @include {stem}: no such template")
        return texts[stem]

    return _INCLUDE.sub(include, text)


def fill(sql: str, values: Mapping[str, str]) -> str:
    """``sql`` with its placeholders replaced; a placeholder without a value is an error."""
    missing = sorted(set(_PLACEHOLDER.findall(sql)) - set(values))
    if missing:
        raise KeyError(f"no value for placeholder(s) {missing}")
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), sql)
