"""The `make demo` smoke, end to end on the test session's local cloud."""

from __future__ import annotations

import pytest

from infra_scripts.localcloud.outbox import list_mail
from infra_scripts.smoke import run_smoke

pytestmark = pytest.mark.localcloud


def test_smoke_passes_and_mails_the_owner(local_cloud, capsys):
    assert run_smoke(local_cloud.settings) is True
    out = capsys.readouterr().out
    assert "already running" in out  # it reused the started cloud
    for step in ("Validate", "Convert", "Notify", "SUCCEEDED", "smoke passed"):
        assert step in out
    mails = list_mail(local_cloud.settings, to=local_cloud.settings.email)
    assert mails[0].subject == "Smoke test: file processed"
    assert "Glue run SUCCEEDED" in mails[0].body


def test_smoke_is_repeatable(local_cloud):
    assert run_smoke(local_cloud.settings) is True
