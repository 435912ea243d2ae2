"""The state folder: snapshots, S3 bodies and the manifest that commits them.

Layout of ``<state dir>/state/``::

    MANIFEST.json             what is committed: the snapshot's file and checksum, who wrote it
    snapshot-<sha256:16>.pickle   every service's state (:mod:`.pickling`)
    blobs/<2 hex>/<sha256>    S3 object bodies, by content (written before the manifest names them)

A commit writes the snapshot (temp file, fsync, rename), then the manifest the same way, then
fsyncs the folder: the manifest's rename is the commit point, so a crash at any moment leaves
the previous manifest naming complete files. Files no manifest names are deleted after it.

A folder is refused (:class:`StateError`, naming the file and why, and how to start empty) when
its manifest is unreadable, a file is missing or its checksum differs, or it was written by
another format, moto, Python or set of moto patches: pickled state only loads into the same code.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra_scripts.exceptions import LocalCloudError

log = logging.getLogger("localcloud.state")

FORMAT = 1
MANIFEST = "MANIFEST.json"
RESET_HINT = (
    "start empty with `retailkit local reset` (it moves the folder aside, nothing is deleted), "
    "or run without keeping state with `retailkit local start --ephemeral`"
)


class StateError(LocalCloudError):
    """The saved state cannot be loaded (unreadable, damaged, or written by other code)."""


@dataclass(frozen=True)
class Identity:
    """What must match between the code that wrote a snapshot and the code that loads it."""

    moto: str
    python: str
    patches: str  # sha256 of the sorted names of the moto patches applied

    def as_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "moto": self.moto, "python": self.python, "patches": self.patches}


def patch_set_digest(names: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def flush_file_system(path: Path) -> None:
    """Make what was written on ``path``'s file system durable: ``syncfs`` (Linux), else
    ``sync``."""
    fd = os.open(path, os.O_RDONLY)
    try:
        if _syncfs is None or _syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def _load_syncfs() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.syncfs
    except (OSError, AttributeError):
        return None


_syncfs = _load_syncfs()


def write_atomically(path: Path, data: bytes) -> None:
    """``path`` holds ``data`` or what it held before, whatever happens (not yet the folder's
    entry: fsync the folder to make the rename durable)."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class StateStore:
    """One state folder: commit snapshots and blobs, load the last committed snapshot."""

    def __init__(self, root: Path, identity: Identity) -> None:
        self.root = root
        self.identity = identity
        self.blob_dir = root / "blobs"
        self._known_blobs: set[str] | None = None

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    # -- blobs ---------------------------------------------------------------------------

    def blob_path(self, digest: str) -> Path:
        return self.blob_dir / digest[:2] / digest

    def _blobs(self) -> set[str]:
        if self._known_blobs is None:
            self._known_blobs = (
                {p.name for p in self.blob_dir.glob("*/*") if not p.name.startswith(".")}
                if self.blob_dir.is_dir()
                else set()
            )
        return self._known_blobs

    def put_blobs(self, bodies: dict[str, bytes]) -> None:
        """Write the bodies not on disk yet, durably (before a manifest names them): each to
        a temporary file renamed into place, then one flush of the file system for all of
        them (on a busy disk one fsync per file waited ~10-20 ms each)."""
        known = self._blobs()
        new = {digest: body for digest, body in bodies.items() if digest not in known}
        if not new:
            return
        for digest, body in new.items():
            path = self.blob_path(digest)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_bytes(body)
            os.replace(tmp, path)
        flush_file_system(self.root)
        known.update(new)

    def read_blob(self, digest: str) -> bytes:
        path = self.blob_path(digest)
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise StateError(
                f"the saved state in {self.root} is damaged: S3 body {path.name} is missing "
                f"({exc.strerror}); {RESET_HINT}"
            ) from exc
        if hashlib.sha256(body).hexdigest() != digest:
            raise StateError(
                f"the saved state in {self.root} is damaged: S3 body {path} does not match its "
                f"checksum; {RESET_HINT}"
            )
        return body

    # -- snapshots -----------------------------------------------------------------------

    def commit(self, snapshot: bytes, blobs: set[str], generation: int) -> dict[str, Any]:
        """Make ``snapshot`` (which references ``blobs``, already written) the saved state."""
        self.root.mkdir(exist_ok=True)  # (in the state dir, which must exist)
        digest = hashlib.sha256(snapshot).hexdigest()
        name = f"snapshot-{digest[:16]}.pickle"
        write_atomically(self.root / name, snapshot)
        manifest = {
            **self.identity.as_dict(),
            "snapshot": name,
            "sha256": digest,
            "size": len(snapshot),
            "blobs": len(blobs),
            "generation": generation,
            "saved_at": time.time(),
        }
        write_atomically(self.manifest_path, json.dumps(manifest, indent=1).encode())
        _fsync_dir(self.root)
        self._sweep(name, blobs)
        return manifest

    def _sweep(self, snapshot_name: str, blobs: set[str]) -> None:
        """Delete what the committed manifest no longer names."""
        for path in self.root.glob("snapshot-*.pickle"):
            if path.name != snapshot_name:
                path.unlink(missing_ok=True)
        known = self._blobs()
        for digest in known - blobs:
            self.blob_path(digest).unlink(missing_ok=True)
        known &= blobs

    def exists(self) -> bool:
        return self.manifest_path.exists()

    def manifest(self) -> dict[str, Any]:
        """The committed manifest, checked against this code's identity."""
        try:
            manifest = json.loads(self.manifest_path.read_text())
            if not isinstance(manifest, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            raise StateError(
                f"the saved state in {self.root} is unreadable: {self.manifest_path.name}: {exc}; "
                f"{RESET_HINT}"
            ) from exc
        mine = self.identity.as_dict()
        differs = [
            f"{key} {manifest.get(key)!r} (this is {mine[key]!r})"
            for key in ("format", "moto", "python")
            if manifest.get(key) != mine[key]
        ]
        if not differs and manifest.get("patches") != mine["patches"]:
            differs.append("another set of moto patches (another version of the kit)")
        if differs:
            raise StateError(
                f"the saved state in {self.root} was written by other code: "
                + ", ".join(differs)
                + f"; it cannot be loaded into this one; {RESET_HINT}"
            )
        return manifest

    def load(self) -> tuple[bytes, dict[str, Any]]:
        """The committed snapshot's bytes (checksum verified) and its manifest."""
        manifest = self.manifest()
        path = self.root / str(manifest.get("snapshot"))
        try:
            snapshot = path.read_bytes()
        except OSError as exc:
            raise StateError(
                f"the saved state in {self.root} is damaged: {path.name} is missing "
                f"({exc.strerror}); {RESET_HINT}"
            ) from exc
        if hashlib.sha256(snapshot).hexdigest() != manifest.get("sha256"):
            raise StateError(
                f"the saved state in {self.root} is damaged: {path.name} does not match the "
                f"checksum in {MANIFEST}; {RESET_HINT}"
            )
        return snapshot, manifest


def move_aside(root: Path) -> Path | None:
    """Rename a state folder to ``<name>.reset-<time>`` (nothing is deleted); None if absent."""
    if not root.exists():
        return None
    target = root.with_name(f"{root.name}.reset-{time.strftime('%Y%m%d-%H%M%S')}")
    n = 1
    while target.exists():
        n += 1
        target = root.with_name(f"{root.name}.reset-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
    root.rename(target)
    return target
