"""The cost model against figures worked out by hand from the published prices."""

from __future__ import annotations

import json

import pytest

from infra_scripts import cost
from infra_scripts.cost import Workload, estimate

BOOKSTORE = Workload(files_per_day=1, rows_per_file=100)


def _item(est: cost.Estimate, service: str) -> cost.LineItem:
    return next(i for i in est.items if i.service == service)


def test_success_path_of_the_asl_is_four_transitions():
    # ValidateFile → IsValid → TransformFile → NotifySuccess
    assert cost.success_transitions() == 4


def test_billing_minimums():
    est = estimate(BOOKSTORE)
    # Python shell: 1/16 DPU x 60 s (1-minute minimum) x $0.44/DPU-hour
    assert _item(est, "Glue job").kit_per_file == pytest.approx(0.0625 * 60 / 3600 * 0.44)
    assert _item(est, "Glue job").kit_per_file == pytest.approx(0.000458333, rel=1e-6)
    # Spark: 2 DPU x 60 s = $0.0146667; crawlers: 2 runs x 2 DPU x 10 min = $0.293333
    assert _item(est, "Glue job").original_per_file == pytest.approx(0.0146667, rel=1e-5)
    assert _item(est, "Glue crawlers").original_per_file == pytest.approx(0.293333, rel=1e-5)
    assert _item(est, "Glue crawlers").kit_per_file == 0
    # 4 transitions x $0.025/1000; original: 4 + 2 x (start + 3 polls x 3 states) = 24
    assert _item(est, "Step Functions").kit_per_file == pytest.approx(0.0001)
    assert _item(est, "Step Functions").original_per_file == pytest.approx(24 * 0.000025)


def test_athena_rounds_up_to_the_megabyte_with_a_10_mb_minimum():
    mb = 1 << 20
    assert cost.athena_billed_bytes(1) == 10 * mb
    assert cost.athena_billed_bytes(10.5 * mb) == 11 * mb
    # 10 queries/day of a small table: 10 x 10 MB x $5/TB (TB = 2^40 bytes)
    athena = _item(estimate(BOOKSTORE), "Athena").kit_per_day
    assert athena == pytest.approx(10 * 10 / (1 << 20) * 5.0)
    assert athena == pytest.approx(0.000476837, rel=1e-6)


def test_redshift_serverless_bills_at_least_60_seconds_of_base_capacity():
    est = estimate(Workload(files_per_day=1, rows_per_file=100, redshift_queries_per_day=3))
    # 3 queries x 8 RPU x 60 s x $0.375/RPU-hour = 3 x $0.05
    assert _item(est, "Redshift Serverless").kit_per_day == pytest.approx(0.15)


def test_the_bookstore_file_costs_under_a_tenth_of_a_cent():
    est = estimate(BOOKSTORE)
    # Worked by hand (USD): Glue 0.000458333 + S3 16 x 0.000005 + 6 x 0.0000004 (0.0000824)
    # + Step Functions 0.0001 + SNS 0.0000005 + 0.00002 + catalog 0.000004
    # + logs 3000 B x $0.50/GiB (0.000001397) + Lambda 2 x 0.0000002
    # + (0.0887 s x 0.5 GB + 0.1 s x 0.25 GB) x 0.0000166667 (0.000001156)
    assert est.per_file("kit") == pytest.approx(0.000668186, rel=1e-5)
    assert est.target_met
    # the original: the shared 0.000105853 + 0.0006 + 0.0146667 + 0.293333
    assert est.per_file("original") == pytest.approx(0.308706, rel=1e-5)
    assert est.per_month("kit") == pytest.approx(est.per_day("kit") * 30)


def test_big_files_leave_the_glue_minimum_and_can_miss_the_target():
    est = estimate(Workload(files_per_day=1, rows_per_file=10_000_000))
    # 10 s + 10M x 16 µs = 170 s of 1/16 DPU
    assert _item(est, "Glue job").kit_per_file == pytest.approx(0.0625 * 170 / 3600 * 0.44)
    assert not est.target_met


def test_cli_prints_the_table_and_json(capsys):
    assert cost.main(["--files-per-day", "2", "--rows-per-file", "100"]) == 0
    text = capsys.readouterr().out
    assert "Target <= $0.0010000 per daily file: met" in text
    assert f"as of {cost.PRICES_AS_OF}" in text and "Glue crawlers" in text
    assert cost.main(["--files-per-day", "2", "--rows-per-file", "1k", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["workload"]["rows_per_file"] == 1000
    fixed = sum(item["kit_per_day"] for item in doc["items"])
    assert fixed > 0  # Athena and storage
    assert doc["per_day"]["kit"] == pytest.approx(2 * doc["per_file"]["kit"] + fixed)


def test_retailkit_cost_runs_through_the_main_cli(capsys):
    from infra_scripts.cli import main

    assert main(["cost", "--files-per-day", "1", "--rows-per-file", "100", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["workload"]["files_per_day"] == 1
    assert doc["per_file"]["kit"] <= cost.TARGET_PER_FILE_USD < doc["per_file"]["original"]
