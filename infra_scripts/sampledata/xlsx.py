"""Reproducible XLSX output: openpyxl write-only workbooks saved with fixed timestamps.

openpyxl stamps the save time into ``docProps/core.xml`` and every zip entry; saving through
``FixedTimeZipFile`` and fixed document properties makes the same rows give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.writer.excel import ExcelWriter

from infra_scripts.sampledata.schema import XLSX_SHEET_TITLE

FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
FIXED_DOC_TIME = dt.datetime(2026, 1, 1)
_ZIP64_THRESHOLD = 1 << 30


class FixedTimeZipFile(zipfile.ZipFile):
    """A ZipFile whose entries all carry the same timestamp and permissions."""

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        super().writestr(self._info(name), data)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        info = self._info(str(arcname or filename))
        info.file_size = os.path.getsize(filename)
        big = info.file_size > _ZIP64_THRESHOLD
        with open(filename, "rb") as src, self.open(info, "w", force_zip64=big) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


def header_cells(sheet: WriteOnlyWorksheet, names: Sequence[str]) -> list[WriteOnlyCell]:
    """Header cells styled like the original files (bold white on blue, thin border)."""
    side = Side(style="thin")
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True, color="FFFFFFFF")
        cell.fill = PatternFill("solid", fgColor="FF0066CC")
        cell.border = Border(left=side, right=side, top=side, bottom=side)
        cells.append(cell)
    return cells


def new_workbook() -> tuple[Workbook, WriteOnlyWorksheet]:
    """A write-only workbook with fixed properties and one "Sales Data" sheet."""
    workbook = Workbook(write_only=True)
    workbook.properties.created = FIXED_DOC_TIME
    workbook.properties.modified = FIXED_DOC_TIME
    sheet = workbook.create_sheet(XLSX_SHEET_TITLE)
    return workbook, sheet


def save(workbook: Workbook, target: str | Path | IO[bytes]) -> None:
    """Save reproducibly to a path or a binary file object."""
    archive = FixedTimeZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(workbook, archive).save()


def write_rows(
    target: str | Path | IO[bytes],
    header: Sequence[str] | None,
    rows: Iterable[Sequence[Any]],
    styled_header: bool = True,
) -> None:
    """Write a small one-sheet workbook (header row, then rows) reproducibly."""
    workbook, sheet = new_workbook()
    if header is not None:
        sheet.append(header_cells(sheet, header) if styled_header else list(header))
    for row in rows:
        sheet.append(list(row))
    save(workbook, target)
