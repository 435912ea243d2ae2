"""The local cloud's state folder and snapshot pickler, without a server."""

from __future__ import annotations

import collections
import hashlib
import io
import json
import threading
import weakref
from pathlib import Path

import pytest
from moto.s3.models import FakeKey

from infra_scripts.localcloud.persistence.pickling import BLOB_MARK, StatePickler, StateUnpickler
from infra_scripts.localcloud.persistence.store import Identity, StateError, StateStore
from infra_scripts.localcloud.runtime import ServerContext

IDENTITY = Identity(moto="5.2.5", python="3.11", patches="abc")


class Holder:
    """Something a snapshot holds (module level: pickled by reference)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rlock = threading.RLock()
        self.event = threading.Event()
        self.by_id = weakref.WeakValueDictionary()
        self.groups = collections.defaultdict(lambda: [])
        self.worker = threading.Thread(target=print)


def _roundtrip(obj: object, ctx: ServerContext, store: StateStore) -> object:
    buffer = io.BytesIO()
    pickler = StatePickler(buffer, ctx)
    pickler.dump(obj)
    store.put_blobs(pickler.bodies)
    store.commit(buffer.getvalue(), pickler.blobs, generation=1)
    snapshot, _ = store.load()
    return StateUnpickler(io.BytesIO(snapshot), ctx, store.read_blob).load()


@pytest.fixture
def ctx(tmp_path: Path) -> ServerContext:
    return ServerContext(port=1, state_dir=tmp_path, persistent=True)


@pytest.fixture
def store(ctx: ServerContext) -> StateStore:
    return StateStore(ctx.saved_state_dir, IDENTITY)


def test_live_work_comes_back_as_new_objects_of_the_right_kind(ctx, store) -> None:
    holder = Holder()
    holder.lock.acquire()
    holder.event.set()
    kept = Holder()
    holder.by_id["k"] = kept
    holder.groups["a"].append(1)
    loaded = _roundtrip(
        {"h": holder, "kept": kept, "ctx": ctx, "ends": ctx.glue_run_ends}, ctx, store
    )
    again = loaded["h"]
    assert again.lock.acquire(blocking=False), "a new, released lock"
    assert again.rlock.acquire(blocking=False)
    assert again.event.is_set()
    assert again.by_id["k"] is loaded["kept"]
    assert dict(again.groups) == {"a": [1]} and again.groups["b"] == []
    assert again.worker is None
    assert loaded["ctx"] is ctx and loaded["ends"] is ctx.glue_run_ends  # live, not copies


def test_s3_bodies_are_blob_files_written_once(ctx, store) -> None:
    body = b"x" * 100_000
    key = FakeKey("k", body, account_id="123456789012", region_name="us-east-1")
    loaded = _roundtrip([key, key], ctx, store)
    digest = hashlib.sha256(body).hexdigest()
    assert store.blob_path(digest).read_bytes() == body
    assert loaded[0] is loaded[1] and loaded[0].value == body
    assert json.loads(store.manifest_path.read_text())["size"] < 10_000  # not in the snapshot
    key.value = b"changed"  # the setter is moto's here: the mark is cleared by the kit's patch
    key.__dict__.pop(BLOB_MARK, None)
    loaded = _roundtrip([key], ctx, store)
    assert loaded[0].value == b"changed"
    assert not store.blob_path(digest).exists(), "a body no snapshot names is deleted"


def test_a_commit_replaces_the_manifest_last(ctx, store) -> None:
    _roundtrip({"generation": 1}, ctx, store)
    first = json.loads(store.manifest_path.read_text())
    # a crash after the new snapshot file was written, before the manifest: the old one holds
    (store.root / "snapshot-0000000000000000.pickle").write_bytes(b"half")
    snapshot, manifest = store.load()
    assert manifest == first
    assert StateUnpickler(io.BytesIO(snapshot), ctx, store.read_blob).load() == {"generation": 1}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"moto": "5.3.0"}, "written by other code: moto '5.3.0' (this is '5.2.5')"),
        ({"python": "3.12"}, "python '3.12' (this is '3.11')"),
        ({"format": 0}, "format 0 (this is 1)"),
        ({"patches": "other"}, "another set of moto patches"),
    ],
)
def test_state_of_other_code_is_refused(ctx, store, change: dict, message: str) -> None:
    _roundtrip({}, ctx, store)
    manifest = json.loads(store.manifest_path.read_text())
    store.manifest_path.write_text(json.dumps({**manifest, **change}))
    with pytest.raises(StateError) as refused:
        store.load()
    assert message in str(refused.value)
    assert "retailkit local reset" in str(refused.value)


def test_a_missing_blob_is_named(ctx, store) -> None:
    key = FakeKey("k", b"body", account_id="123456789012", region_name="us-east-1")
    buffer = io.BytesIO()
    pickler = StatePickler(buffer, ctx)
    pickler.dump(key)
    store.commit(buffer.getvalue(), pickler.blobs, generation=1)  # the blob never written
    snapshot, _ = store.load()
    with pytest.raises(StateError) as refused:
        StateUnpickler(io.BytesIO(snapshot), ctx, store.read_blob).load()
    assert "is damaged: S3 body" in str(refused.value) and "is missing" in str(refused.value)
