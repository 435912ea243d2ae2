"""The snapshot's pickler and unpickler.

moto's backends pickle as they are but for what live work holds; each such object gets a
reducer here, chosen on purpose:

- locks (plain and re-entrant) come back as new, released locks (Conditions and Events built on
  them then work too); weak dictionaries and sets come back holding the same items;
- a ``defaultdict`` whose factory is a lambda comes back with the type the lambda makes;
- what belongs to the running process — threads, sockets, subprocesses, open files, thread
  pools, DuckDB connections, generators — comes back as ``None`` (services' restart fix-ups end
  the work these belonged to), as do local functions and lambdas (counted, and logged);
- an S3 object's body is not in the snapshot: it is written once to a blob file named by its
  sha256 (:class:`~.store.StateStore`), and the key comes back reading it;
- the server's own objects (its :class:`~..runtime.ServerContext` and what that holds) are
  references, resolved to the live ones when loading.
"""

from __future__ import annotations

import collections
import concurrent.futures
import hashlib
import io
import pickle
import socket
import subprocess
import tempfile
import threading
import types
import weakref
from collections.abc import Callable
from typing import Any

from moto.s3.models import FakeKey

from infra_scripts.localcloud.motolayer.patching import replace, require
from infra_scripts.localcloud.runtime import ServerContext

BLOB_MARK = "_kit_blob"  # on a FakeKey: the sha256 of its body, once written to a blob file
_LOCK = type(threading.Lock())
_RLOCK = type(threading.RLock())
_DROPPED = (
    threading.Thread,
    socket.socket,
    subprocess.Popen,
    io.FileIO,
    io.BufferedReader,
    io.BufferedWriter,
    io.BufferedRandom,
    io.TextIOWrapper,
    concurrent.futures.Executor,
    types.GeneratorType,
    types.FrameType,
    tempfile.SpooledTemporaryFile,
    threading.local,
)


def _none() -> None:
    return None


def _weak_values(items: dict[Any, Any]) -> weakref.WeakValueDictionary:
    return weakref.WeakValueDictionary(items)


def _weak_keys(items: list[tuple[Any, Any]]) -> weakref.WeakKeyDictionary:
    return weakref.WeakKeyDictionary(items)


def _weak_set(items: list[Any]) -> weakref.WeakSet:
    return weakref.WeakSet(items)


def _defaultdict(factory: type, items: dict[Any, Any]) -> collections.defaultdict:
    return collections.defaultdict(factory, items)


def _rebuild_key(cls: type, state: dict[str, Any], digest: str, body: bytes) -> FakeKey:
    key = cls.__new__(cls)
    key.__dict__.update(state)
    key._value_buffer = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - the key's, as moto's
        max_size=key._max_buffer_size
    )
    key.lock = threading.Lock()
    key.value = body  # (the setter clears the blob mark)
    key.__dict__[BLOB_MARK] = digest
    return key


class _Blob:
    """Stands for an S3 body in the pickle (its persistent id names the blob file)."""

    __slots__ = ("digest",)

    def __init__(self, digest: str) -> None:
        self.digest = digest


def _is_local_function(obj: Any) -> bool:
    qualname = getattr(obj, "__qualname__", "")
    return "<lambda>" in qualname or "<locals>" in qualname


BIG_BYTES = 64 * 1024  # bytes this long (a Lambda function's zip) are blobs, as S3 bodies are


class StatePickler(pickle.Pickler):
    """Pickles the server's state; collects the S3 bodies and other big ``bytes`` it
    references (:attr:`bodies`, to write as blobs) and what it dropped (:attr:`dropped`, by
    type name). ``digests`` remembers the digest of big ``bytes`` objects across snapshots
    (by id, holding the object so the id stays its own); it is left holding those this
    snapshot referenced."""

    def __init__(
        self,
        file: io.BytesIO,
        ctx: ServerContext,
        digests: dict[int, tuple[bytes, str]] | None = None,
    ) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._digests = {} if digests is None else digests
        self._seen: dict[int, tuple[bytes, str]] = {}
        self._service_reducers = ctx.state_hooks.reducers
        self.live = {
            id(ctx): "ctx",
            id(ctx.glue_run_ends): "glue_run_ends",
            id(ctx.state_hooks): "state_hooks",
        }
        self.bodies: dict[str, bytes] = {}  # digest → body not yet in a blob file
        self.blobs: set[str] = set()  # every digest the snapshot references
        self.dropped: collections.Counter[str] = collections.Counter()

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is bytes and len(obj) >= BIG_BYTES:
            return ("blob", self._big_bytes(obj))
        if isinstance(obj, _Blob):
            return ("blob", obj.digest)
        name = self.live.get(id(obj))
        return ("live", name) if name is not None else None

    def _big_bytes(self, data: bytes) -> str:
        known = self._seen.get(id(data)) or self._digests.get(id(data))
        if known is None or known[0] is not data:
            known = (data, hashlib.sha256(data).hexdigest())
            self.bodies[known[1]] = data
        self._seen[id(data)] = known
        self.blobs.add(known[1])
        return known[1]

    def keep_digests(self) -> None:
        """After a dump: remember the digests of the big bytes this snapshot referenced."""
        self._digests.clear()
        self._digests.update(self._seen)

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        service_reducer = self._service_reducers.get(kind)
        if service_reducer is not None:
            reduced = service_reducer(obj)
            if reduced is not NotImplemented:
                return reduced
        if kind is _LOCK:
            return threading.Lock, ()
        if kind is _RLOCK:
            return threading.RLock, ()
        if isinstance(obj, FakeKey):
            return self._reduce_key(obj)
        if isinstance(obj, collections.defaultdict) and _is_local_function(obj.default_factory):
            return _defaultdict, (type(obj.default_factory()), dict(obj))
        if isinstance(obj, weakref.WeakValueDictionary):
            return _weak_values, (dict(obj.items()),)
        if isinstance(obj, weakref.WeakKeyDictionary):
            return _weak_keys, (list(obj.items()),)
        if isinstance(obj, weakref.WeakSet):
            return _weak_set, (list(obj),)
        if isinstance(obj, _DROPPED) or "duckdb" in kind.__module__:
            self.dropped[kind.__name__] += 1
            return _none, ()
        if isinstance(obj, (types.FunctionType, types.MethodType)) and _is_local_function(obj):
            self.dropped[f"function {obj.__qualname__}"] += 1
            return _none, ()
        return NotImplemented

    def _reduce_key(self, key: FakeKey) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        digest = key.__dict__.get(BLOB_MARK)
        if digest is None:
            try:
                body = key.value
            except ValueError:  # a deleted key's closed buffer
                body = b""
            digest = hashlib.sha256(body).hexdigest()
            self.bodies[digest] = body
            key.__dict__[BLOB_MARK] = digest
        self.blobs.add(digest)
        state = {k: v for k, v in key.__dict__.items() if k not in ("_value_buffer", "lock")}
        return _rebuild_key, (type(key), state, digest, _Blob(digest))


class StateUnpickler(pickle.Unpickler):
    """Loads a snapshot: blob references read their files, live references the server's."""

    def __init__(
        self, file: io.BytesIO, ctx: ServerContext, read_blob: Callable[[str], bytes]
    ) -> None:
        super().__init__(file)
        self.live = {
            "ctx": ctx,
            "glue_run_ends": ctx.glue_run_ends,
            "state_hooks": ctx.state_hooks,
        }
        self.read_blob = read_blob
        self._loaders = list(ctx.state_hooks.loaders)

    def find_class(self, module: str, name: str) -> Any:
        """The class; a class a lazy install defines (the Step Functions interpreter's) loads
        that install first."""
        try:
            return super().find_class(module, name)
        except AttributeError:
            if not self._loaders:
                raise
        while self._loaders:
            self._loaders.pop(0)()
        return super().find_class(module, name)

    def persistent_load(self, pid: Any) -> Any:
        kind, name = pid
        if kind == "blob":
            return self.read_blob(name)
        if kind == "live":
            return self.live[name]
        raise pickle.UnpicklingError(f"unknown reference {pid!r}")


def install() -> None:
    """Patch moto's ``FakeKey.value`` setter to clear the key's blob mark (so a snapshot
    writes a changed body again, and only then)."""
    original = require(FakeKey, "value")

    def set_value(key: FakeKey, new_value: bytes) -> None:
        key.__dict__.pop(BLOB_MARK, None)
        original.fset(key, new_value)

    replace(FakeKey, "value", property(original.fget, set_value))
