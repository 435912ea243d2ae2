"""Upload sales files to the raw bucket's ``incoming/`` prefix, with a progress bar."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import boto3
from tqdm.auto import tqdm

INCOMING_PREFIX = "incoming/"


@dataclass(frozen=True)
class Upload:
    path: Path
    bucket: str
    key: str
    version_id: str | None
    size: int


def upload_files(
    session: boto3.Session,
    bucket: str,
    paths: Iterable[Path | str],
    *,
    prefix: str = INCOMING_PREFIX,
    show_progress: bool = True,
) -> list[Upload]:
    """Upload each file as ``<prefix><file name>``; return keys and version ids."""
    s3 = session.client("s3")
    files = [Path(p) for p in paths]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"not a file: {', '.join(missing)}")
    total = sum(p.stat().st_size for p in files)
    uploads = []
    with tqdm(total=total, unit="B", unit_scale=True, disable=not show_progress) as bar:
        for path in files:
            key = prefix + path.name
            bar.set_description(path.name)
            with path.open("rb") as body:
                put = s3.put_object(Bucket=bucket, Key=key, Body=body)
            uploads.append(Upload(path, bucket, key, put.get("VersionId"), path.stat().st_size))
            bar.update(path.stat().st_size)
    return uploads
