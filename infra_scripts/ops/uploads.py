"""Upload sales files to the raw bucket's ``incoming/`` prefix, with a progress bar."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    uploads = []
    with _file_progress(len(files), show_progress) as bar:
        for path in files:
            key = prefix + path.name
            with path.open("rb") as body:
                put = s3.put_object(Bucket=bucket, Key=key, Body=body)
            uploads.append(Upload(path, bucket, key, put.get("VersionId"), path.stat().st_size))
            bar.set_postfix_str(f"{_kb(sum(u.size for u in uploads))} sent", refresh=False)
            bar.update(1)
    return uploads


def _kb(size: int) -> str:
    return f"{size / 1000:,.1f} kB"


@contextmanager
def _file_progress(total: int, show: bool) -> Iterator[Any]:
    """A progress bar counted in files ("files 3/8 … 27.1 kB sent").

    tqdm.auto draws a widget in a notebook (ipywidgets; JupyterLab renders it) and text in a
    terminal. A notebook run without a widget frontend (papermill, nbval) keeps only the
    widget's text form, taken when it is first shown: the bar is displayed under a display
    id and shown once more when done, so that the saved notebook reads "files 8/8".
    """
    options: dict[str, Any] = {
        "total": total,
        "desc": "files",
        "unit": "file",
        "bar_format": "{desc} {n_fmt}/{total_fmt} |{bar}| {elapsed}{postfix}",
        "disable": not show,
    }
    widget = show and any(c.__module__ == "tqdm.notebook" for c in tqdm.__mro__)
    if widget:
        options["display"] = False
    with tqdm(**options) as bar:
        handle = None
        if widget and hasattr(bar, "container"):
            from IPython.display import display

            handle = display(bar.container, display_id=True)
        yield bar
    if handle is not None:
        handle.update(bar.container)
