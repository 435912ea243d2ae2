"""A bucket listing that races a delete: the fix in :mod:`s3_fidelity` (moto's key store)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto.s3.utils import _VersionedKeyStore

from infra_scripts.localcloud.motolayer.patching import PATCHES
from infra_scripts.localcloud.services.s3 import patches as s3_fidelity


class Version(str):
    """A stored object version (moto's FakeKey): deleting its key disposes of it."""

    def dispose(self) -> None:
        pass


@pytest.fixture(autouse=True)
def _snapshot_listings() -> Iterator[None]:
    """The fix on moto's key store, undone after each test (moto is shared by the process)."""
    with PATCHES.undone_on_exit():
        s3_fidelity._snapshot_listings()
        yield


def _store(names: str) -> _VersionedKeyStore:
    store = _VersionedKeyStore()
    for name in names:
        store[name] = Version(f"{name}-v1")
        store[name] = Version(f"{name}-v2")  # versions accumulate; listings show the latest
    return store


def test_a_key_deleted_while_a_listing_runs_does_not_fail_it():
    store = _store("abc")
    listing = store.items()
    assert next(listing) == ("a", "a-v2")
    store.pop("c")  # another request deletes a key the listing has not reached yet
    assert list(listing) == [("b", "b-v2"), ("c", "c-v2")]  # what was there when it began
    assert list(store.items()) == [("a", "a-v2"), ("b", "b-v2")]


def test_values_and_version_lists_use_the_same_snapshot():
    store = _store("ab")
    values, lists = store.values(), store.lists()
    assert next(values) == "a-v2"
    assert next(lists) == ("a", ["a-v1", "a-v2"])
    store.pop("b")
    assert list(values) == ["b-v2"]
    assert list(lists) == [("b", ["b-v1", "b-v2"])]
    assert list(store.iteritems()) == [("a", "a-v2")]
