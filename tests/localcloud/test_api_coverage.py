"""Every operation of botocore's Athena model is either served by the local cloud or listed,
with its reason, among those it does not offer (what docs/athena-api.md prints)."""

from __future__ import annotations

import pytest
from botocore.config import Config

from infra_scripts.devtools.api_coverage import probe, why_not

pytestmark = pytest.mark.localcloud


def test_athena_operations_are_served_or_documented(session) -> None:
    config = Config(parameter_validation=False, retries={"max_attempts": 1})
    verdicts = probe(session.client("athena", config=config))
    undocumented = sorted(
        op
        for op, verdict in verdicts.items()
        if verdict != "served" and why_not("athena", op) == "not yet"
    )
    assert undocumented == []
    # and what is documented as not offered really is not served
    offered_anyway = sorted(
        op
        for op, verdict in verdicts.items()
        if verdict == "served" and why_not("athena", op) != "not yet"
    )
    assert offered_anyway == []
