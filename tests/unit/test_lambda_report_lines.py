"""Lambda's REPORT lines read into columns (notebook 03 shows them whole, as a table).

The lines are the formats of AWS's Lambda documentation ("Using CloudWatch Logs with
Lambda", the runtime logging pages, the JSON log format's ``platform.report`` record) and
what the local cloud writes.
"""

from __future__ import annotations

import pytest

from infra_scripts.ops.inspection import REPORT_REQUIRED, parse_report_line

BILLING = ("duration_ms", "billed_duration_ms", "memory_size_mb", "max_memory_used_mb")


@pytest.mark.parametrize(
    ("line", "figures"),
    [
        (  # a cold start (tab-separated, as Lambda writes it; the CLI docs' example)
            "REPORT RequestId: 57f231fb-1730-4395-85cb-4f71bd2b87b8\tDuration: 3.41 ms\t"
            "Billed Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 62 MB\t"
            "Init Duration: 110.28 ms\t",
            {
                "request_id": "57f231fb-1730-4395-85cb-4f71bd2b87b8",
                "duration_ms": 3.41,
                "billed_duration_ms": 4,
                "memory_size_mb": 128,
                "max_memory_used_mb": 62,
                "init_duration_ms": 110.28,
            },
        ),
        (  # the same, as the console and the docs print it: spaces instead of tabs
            "REPORT RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95  Duration: 15.74 ms  "
            "Billed Duration: 16 ms Memory Size: 128 MB Max Memory Used: 56 MB  "
            "Init Duration: 130.49 ms",
            {
                "request_id": "8f507cfc-xmpl-4697-b07a-ac58fc914c95",
                "duration_ms": 15.74,
                "billed_duration_ms": 16,
                "memory_size_mb": 128,
                "max_memory_used_mb": 56,
                "init_duration_ms": 130.49,
            },
        ),
        (  # a warm start: no Init Duration (the local cloud's lines look like this)
            "REPORT RequestId: 7567424e-138b-459b-94b4-e0d8390908c4\tDuration: 83.71 ms\t"
            "Billed Duration: 84 ms\tMemory Size: 512 MB\tMax Memory Used: 47 MB",
            {
                "request_id": "7567424e-138b-459b-94b4-e0d8390908c4",
                "duration_ms": 83.71,
                "billed_duration_ms": 84,
                "memory_size_mb": 512,
                "max_memory_used_mb": 47,
            },
        ),
        (  # a timeout: the status follows the figures
            "REPORT RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac\tDuration: 3000.00 ms\t"
            "Billed Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t"
            "Status: timeout",
            {
                "request_id": "c793869b-ee49-115b-a5b6-4fd21e8dedac",
                "duration_ms": 3000,
                "billed_duration_ms": 3000,
                "memory_size_mb": 128,
                "max_memory_used_mb": 60,
                "status": "timeout",
            },
        ),
        (  # SnapStart: a restore instead of an init
            "REPORT RequestId: 3bc1dd8b-7f2b-4e1b-9c1f-1b0d4c4c5b6a\tDuration: 12.5 ms\t"
            "Billed Duration: 313 ms\tMemory Size: 1024 MB\tMax Memory Used: 98 MB\t"
            "Restore Duration: 474.16 ms\tBilled Restore Duration: 300 ms",
            {
                "request_id": "3bc1dd8b-7f2b-4e1b-9c1f-1b0d4c4c5b6a",
                "duration_ms": 12.5,
                "billed_duration_ms": 313,
                "memory_size_mb": 1024,
                "max_memory_used_mb": 98,
                "restore_duration_ms": 474.16,
                "billed_restore_duration_ms": 300,
            },
        ),
        (  # the JSON log format's platform.report record
            '{"time":"2023-11-01T12:00:00.000Z","type":"platform.report","record":{'
            '"requestId":"6f7f0961f83442118a7af6fe80b88d56","metrics":{"durationMs":3.41,'
            '"billedDurationMs":4,"memorySizeMB":128,"maxMemoryUsedMB":62,'
            '"initDurationMs":110.28},"status":"success"}}',
            {
                "request_id": "6f7f0961f83442118a7af6fe80b88d56",
                "duration_ms": 3.41,
                "billed_duration_ms": 4,
                "memory_size_mb": 128,
                "max_memory_used_mb": 62,
                "init_duration_ms": 110.28,
            },
        ),
    ],
)
def test_report_lines_become_every_figure_whole(line: str, figures: dict):
    assert parse_report_line(line) == figures


@pytest.mark.parametrize(
    "line",
    [
        "START RequestId: 7567424e-138b-459b-94b4-e0d8390908c4 Version: $LATEST",
        "END RequestId: 7567424e-138b-459b-94b4-e0d8390908c4",
        "XRAY TraceId: 1-5e34a614-10bdxmplf1fb44f07bc535a1\tSegmentId: 07f5xmpl2d1f6f85",
        "2026-10-27T09:00:00Z\t7567424e\tINFO\tthe report says Duration: 3 ms",
        "REPORT RequestId: 7567424e-138b-459b-94b4-e0d8390908c4\tDuration: 3.41 ms",  # cut short
        '{"type": "platform.start", "record": {"requestId": "x"}}',
        "{not json",
    ],
)
def test_other_lines_are_not_reports(line: str):
    assert parse_report_line(line) is None


def test_every_report_has_the_billing_figures():
    assert REPORT_REQUIRED == BILLING
