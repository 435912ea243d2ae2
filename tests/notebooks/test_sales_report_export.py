"""``export_html``: the report a notebook showed, else the notebook without code or CDN scripts.

Tiny notebooks, no kernel, no cloud. The tour's own report is checked end to end in
``test_sales_report_notebook.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from infra_scripts import notebooks
from infra_scripts.ops.report_output import REPORT_MIME, external_resources

DOCUMENT = "<!DOCTYPE html>\n<html><head><title>Sales report: all stores, 2–8 November 2026</title>"


def executed(path: Path, *outputs_per_cell: list) -> Path:
    nb = new_notebook(
        cells=[
            new_markdown_cell("# 06 · The sales report\n\nRun `retailkit notebooks run`."),
            *(new_code_cell("secret_code()", outputs=outputs) for outputs in outputs_per_cell),
        ]
    )
    nbformat.write(nb, path)
    return path


def test_the_report_a_notebook_showed_is_written_as_it_is(tmp_path: Path):
    shown = new_output(
        "display_data", data={"text/html": "<div>fragment</div>", REPORT_MIME: DOCUMENT + "v1"}
    )
    again = new_output(
        "display_data", data={"text/html": "<div>fragment</div>", REPORT_MIME: DOCUMENT + "v2"}
    )
    other = new_output("stream", name="stdout", text="sales: 606, copies: 607\n")
    path = executed(tmp_path / "06_sales_report.ipynb", [other], [shown], [again])
    html = notebooks.export_html(path, tmp_path / "reports")
    assert html == tmp_path / "reports" / "sales_report.html"
    assert html.read_text() == DOCUMENT + "v2"  # the last one shown


def test_any_other_notebook_is_exported_offline_without_code(tmp_path: Path):
    printed = new_output("stream", name="stdout", text="revenue: $42\n")
    path = executed(tmp_path / "06_sales_report.ipynb", [printed])
    text = notebooks.export_html(path, tmp_path / "reports").read_text()
    assert re.search(r"<title>06 · The sales report</title>", text)
    assert "revenue: $42" in text and "secret_code" not in text
    assert external_resources(text) == []
    assert not re.search(r"<script[^>]+src=", text)
    assert "mathjax" not in text.lower() and "require.js" not in text
