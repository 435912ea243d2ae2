"""What the pipeline costs on AWS, next to the original design, from published prices.

``retailkit cost --files-per-day N --rows-per-file M [--queries-per-day Q]`` prints the table;
:func:`estimate` is the same model in Python (notebooks 04 and 06 show it).

Prices: :data:`PRICES`, us-east-1 on-demand list prices as published on each service's
``aws.amazon.com/<service>/pricing`` page (:data:`PRICES_AS_OF`); free tiers are **not**
subtracted (a small shop would often pay less). Unchanged for years, but check the pages
before quoting a figure.

The kit, per file: ValidateFile and Notify Lambda invocations, the state transitions of the
ASL's success path (4, counted from ``pipeline.asl.json``), one Glue Python-shell run
(1/16 DPU, per second, 1-minute minimum), S3 and Glue Data Catalog requests, one SNS e-mail,
CloudWatch Logs. The original design, per file: the same Lambda/S3/SNS, plus two crawler runs
(raw and processed, 10-minute minimum each, 2 DPUs as in AWS's pricing example), one Spark job
(2 DPUs minimum, 1-minute minimum) and the state transitions of its crawler poll loops.
Per day: Athena queries (per TB scanned, 10 MB minimum per query), Redshift Serverless
queries (RPU-hours, 60-second minimum), storage after ``months_retained`` months.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRICES_AS_OF = "2025-06"  # the list prices below, as published then (us-east-1, on-demand)
REGION = "us-east-1"
MB = 1 << 20
GB = 1 << 30
TB = 1 << 40
ASL = Path(__file__).resolve().parents[1] / "pipeline_src" / "statemachine" / "pipeline.asl.json"


@dataclass(frozen=True)
class Price:
    usd: float  # per one ``unit``
    unit: str
    source: str


PRICES: dict[str, Price] = {
    "lambda_request": Price(0.20 / 1e6, "request", "aws.amazon.com/lambda/pricing"),
    "lambda_gb_s": Price(0.0000166667, "GB-second (x86)", "aws.amazon.com/lambda/pricing"),
    "sfn_transition": Price(
        0.025 / 1000, "state transition (Standard)", "aws.amazon.com/step-functions/pricing"
    ),
    "glue_dpu_hour": Price(
        0.44, "DPU-hour (Python shell, Spark, crawlers)", "aws.amazon.com/glue/pricing"
    ),
    "glue_catalog_request": Price(
        1.00 / 1e6, "Data Catalog request (after 1M free/month)", "aws.amazon.com/glue/pricing"
    ),
    "s3_gb_month": Price(0.023, "GB-month (Standard)", "aws.amazon.com/s3/pricing"),
    "s3_put": Price(0.005 / 1000, "PUT, COPY, POST or LIST request", "aws.amazon.com/s3/pricing"),
    "s3_get": Price(0.0004 / 1000, "GET or HEAD request", "aws.amazon.com/s3/pricing"),
    "athena_tb": Price(
        5.00, "TB scanned (10 MB minimum per query)", "aws.amazon.com/athena/pricing"
    ),
    "redshift_rpu_hour": Price(
        0.375, "RPU-hour (Serverless, 60 s minimum)", "aws.amazon.com/redshift/pricing"
    ),
    "sns_publish": Price(0.50 / 1e6, "publish (after 1M free/month)", "aws.amazon.com/sns/pricing"),
    "sns_email": Price(2.00 / 100_000, "e-mail delivery", "aws.amazon.com/sns/pricing"),
    "logs_ingest_gb": Price(0.50, "GB ingested", "aws.amazon.com/cloudwatch/pricing"),
    "logs_gb_month": Price(0.03, "GB-month stored", "aws.amazon.com/cloudwatch/pricing"),
}

# Billing rules (same pages).
PYTHON_SHELL_DPU = 1 / 16  # the kit's job size (MaxCapacity 0.0625)
PYTHON_SHELL_MIN_S = 60
SPARK_MIN_DPU = 2
SPARK_MIN_S = 60
CRAWLER_MIN_S = 600
ATHENA_MIN_BYTES = 10 * MB
REDSHIFT_MIN_S = 60
TARGET_PER_FILE_USD = 0.001


@dataclass(frozen=True)
class Workload:
    """A shop's usage, and the assumptions behind each figure (all overridable)."""

    files_per_day: float
    rows_per_file: int
    queries_per_day: float = 10.0  # Athena
    redshift_queries_per_day: float = 0.0
    days_per_month: float = 30.0
    months_retained: int = 12  # storage is priced for this much history
    partitions_per_file: int = 11  # one Parquet file per partition value (the seed: 11 genres)
    raw_bytes_per_row: float = 56.0  # measured: seed-format CSV
    parquet_bytes_per_row: float = 14.0  # measured: the job's Snappy Parquet, large files
    parquet_bytes_per_file: float = 3_800.0  # measured: footer and metadata per partition file
    athena_scan_fraction: float = 0.5  # columns a query reads: the view's keys plus measures
    validate_mb: int = 512  # ValidateFile MemorySize
    notify_mb: int = 256  # Notify MemorySize
    validate_overhead_s: float = 0.08  # measured warm invocation, 100 rows
    # 25 µs/row measured on one dev core; at 512 MB Lambda gives ~0.29 vCPU (1 vCPU = 1,769 MB)
    validate_us_per_row: float = 87.0
    notify_s: float = 0.1
    glue_overhead_s: float = 10.0  # script start, S3 and catalog round trips
    glue_us_per_row: float = 16.0  # 4 µs/row measured on 2 dev cores; 1/16 DPU is far smaller
    log_bytes_per_file: float = 3_000.0  # Lambda START/END/REPORT, the job's summary line
    emails_per_file: int = 1  # the owner's e-mail subscription
    redshift_base_rpu: int = 8
    redshift_query_s: float = 5.0
    # The original design: crawler runs of ~90 s polled every 30 s; a Spark job at its minimum.
    crawler_dpu: float = 2.0
    crawler_runtime_s: float = 90.0
    crawler_poll_s: float = 30.0
    spark_dpu: float = SPARK_MIN_DPU
    spark_runtime_s: float = 60.0


@dataclass(frozen=True)
class LineItem:
    service: str
    what: str
    kit_per_file: float = 0.0  # USD for processing one file
    original_per_file: float = 0.0
    kit_per_day: float = 0.0  # USD per day that does not depend on files (queries, storage)
    original_per_day: float = 0.0


@dataclass(frozen=True)
class Estimate:
    workload: Workload
    items: list[LineItem]

    def per_file(self, design: str) -> float:
        return sum(getattr(i, f"{design}_per_file") for i in self.items)

    def per_day(self, design: str) -> float:
        fixed = sum(getattr(i, f"{design}_per_day") for i in self.items)
        return self.per_file(design) * self.workload.files_per_day + fixed

    def per_month(self, design: str) -> float:
        return self.per_day(design) * self.workload.days_per_month

    @property
    def target_met(self) -> bool:
        return self.per_file("kit") <= TARGET_PER_FILE_USD

    def as_dict(self) -> dict[str, Any]:
        designs = ("kit", "original")
        return {
            "prices_as_of": PRICES_AS_OF,
            "region": REGION,
            "workload": dataclasses.asdict(self.workload),
            "items": [dataclasses.asdict(i) for i in self.items],
            "per_file": {d: self.per_file(d) for d in designs},
            "per_day": {d: self.per_day(d) for d in designs},
            "per_month": {d: self.per_month(d) for d in designs},
            "target_per_file": TARGET_PER_FILE_USD,
            "target_met": self.target_met,
        }


def _usd(name: str, quantity: float) -> float:
    return PRICES[name].usd * quantity


def _dpu_hours(dpu: float, seconds: float) -> float:
    return dpu * seconds / 3600


def success_transitions(asl_path: Path = ASL) -> int:
    """State transitions of a file that loads: the states entered along the success path."""
    states = json.loads(asl_path.read_text(encoding="utf-8"))
    name: str | None = states["StartAt"]
    count = 0
    while name is not None:
        state = states["States"][name]
        count += 1
        if state["Type"] == "Choice":
            name = state["Choices"][0]["Next"]  # the valid-file branch
        elif state.get("End") or state["Type"] in ("Succeed", "Fail"):
            name = None
        else:
            name = state["Next"]
    return count


def glue_python_shell_seconds(w: Workload) -> float:
    """Billed seconds of one run: actual time, at least the 1-minute minimum."""
    actual = w.glue_overhead_s + w.rows_per_file * w.glue_us_per_row / 1e6
    return max(PYTHON_SHELL_MIN_S, math.ceil(actual))


def athena_billed_bytes(scanned: float) -> float:
    """Athena rounds up to the next MB, with a 10 MB minimum per query."""
    return max(ATHENA_MIN_BYTES, math.ceil(scanned / MB) * MB)


def stored_rows(w: Workload) -> float:
    return w.files_per_day * w.days_per_month * w.months_retained * w.rows_per_file


def parquet_bytes(w: Workload) -> float:
    files = w.files_per_day * w.days_per_month * w.months_retained * w.partitions_per_file
    return stored_rows(w) * w.parquet_bytes_per_row + files * w.parquet_bytes_per_file


def original_transitions(w: Workload) -> int:
    """The success path with each crawler started, then polled: Wait → GetCrawler → Choice."""
    polls = math.ceil(w.crawler_runtime_s / w.crawler_poll_s)
    return success_transitions() + 2 * (1 + 3 * polls)


def _shared_items(w: Workload) -> list[LineItem]:
    """Per-file costs both designs pay (validation, mail, logs, S3 requests of the file)."""
    validate_s = w.validate_overhead_s + w.rows_per_file * w.validate_us_per_row / 1e6
    gb_s = validate_s * w.validate_mb / 1024 + w.notify_s * w.notify_mb / 1024
    lam_requests = _usd("lambda_request", 2)
    lam_compute = _usd("lambda_gb_s", gb_s)
    sns = _usd("sns_publish", 1) + _usd("sns_email", w.emails_per_file)
    logs = _usd("logs_ingest_gb", w.log_bytes_per_file / GB)
    # PUT class: upload, pending record, one data file per partition value, commit marker, summary,
    # one LIST (pending records); GET: validate, job (script, library, source, marker),
    # notify. DeleteObjects (the replaced load's files) is a DELETE: free.
    puts = 1 + 1 + w.partitions_per_file + 1 + 1 + 1
    gets = 1 + 4 + 1
    s3 = _usd("s3_put", puts) + _usd("s3_get", gets)
    return [
        LineItem("Lambda", "2 invocations", lam_requests, lam_requests),
        LineItem("Lambda", f"{gb_s:.3f} GB-s", lam_compute, lam_compute),
        LineItem("S3", f"{puts:g} PUT/LIST + {gets} GET", s3, s3),
        LineItem("SNS", f"1 publish, {w.emails_per_file} e-mail", sns, sns),
        LineItem("CloudWatch Logs", f"{w.log_bytes_per_file:,.0f} B ingested", logs, logs),
    ]


def estimate(w: Workload) -> Estimate:
    """Every line item of both designs for workload ``w``."""
    items = _shared_items(w)
    kit_steps, orig_steps = success_transitions(), original_transitions(w)
    items.append(
        LineItem(
            "Step Functions",
            f"{kit_steps} vs {orig_steps} transitions",
            _usd("sfn_transition", kit_steps),
            _usd("sfn_transition", orig_steps),
        )
    )
    glue_s = glue_python_shell_seconds(w)
    items.append(
        LineItem(
            "Glue job",
            f"Python shell 1/16 DPU x {glue_s:g} s vs Spark {w.spark_dpu:g} DPU",
            _usd("glue_dpu_hour", _dpu_hours(PYTHON_SHELL_DPU, glue_s)),
            _usd(
                "glue_dpu_hour",
                _dpu_hours(max(w.spark_dpu, SPARK_MIN_DPU), max(SPARK_MIN_S, w.spark_runtime_s)),
            ),
        )
    )
    crawl_s = max(CRAWLER_MIN_S, w.crawler_runtime_s)
    items.append(
        LineItem(
            "Glue crawlers",
            f"none vs 2 runs x {w.crawler_dpu:g} DPU x {crawl_s / 60:g} min",
            0.0,
            _usd("glue_dpu_hour", 2 * _dpu_hours(w.crawler_dpu, crawl_s)),
        )
    )
    catalog = _usd("glue_catalog_request", 4)  # GetTable x2, GetPartitions, BatchCreatePartition
    items.append(LineItem("Glue Data Catalog", "4 requests", catalog, 0.0))
    scanned = athena_billed_bytes(parquet_bytes(w) * w.athena_scan_fraction)
    athena = _usd("athena_tb", w.queries_per_day * scanned / TB)
    items.append(
        LineItem(
            "Athena",
            f"{w.queries_per_day:g} queries/day x {scanned / MB:,.0f} MB billed",
            kit_per_day=athena,
            original_per_day=athena,
        )
    )
    rpu_h = w.redshift_base_rpu * max(REDSHIFT_MIN_S, w.redshift_query_s) / 3600
    redshift = _usd("redshift_rpu_hour", w.redshift_queries_per_day * rpu_h)
    items.append(
        LineItem(
            "Redshift Serverless",
            f"{w.redshift_queries_per_day:g} queries/day x {w.redshift_base_rpu} RPU x 60 s min",
            kit_per_day=redshift,
            original_per_day=redshift,
        )
    )
    stored_gb = (stored_rows(w) * w.raw_bytes_per_row + parquet_bytes(w)) / GB
    storage = _usd("s3_gb_month", stored_gb) / w.days_per_month
    items.append(
        LineItem(
            "S3 storage",
            f"{stored_gb:,.3f} GB after {w.months_retained} months",
            kit_per_day=storage,
            original_per_day=storage,
        )
    )
    return Estimate(w, items)


# --- the table ---------------------------------------------------------------------------------


def _money(value: float) -> str:
    if value == 0:
        return "0"
    return f"${value:,.2f}" if value >= 1 else f"${value:.7f}"


def format_table(est: Estimate) -> str:
    """The comparison as aligned text: line items per day, then per file, day and month."""
    w = est.workload
    lines = [
        f"Cost model: {REGION} list prices as of {PRICES_AS_OF} (aws.amazon.com/<service>/"
        "pricing), free tiers not subtracted",
        f"Workload: {w.files_per_day:g} file(s)/day x {w.rows_per_file:,} rows, "
        f"{w.queries_per_day:g} Athena and {w.redshift_queries_per_day:g} Redshift "
        f"queries/day, storage after {w.months_retained} months",
        "",
    ]
    rows = [("service", "what", "kit $/day", "original $/day")]
    for item in est.items:
        kit = item.kit_per_file * w.files_per_day + item.kit_per_day
        original = item.original_per_file * w.files_per_day + item.original_per_day
        rows.append((item.service, item.what, _money(kit), _money(original)))
    rows.append(("", "", "", ""))
    for label, method in (
        ("per file", est.per_file),
        ("per day", est.per_day),
        (f"per month ({w.days_per_month:g} days)", est.per_month),
    ):
        rows.append(("total", label, _money(method("kit")), _money(method("original"))))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        lines.append(
            f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  "
            f"{row[2]:>{widths[2]}}  {row[3]:>{widths[3]}}".rstrip()
        )
    kit, original = est.per_file("kit"), est.per_file("original")
    lines += [
        "",
        f"Per file the kit costs {_money(kit)}, the original design {_money(original)} "
        f"({original / kit:,.0f}x more).",
        f"Target <= {_money(TARGET_PER_FILE_USD)} per daily file: "
        + ("met" if est.target_met else "NOT met"),
    ]
    return "\n".join(lines)


def _rows(text: str) -> int:
    from infra_scripts.sampledata.cli import row_count

    return row_count(text)


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def run(args: argparse.Namespace, settings: Any = None) -> int:
    """``retailkit cost`` (``settings`` is accepted and unused: the model is offline)."""
    del settings
    workload = Workload(
        files_per_day=args.files_per_day,
        rows_per_file=args.rows_per_file,
        queries_per_day=args.queries_per_day,
        redshift_queries_per_day=args.redshift_queries_per_day,
        months_retained=args.months,
    )
    est = estimate(workload)
    print(json.dumps(est.as_dict(), indent=2) if args.json else format_table(est))
    return 0


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--files-per-day", type=_non_negative, required=True)
    parser.add_argument("--rows-per-file", type=_rows, required=True, help="1000, 250k, 1M")
    parser.add_argument("--queries-per-day", type=_non_negative, default=10.0, help="Athena")
    parser.add_argument("--redshift-queries-per-day", type=_non_negative, default=0.0)
    parser.add_argument("--months", type=int, default=12, help="history kept in S3 (months)")
    parser.add_argument("--json", action="store_true", help="every figure as JSON")
    parser.set_defaults(func=run)


def add_cli(subparsers: Any) -> None:
    """Register ``cost`` on the ``retailkit`` CLI's subparsers."""
    parser = subparsers.add_parser(
        "cost",
        help="what the pipeline costs on AWS vs the original design (published prices)",
        description="Estimate AWS costs per file, day and month for a workload, next to the "
        "original crawler-and-Spark design. Offline: nothing is called.",
    )
    configure(parser)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="retailkit cost", description=__doc__.split("\n")[0])
    configure(parser)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
