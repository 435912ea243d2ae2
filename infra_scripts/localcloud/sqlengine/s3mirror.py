"""Local files that mirror objects of the local cloud's S3, so DuckDB can scan them.

Objects are read in-process from moto's S3 backend and copied once per ETag into
``<work dir>/s3/<bucket>/<key>``; results are written back as real S3 objects.
"""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path

IGNORED_NAMES = ("_", ".")  # _SUCCESS, _committed_*, .crc, … are not data (as in Athena)


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key/prefix`` → (bucket, key prefix)."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


class S3Mirror:
    """Mirror of the objects of one account's local S3 under ``root``."""

    def __init__(self, root: Path, account_id: str) -> None:
        self.root = Path(root).resolve()
        self.account_id = account_id
        self._etags: dict[tuple[str, str], str] = {}
        self._versions: dict[Path, str] = {}  # local path → ETag of the object mirrored there
        self._lock = threading.Lock()
        #: Facts about one mirrored object version (e.g. its Parquet schema), by (path, ETag).
        self.facts: dict[tuple[Path, str], object] = {}

    @property
    def _backend(self):  # moto's S3Backend for this account
        from moto.s3.models import s3_backends

        return s3_backends[self.account_id]["aws"]

    def _live_keys(self, bucket: str, prefix: str) -> list:
        from moto.s3.models import FakeKey

        keys = self._backend.get_bucket(bucket).keys
        return [
            key
            for name, key in list(keys.items())
            if name.startswith(prefix) and isinstance(key, FakeKey)
        ]

    def list_keys(self, bucket: str, prefix: str) -> list[str]:
        """Keys of data objects under ``prefix`` (folder markers and _/. files left out)."""
        names = []
        for key in self._live_keys(bucket, prefix):
            base = key.name.rsplit("/", 1)[-1]
            if not base or base.startswith(IGNORED_NAMES) or key.name.endswith("$folder$"):
                continue
            names.append(key.name)
        return sorted(names)

    def local_path(self, bucket: str, key: str) -> Path:
        """The mirrored file of ``s3://bucket/key``, refreshed if the object changed."""
        obj = self._backend.get_object(bucket, key)
        if obj is None:
            raise FileNotFoundError(f"s3://{bucket}/{key}")
        path = self.root / bucket / key
        with self._lock:
            if self._etags.get((bucket, key)) == obj.etag and path.exists():
                return path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        tmp.write_bytes(obj.value)
        os.replace(tmp, path)
        with self._lock:
            self._etags[(bucket, key)] = obj.etag
            replaced = self._versions.get(path)
            self._versions[path] = obj.etag
            if replaced is not None and replaced != obj.etag:
                self.facts.pop((path, replaced), None)
        return path

    def version(self, path: Path) -> str | None:
        """The ETag of the object last mirrored to ``path`` (None if none was)."""
        with self._lock:
            return self._versions.get(path)

    def sync_prefix(self, bucket: str, prefix: str) -> list[Path]:
        """Mirror every data object under ``prefix``; return their local paths."""
        return [self.local_path(bucket, key) for key in self.list_keys(bucket, prefix)]

    def scratch_dir(self) -> Path:
        """A fresh directory under the mirror root for a statement's output files."""
        path = self.root / ".scratch" / uuid.uuid4().hex
        path.mkdir(parents=True)
        return path

    def put(self, bucket: str, key: str, body: bytes) -> None:
        """Write an object into the local S3 (as a client's PutObject would)."""
        self._backend.put_object(bucket, key, body)

    def delete_prefix(self, bucket: str, prefix: str) -> int:
        """Delete every object under ``prefix``; return how many."""
        keys = [key.name for key in self._live_keys(bucket, prefix)]
        for name in keys:
            self._backend.delete_object(bucket, name)
        return len(keys)


class S3Mirrors:
    """One :class:`S3Mirror` per account, each in its own folder ``<root>/<account id>``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._mirrors: dict[str, S3Mirror] = {}
        self._lock = threading.Lock()

    def of_account(self, account_id: str) -> S3Mirror:
        with self._lock:
            if account_id not in self._mirrors:
                folder = self.root / account_id
                folder.mkdir(parents=True, exist_ok=True)
                self._mirrors[account_id] = S3Mirror(folder, account_id)
            return self._mirrors[account_id]
