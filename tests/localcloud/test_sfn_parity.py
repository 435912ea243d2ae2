"""Step Functions parity: the executions recorded on real AWS (../shared/sfn-parity/cases.json),
replayed against the local cloud by the folder's own tool, must match AWS in at least
:data:`THRESHOLD` of the cases. Skipped where ../shared/ is not beside the project."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.localcloud

THRESHOLD = 0.98
_NORMALISED = (
    "the recorded cause holds the invalid timestamp as AWS printed it, but the tool turns any "
    "ISO-8601-looking text of our answer into 'date' before comparing"
)
_SCENARIOS = "scenarios/test_base_scenarios.py::TestBaseScenarios::"
# Cases that cannot match whatever the local cloud does, and why.
KNOWN_DIFFERENCES = {
    _SCENARIOS + "test_wait_timestamp_path[INVALID_DATE]": _NORMALISED,
    _SCENARIOS + "test_wait_timestamp_jsonata[INVALID_TIME]": _NORMALISED,
    # Recorded as "now + 24,856 days" (beyond AWS's 2^31-1 s Wait limit); replayed later, the
    # fixed timestamp is within the limit (from 2026-12-07 18:13 UTC on), so AWS would wait too.
    "base/test_wait.py::TestSfnWait::test_timestamp_too_far_in_future_boundary[24856]": (
        "time-dependent recording"
    ),
}
RESULT = re.compile(r"sfn parity: (\d+)/(\d+) cases match AWS")


def test_recorded_aws_executions_match(local_cloud, sfn_parity, tmp_path):
    report = tmp_path / "parity.json"
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    done = subprocess.run(
        [
            sys.executable,
            str(sfn_parity / "run_parity.py"),
            "--endpoint",
            local_cloud.endpoint,
            "--report",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=environment,
        check=False,
    )
    found = RESULT.search(done.stdout)
    assert found, (
        f"no result line from run_parity.py:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    )
    matched, total = int(found.group(1)), int(found.group(2))
    differing = sorted(
        case["name"] for case in json.loads(report.read_text()) if case["status"] != "PASS"
    )
    unexpected = [name for name in differing if name not in KNOWN_DIFFERENCES]
    assert matched / total >= THRESHOLD and not unexpected, (
        f"{matched}/{total} cases match AWS (need {THRESHOLD:.0%}); differing beyond the known "
        f"ones: {unexpected}"
    )
