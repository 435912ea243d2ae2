"""Upload sales files to the raw bucket's ``incoming/`` prefix, with a progress bar."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from tqdm.auto import tqdm

from infra_scripts.contracts import samples_dir
from pipeline_src.contracts.model import Contract

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


#: Bad files every business's samples have: one rejected whole, one loaded in part.
BAD_PAIR = ("missing_column.csv", "mixed_good_and_bad.csv")
#: The tour's bad files, the first pair a business has: the bookstore's tour shows its
#: extended format's bad quantity instead of the mixed file.
TOUR_BAD_FILES = (("missing_column.csv", "extended_bad_quantity.jsonl"), BAD_PAIR)


def sample_files(
    contract: Contract, bad_files: Iterable[str] | None = None, extended_days: int = 0
) -> list[Path]:
    """The business's seed files, some of its bad ones and ``extended_days`` days of its
    extended files (3 a day, where it has them), for the tour's notebook 02."""
    samples = samples_dir(contract)
    if bad_files is None:
        bad_files = next(
            (pair for pair in TOUR_BAD_FILES if all((samples / "bad" / n).is_file() for n in pair)),
            (),
        )
    files = sorted((samples / "seed").glob("sales_*"))
    if not files:
        raise FileNotFoundError(
            f"no seed files in {samples / 'seed'} for {contract.name}: generate them with "
            f"`python -m infra_scripts.sampledata seed-files --contract {contract.name}` (its "
            f"contract in pipeline_src/contracts/ and infra_scripts/sampledata/settings/"
            f"{contract.name}.json), or upload your own files"
        )
    files += [samples / "bad" / name for name in bad_files]
    files += sorted((samples / "extended").glob("sales_*"))[: 3 * extended_days]
    return files
