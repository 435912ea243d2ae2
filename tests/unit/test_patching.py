"""Patches of moto internals fail loudly, naming the moto version they need."""

from __future__ import annotations

import types

import pytest

from infra_scripts.exceptions import MotoVersionError
from infra_scripts.localcloud.motolayer import patching


def test_replace_refuses_a_missing_attribute():
    owner = types.SimpleNamespace(present=lambda: 1)
    with pytest.raises(MotoVersionError, match=r"absent is missing.*moto==5\.2\.5"):
        patching.replace(owner, "absent", lambda: 2)


def test_replace_returns_the_original():
    owner = types.SimpleNamespace(present=lambda: 1)
    with patching.PATCHES.undone_on_exit():
        original = patching.replace(owner, "present", lambda: 2)
        assert original() == 1 and owner.present() == 2
    assert owner.present() == 1


def test_wrong_moto_version_is_refused(monkeypatch):
    monkeypatch.setattr(patching, "installed_moto_version", lambda: "5.1.0")
    with pytest.raises(MotoVersionError, match=r"needs moto==5\.2\.5.*moto 5\.1\.0 is installed"):
        patching.check_moto_version()


def test_the_installed_moto_is_the_pinned_one():
    patching.check_moto_version()


def test_every_patch_is_listed_and_undone_newest_first():
    class Owner:
        present = "original"

    class Child(Owner):
        pass

    registry = patching.PatchRegistry()
    with registry.undone_on_exit():
        assert registry.replace(Owner, "present", "first") == "original"
        registry.replace(Owner, "present", "second")
        registry.replace(Child, "present", "child's")  # inherited: undone by deleting
        registry.add(Owner, "added", "new")
        assert registry.applied() == [
            f"{__name__}.{Owner.__qualname__}.present",
            f"{__name__}.{Owner.__qualname__}.present",
            f"{__name__}.{Child.__qualname__}.present",
            f"+{__name__}.{Owner.__qualname__}.added",
        ]
        assert (Owner.present, Child.present, Owner.added) == ("second", "child's", "new")
    assert registry.applied() == []
    assert Owner.present == "original" and "present" not in vars(Child)
    assert not hasattr(Owner, "added")


def test_add_refuses_a_name_moto_already_has():
    owner = types.SimpleNamespace(present=1)
    with pytest.raises(MotoVersionError, match=r"present now exists.*moto==5\.2\.5"):
        patching.PatchRegistry().add(owner, "present", 2)


def test_undo_on_exit_keeps_what_was_applied_before():
    owner = types.SimpleNamespace(a=1, b=1)
    registry = patching.PatchRegistry()
    registry.replace(owner, "a", 2)
    with registry.undone_on_exit():
        registry.replace(owner, "b", 2)
    assert (owner.a, owner.b) == (2, 1)
    assert registry.undo() == 1 and owner.a == 1


class _Moto:
    def method(self, value):
        doubled = value * 2
        return doubled

    def private(self):
        return self.__hidden  # type: ignore[attr-defined]


def test_rewrite_changes_one_line_and_keeps_the_line_numbers():
    import inspect

    with patching.PATCHES.undone_on_exit():
        patching.rewrite(_Moto, "method", "value * 2", "value * 3")
        assert _Moto().method(2) == 6
        assert _Moto.method.__code__.co_firstlineno == inspect.getsourcelines(_Moto.method)[1]
    assert _Moto().method(2) == 4


def test_rewrite_refuses_a_line_that_is_not_there_and_a_private_name():
    with pytest.raises(MotoVersionError, match=r"no longer has the line.*moto==5\.2\.5"):
        patching.rewrite(_Moto, "method", "value * 7", "value")
    with pytest.raises(MotoVersionError, match="private name"):
        patching.rewrite(_Moto, "private", "self.__hidden", "None")
