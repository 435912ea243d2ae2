"""Deterministic deployment packages built from ``pipeline_src``.

The same sources always give the same bytes (sorted entries, fixed timestamps and
permissions), so a code hash says exactly whether a function or job needs updating.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import et_xmlfile
import openpyxl

import pipeline_src

PACKAGE_DIR = Path(pipeline_src.__file__).resolve().parent
GLUE_SCRIPT = PACKAGE_DIR / "etl" / "job.py"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)
_SKIP_SUFFIXES = (".pyc", ".pyo")


def _add_tree(archive: zipfile.ZipFile, folder: Path, arcname: str) -> None:
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix in _SKIP_SUFFIXES:
            continue
        info = zipfile.ZipInfo(f"{arcname}/{path.relative_to(folder).as_posix()}", _FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        archive.writestr(info, path.read_bytes(), compresslevel=6)


def build_zip(*, with_openpyxl: bool) -> bytes:
    """``pipeline_src`` (plus openpyxl and et_xmlfile for the Lambda's XLSX reader)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add_tree(archive, PACKAGE_DIR, "pipeline_src")
        if with_openpyxl:
            _add_tree(archive, Path(openpyxl.__file__).parent, "openpyxl")
            _add_tree(archive, Path(et_xmlfile.__file__).parent, "et_xmlfile")
    return buffer.getvalue()


@dataclass(frozen=True)
class Artifacts:
    """The built packages and their hashes (computed once per deploy)."""

    @cached_property
    def lambda_zip(self) -> bytes:
        return build_zip(with_openpyxl=True)

    @cached_property
    def glue_library_zip(self) -> bytes:
        return build_zip(with_openpyxl=False)

    @cached_property
    def glue_script(self) -> bytes:
        return GLUE_SCRIPT.read_bytes()

    @property
    def lambda_sha256(self) -> str:
        """Lambda's CodeSha256: base64 of the zip's SHA-256."""
        return base64.b64encode(hashlib.sha256(self.lambda_zip).digest()).decode()

    def objects(self) -> dict[str, bytes]:
        """Key (in the artifacts bucket) → bytes."""
        return {
            "lambda/pipeline.zip": self.lambda_zip,
            "glue/job.py": self.glue_script,
            "glue/pipeline_src.zip": self.glue_library_zip,
        }
