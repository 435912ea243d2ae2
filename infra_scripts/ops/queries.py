"""Run the kit's SQL (``pipeline_src/sql``) on Athena and Redshift into DataFrames, with cost.

    result = athena_query(session, "daily_trend", outputs)
    result.frame, result.bytes_scanned, result.cost_usd

Athena bills per TB scanned, rounded up to the MB with a 10 MB minimum per query, so small
queries all cost the minimum (prices: :mod:`infra_scripts.cost`). Redshift Serverless bills
RPU-hours, not bytes. The analytics queries read the curated view ``<table>_curated``.
The SQL is the stack's business's: its contract comes from the stack outputs
(:func:`infra_scripts.contracts.of_outputs`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import awswrangler as wr
import boto3
import pandas as pd

from infra_scripts import cost
from infra_scripts.contracts import of_outputs
from infra_scripts.exceptions import QueryFailedError, WaitTimeoutError
from infra_scripts.ops.tables import WholeFrame
from pipeline_src import naming
from pipeline_src.etl.table import curated_view_name
from pipeline_src.sql import fill, queries

MB = cost.MB
_DONE = ("FINISHED", "FAILED", "ABORTED")


@dataclass(frozen=True)
class QueryResult:
    """One query's answer and what it cost."""

    name: str
    engine: str
    frame: pd.DataFrame
    seconds: float
    bytes_scanned: int | None = None

    @property
    def billed_bytes(self) -> int | None:
        return None if self.bytes_scanned is None else athena_billed_bytes(self.bytes_scanned)

    @property
    def cost_usd(self) -> float | None:
        return None if self.bytes_scanned is None else athena_cost_usd(self.bytes_scanned)


def athena_billed_bytes(bytes_scanned: int) -> int:
    """What Athena bills: the scan rounded up to the MB, at least 10 MB."""
    return int(cost.athena_billed_bytes(bytes_scanned))


def athena_cost_usd(bytes_scanned: int) -> float:
    """Athena's price for one query that scanned ``bytes_scanned`` (10 MB minimum)."""
    return athena_billed_bytes(bytes_scanned) / cost.TB * cost.PRICES["athena_tb"].usd


def sales_filter(
    start_date: str | dt.date | None = None, end_date: str | dt.date | None = None
) -> str | None:
    """A WHERE condition on the sale dates (inclusive), or None for everything; a business's
    place (the bookstore's store) is :meth:`infra_scripts.ops.report.Business.place_filter`."""
    parts = []
    if start_date:
        parts.append(f"sale_date >= DATE '{dt.date.fromisoformat(str(start_date))}'")
    if end_date:
        parts.append(f"sale_date <= DATE '{dt.date.fromisoformat(str(end_date))}'")
    return " AND ".join(parts) or None


def athena_sql(
    name: str, outputs: Mapping[str, str], where: str | None = None, *, from_table: bool = False
) -> str:
    """The Athena query ``name`` for this stack; ``where`` narrows the sales it reads first.

    The analytics queries read the curated view, ``data_quality`` the table itself; either
    is narrowed (and keeps its name as the alias, so column references still resolve).
    ``from_table`` makes a query of the view read the table itself instead (every load's
    rows, duplicates included), e.g. to compare what each scans.
    """
    database, table = outputs["glue_database"], outputs["glue_table"]
    sql = fill(queries("athena", of_outputs(outputs))[name], {"database": database, "table": table})
    if from_table:
        view = f'"{database}"."{curated_view_name(table)}"'
        if view not in sql:
            raise ValueError(f"{name}.sql does not read the view {view}")
        relation = f'"{database}"."{table}"'
        sql = sql.replace(view, f"(SELECT * FROM {relation}) AS {curated_view_name(table)}")
        if where:
            narrowed = f"(SELECT * FROM {relation} WHERE {where})"
            return sql.replace(f"(SELECT * FROM {relation})", narrowed)
        return sql
    if where:
        for relation in (curated_view_name(table), table):
            source = f'"{database}"."{relation}"'
            if source in sql:
                narrowed = f"(SELECT * FROM {source} WHERE {where}) AS {relation}"
                return sql.replace(source, narrowed)
        raise ValueError(f"{name}.sql reads no sales relation: cannot narrow it to {where}")
    return sql


def athena_query(
    session: boto3.Session,
    name: str,
    outputs: Mapping[str, str],
    *,
    where: str | None = None,
    sql: str | None = None,
    label: str | None = None,
    from_table: bool = False,
) -> QueryResult:
    """Run a named query (or ``sql``) in the stack's workgroup; frame, bytes scanned, cost.

    ``where`` narrows the sales table first (see :func:`sales_filter`); ``label`` names the
    result in :func:`cost_table` (default: ``name``); ``from_table``: see :func:`athena_sql`.
    """
    started = time.perf_counter()
    frame = wr.athena.read_sql_query(
        sql or athena_sql(name, outputs, where, from_table=from_table),
        database=outputs["glue_database"],
        workgroup=outputs["athena_workgroup"],
        ctas_approach=False,
        boto3_session=session,
    )
    stats = getattr(frame, "query_metadata", {}).get("Statistics", {})
    return QueryResult(
        name=label or name,
        engine="athena",
        frame=frame,
        seconds=time.perf_counter() - started,
        bytes_scanned=int(stats.get("DataScannedInBytes", 0)),
    )


def cost_table(results: Iterable[QueryResult]) -> pd.DataFrame:
    """One row per query: rows, bytes scanned, bytes billed, cost and duration."""
    rows = [
        {
            "query": r.name,
            "engine": r.engine,
            "rows": len(r.frame),
            "scanned_kb": None if r.bytes_scanned is None else round(r.bytes_scanned / 1024, 1),
            "billed_mb": None if r.billed_bytes is None else r.billed_bytes // MB,
            "cost_usd": None if r.cost_usd is None else round(r.cost_usd, 6),
            "seconds": round(r.seconds, 2),
        }
        for r in results
    ]
    return pd.DataFrame(rows)


def _kb(result: QueryResult) -> str:
    return f"{(result.bytes_scanned or 0) / 1024:,.1f} KB"


def scan_comparison(full: QueryResult, *narrowed: QueryResult) -> str:
    """What each narrowed query scanned next to the full one, in words (from the results)."""
    parts = [f"{full.name} scanned {_kb(full)}"]
    for result in narrowed:
        share = (result.bytes_scanned or 0) / full.bytes_scanned if full.bytes_scanned else 0
        parts.append(f"{result.name} {_kb(result)} ({share:.0%} of it)")
    return "; ".join(parts) + "."


def _usd(value: float) -> str:
    if value == 0:
        return "0"
    return f"${value:,.2f}" if value >= 1 else f"${value:.7f}"


def pipeline_cost_table(est: cost.Estimate) -> WholeFrame:
    """A :func:`infra_scripts.cost.estimate` as a table: each line item's cost per day (USD)
    for the kit and for the original design, then the totals per file, day and month."""
    w = est.workload
    rows = []
    for item in est.items:
        kit = item.kit_per_file * w.files_per_day + item.kit_per_day
        original = item.original_per_file * w.files_per_day + item.original_per_day
        rows.append((item.service, item.what, _usd(kit), _usd(original)))
    for label, method in (
        ("per file", est.per_file),
        ("per day", est.per_day),
        (f"per month ({w.days_per_month:g} days)", est.per_month),
    ):
        rows.append(("total", label, _usd(method("kit")), _usd(method("original"))))
    return WholeFrame(rows, columns=["service", "what", "kit", "original"])


def pipeline_cost_summary(est: cost.Estimate) -> str:
    """The estimate's workload, prices and per-file comparison, in words."""
    w = est.workload
    kit, original = est.per_file("kit"), est.per_file("original")
    ratio = f" ({original / kit:,.0f}x more)" if kit else ""
    return (
        f"{w.files_per_day:g} file(s) a day of {w.rows_per_file:,} rows, "
        f"{w.queries_per_day:g} Athena queries a day, storage after {w.months_retained} months; "
        f"{cost.REGION} list prices as of {cost.PRICES_AS_OF}, free tiers not subtracted.\n"
        f"Per file the kit costs {_usd(kit)}, the original design {_usd(original)}{ratio}; "
        f"a month: {_usd(est.per_month('kit'))} vs {_usd(est.per_month('original'))}."
    )


def redshift_values(outputs: Mapping[str, str], **extra: str) -> dict[str, str]:
    """Placeholder values for ``sql/redshift/*.sql``: schemas ``mart`` and ``lake``."""
    return {
        "schema": "mart",
        "external_schema": "lake",
        "database": outputs["glue_database"],
        "table": outputs["glue_table"],
        "bucket": outputs["processed_bucket"],
        "role_arn": outputs["redshift_role_arn"],
        "region": outputs["region"],
        **extra,
    }


def redshift_sql(name: str, outputs: Mapping[str, str], **extra: str) -> str:
    """The Redshift script ``name`` with this stack's values; ``extra`` adds e.g.
    ``partition_value`` (the partition folder ``copy_fact_sales`` loads; the partition
    column's own name, such as ``genre=``, is accepted for it too)."""
    contract = of_outputs(outputs)
    extra = dict(extra)
    if contract.partition in extra:
        extra.setdefault("partition_value", extra.pop(contract.partition))
    if "partition_value" in extra:  # written inside SQL string literals
        value = str(extra["partition_value"])
        extra["partition_value"] = value.replace("'", "''")
        extra["partition_folder"] = naming.hive_escape(value).replace("'", "''")  # as stored
    return fill(queries("redshift", contract)[name], redshift_values(outputs, **extra))


def split_statements(script: str) -> list[str]:
    """The statements of a SQL script (``--`` comment lines dropped; ``;`` ends a statement)."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def redshift_script(
    session: boto3.Session,
    script: str,
    outputs: Mapping[str, str],
    *,
    deadline_s: float = 120.0,
) -> dict:
    """Run a script's statements as one Data API batch (one transaction); wait for it."""
    client = session.client("redshift-data")
    batch = client.batch_execute_statement(
        WorkgroupName=outputs["redshift_workgroup"],
        Database=outputs.get("redshift_database", "dev"),
        Sqls=split_statements(script),
    )
    deadline = time.monotonic() + deadline_s
    while True:
        described = client.describe_statement(Id=batch["Id"])
        if described["Status"] in _DONE:
            break
        if time.monotonic() > deadline:
            raise WaitTimeoutError(f"statement {batch['Id']} still running after {deadline_s}s")
        time.sleep(0.1)
    if described["Status"] != "FINISHED":
        raise QueryFailedError(batch["Id"], described["Status"], described.get("Error"))
    return described


def redshift_query(
    session: boto3.Session, name: str, outputs: Mapping[str, str], *, sql: str | None = None
) -> QueryResult:
    """Run a named Redshift query (or ``sql``) through the Data API into a DataFrame."""
    started = time.perf_counter()
    con = wr.data_api.redshift.connect(
        workgroup_name=outputs["redshift_workgroup"],
        database=outputs.get("redshift_database", "dev"),
        boto3_session=session,
    )
    text = sql or redshift_sql(name, outputs)
    frame = wr.data_api.redshift.read_sql_query(text, con=con)
    return QueryResult(name, "redshift", frame, time.perf_counter() - started)


def partition_values(session: boto3.Session, outputs: Mapping[str, str]) -> list[str]:
    """The values of the partitions registered in the Glue Data Catalog."""
    pages = (
        session.client("glue")
        .get_paginator("get_partitions")
        .paginate(DatabaseName=outputs["glue_database"], TableName=outputs["glue_table"])
    )
    return sorted({p["Values"][0] for page in pages for p in page["Partitions"]})


#: How :func:`load_fact_sales` stages a partition folder: Redshift's COPY (by column
#: position), or a SELECT through Spectrum (by column name: old and new files of an evolved
#: contract together).
LOADS = {"copy": "copy_fact_sales", "spectrum": "spectrum_fact_sales"}


def load_fact_sales(
    session: boto3.Session, outputs: Mapping[str, str], *, through: str = "copy"
) -> pd.DataFrame:
    """Load every partition into ``mart.fact_sales`` (merged on the de-duplication key): a
    row per partition value (column named after the partition column), rows inserted,
    seconds. ``through="spectrum"`` reads the files by column name, as needed once the
    contract gained a column (COPY cannot read files with and without it together)."""
    if through not in LOADS:
        raise ValueError(f"through must be one of {', '.join(LOADS)}, got {through!r}")
    partition = of_outputs(outputs).partition
    rows = []
    for value in partition_values(session, outputs):
        started = time.perf_counter()
        script = redshift_sql(LOADS[through], outputs, partition_value=value)
        try:
            described = redshift_script(session, script, outputs)
        except QueryFailedError as exc:
            if through == "copy":
                exc.args = (
                    f"{exc.args[0]} — if the contract gained a column since some of these files "
                    "were loaded, COPY cannot read them together: load through Spectrum "
                    "(load_fact_sales(..., through='spectrum'); notebook 05: "
                    "load_through = 'spectrum')",
                )
            raise
        inserted = sum(
            sub.get("ResultRows", 0)
            for sub in described.get("SubStatements", [])
            if sub.get("QueryString", "").lstrip().upper().startswith("INSERT")
        )
        seconds = round(time.perf_counter() - started, 2)
        rows.append({partition: value, "rows": inserted, "seconds": seconds})
    return pd.DataFrame(rows, columns=[partition, "rows", "seconds"])
