"""Patches of moto internals fail loudly, naming the moto version they need."""

from __future__ import annotations

import types

import pytest

from infra_scripts.exceptions import MotoVersionError
from infra_scripts.localcloud import patching


def test_replace_refuses_a_missing_attribute():
    owner = types.SimpleNamespace(present=lambda: 1)
    with pytest.raises(MotoVersionError, match=r"absent is missing.*moto==5\.2\.5"):
        patching.replace(owner, "absent", lambda: 2)


def test_replace_returns_the_original():
    owner = types.SimpleNamespace(present=lambda: 1)
    original = patching.replace(owner, "present", lambda: 2)
    assert original() == 1 and owner.present() == 2


def test_wrong_moto_version_is_refused(monkeypatch):
    monkeypatch.setattr(patching, "installed_moto_version", lambda: "5.1.0")
    with pytest.raises(MotoVersionError, match=r"needs moto==5\.2\.5.*moto 5\.1\.0 is installed"):
        patching.check_moto_version()


def test_the_installed_moto_is_the_pinned_one():
    patching.check_moto_version()
