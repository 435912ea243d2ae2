"""Where the pipeline puts things: every key derived from the source object's key.

One source object always maps to the same output names, so reprocessing a file replaces
its own outputs and never duplicates them (each load writes new data files, then commits by
replacing the source's one commit marker, then deletes the older loads' files:
:mod:`pipeline_src.etl.commit`):

- data:       ``<processed>/sales/<column>=<value>/<stem>.<load id>.parquet`` (one per value of
  the contract's partition column, e.g. ``sales/genre=Fiction/``)
- commit:     ``<processed>/loads/<stem>.parquet`` (which load of the source is visible)
- pending:    ``<processed>/loads-pending/<stem>/<load id>.json`` (a load not yet cleaned up)
- rejects:    ``<processed>/rejects/<relative key>.rejects.csv``
- summary:    ``<processed>/summaries/<relative key>.json`` (the data-quality summary of the
  latest load), and per upload ``<processed>/summaries-by-upload/<relative key>/<version>.json``
  (what that upload's mail reports, even when the same key is uploaded again meanwhile)
- quarantine: ``<quarantine bucket>/quarantine/<relative key>`` (rejected originals)

``<relative key>`` is the key without the ``incoming/`` prefix; ``<stem>`` is the file name
made safe plus a short hash of the whole key (two folders may hold the same file name).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import urllib.parse

INCOMING_PREFIX = "incoming/"
TABLE_PREFIX = "sales/"
REJECTS_PREFIX = "rejects/"
SUMMARIES_PREFIX = "summaries/"
UPLOAD_SUMMARIES_PREFIX = "summaries-by-upload/"
LOADS_PREFIX = "loads/"
PENDING_PREFIX = "loads-pending/"
QUARANTINE_PREFIX = "quarantine/"

_HIVE_SPECIAL = frozenset("\"#%'*/:=?\\\x7f{[]^")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_KEY_DATE = re.compile(r"(?<![0-9])([0-9]{4})-([0-9]{2})-([0-9]{2})(?![0-9])")


def relative_key(key: str) -> str:
    """The key below the ``incoming/`` prefix (the key itself when it lies elsewhere)."""
    return key[len(INCOMING_PREFIX) :] if key.startswith(INCOMING_PREFIX) else key


def output_stem(key: str) -> str:
    """A file-name stem unique to ``key``: the safe base name and 12 hex digits of its hash."""
    base = _UNSAFE.sub("_", key.rsplit("/", 1)[-1]).strip("_.") or "file"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return f"{base[:80]}-{digest}"


def hive_escape(value: str) -> str:
    """A partition value escaped as Hive does in paths (``%XX`` for ``/ = : % ...``)."""
    return "".join(f"%{ord(ch):02X}" if ch in _HIVE_SPECIAL or ord(ch) < 32 else ch for ch in value)


def partition_prefix(column: str, value: str) -> str:
    """The folder of one partition, Hive style (``sales/genre=Science Fiction/``)."""
    return f"{TABLE_PREFIX}{column}={hive_escape(value)}/"


def data_key(key: str, column: str, value: str, load_id: str = "") -> str:
    """A data file of ``key`` in partition ``column=value``, named by its load when given."""
    load = f".{load_id}" if load_id else ""
    return f"{partition_prefix(column, value)}{output_stem(key)}{load}.parquet"


def pending_prefix(key: str) -> str:
    return f"{PENDING_PREFIX}{output_stem(key)}/"


def pending_key(key: str, load_id: str) -> str:
    """The record of a load in progress (or of an attempt that crashed)."""
    return f"{pending_prefix(key)}{load_id}.json"


def load_marker_key(key: str) -> str:
    """The source's commit marker: a row of the loads table naming its committed load."""
    return f"{LOADS_PREFIX}{output_stem(key)}.parquet"


def rejects_key(key: str) -> str:
    return f"{REJECTS_PREFIX}{relative_key(key)}.rejects.csv"


def summary_key(key: str) -> str:
    return f"{SUMMARIES_PREFIX}{relative_key(key)}.json"


def upload_summary_key(key: str, version_id: str | None) -> str:
    """The summary of one upload (one S3 version) of ``key``."""
    return f"{UPLOAD_SUMMARIES_PREFIX}{relative_key(key)}/{version_id or 'null'}.json"


def quarantine_key(key: str) -> str:
    return f"{QUARANTINE_PREFIX}{relative_key(key)}"


def copy_source(bucket: str, key: str, version_id: str | None) -> str:
    """S3 CopySource text for one exact object version (the key URL-encoded)."""
    source = f"{bucket}/{urllib.parse.quote(key, safe='/')}"
    return f"{source}?versionId={urllib.parse.quote(version_id, safe='')}" if version_id else source


def date_in_key(key: str) -> dt.date | None:
    """The last valid ``YYYY-MM-DD`` date in the key's file name or folders, if any."""
    for match in reversed(list(_KEY_DATE.finditer(key))):
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
    return None
