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
from pipeline_src.contracts import DEPLOYED_NAME
from pipeline_src.contracts.model import Contract

PACKAGE_DIR = Path(pipeline_src.__file__).resolve().parent
GLUE_SCRIPT = PACKAGE_DIR / "etl" / "job.py"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)
_SKIP_SUFFIXES = (".pyc", ".pyo")
#: Where the deployed contract sits in the package (read by ``contracts.model.deployed``).
CONTRACT_IN_PACKAGE = f"pipeline_src/contracts/{DEPLOYED_NAME}"
#: The deployed contract in the artifacts bucket: what the next deploy compares with.
CONTRACT_KEY = "contract/contract.json"


def _add_file(archive: zipfile.ZipFile, arcname: str, body: bytes) -> None:
    info = zipfile.ZipInfo(arcname, _FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, body, compresslevel=6)


def _add_tree(archive: zipfile.ZipFile, folder: Path, arcname: str) -> None:
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix in _SKIP_SUFFIXES:
            continue
        relative = path.relative_to(folder).as_posix()
        if f"{arcname}/{relative}" == CONTRACT_IN_PACKAGE:
            continue  # a leftover of a local run: the package gets the chosen contract
        _add_file(archive, f"{arcname}/{relative}", path.read_bytes())


def build_zip(contract: Contract, *, with_openpyxl: bool) -> bytes:
    """``pipeline_src`` with the chosen contract (plus openpyxl and et_xmlfile for the
    Lambda's XLSX reader)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add_tree(archive, PACKAGE_DIR, "pipeline_src")
        _add_file(archive, CONTRACT_IN_PACKAGE, contract.to_json().encode("utf-8"))
        if with_openpyxl:
            _add_tree(archive, Path(openpyxl.__file__).parent, "openpyxl")
            _add_tree(archive, Path(et_xmlfile.__file__).parent, "et_xmlfile")
    return buffer.getvalue()


@dataclass(frozen=True)
class Artifacts:
    """The built packages and their hashes (computed once per deploy)."""

    contract: Contract

    @cached_property
    def lambda_zip(self) -> bytes:
        return build_zip(self.contract, with_openpyxl=True)

    @cached_property
    def glue_library_zip(self) -> bytes:
        return build_zip(self.contract, with_openpyxl=False)

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
            CONTRACT_KEY: self.contract.to_json().encode("utf-8"),
        }
