"""The papermill runner (``retailkit notebooks run``) and the stripper, on tiny notebooks.

These start real ``python3`` kernels but no local cloud; the tour's notebooks themselves
are tested by nbval (``make test``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from infra_scripts import notebooks
from infra_scripts.cli import build_parser, main
from infra_scripts.exceptions import RetailKitError
from infra_scripts.notebooks import NotebookFailedError


def write_notebook(path: Path, *cells: str, params: str | None = None) -> Path:
    nb = new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}
        }
    )
    if params is not None:
        nb.cells.append(new_code_cell(params, metadata={"tags": ["parameters"]}))
    nb.cells += [new_code_cell(source) for source in cells]
    nbformat.write(nb, path)
    return path


def outputs_text(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "nbs"
    folder.mkdir()
    return folder


def test_discover_keeps_numbered_notebooks_in_order(folder: Path):
    for name in ("10_b.ipynb", "02_a.ipynb", "99_teardown.ipynb", "scratch.ipynb", "03_x.txt"):
        (folder / name).write_text("{}")
    assert [p.name for p in notebooks.discover(folder)] == [
        "02_a.ipynb",
        "10_b.ipynb",
        "99_teardown.ipynb",
    ]


def test_only_selects_by_number_or_name_and_keeps_the_order(folder: Path):
    paths = [folder / n for n in ("00_check.ipynb", "04_athena.ipynb", "06_report.ipynb")]
    assert notebooks.select(paths, None) == paths
    assert notebooks.select(paths, ["06", "00"]) == [paths[0], paths[2]]
    assert notebooks.select(paths, ["04,06"]) == paths[1:]
    assert notebooks.select(paths, ["04_athena"]) == [paths[1]]
    with pytest.raises(RetailKitError, match="no notebook 05"):
        notebooks.select(paths, ["05"])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5", 5),
        ("-2", -2),
        ("1.5", 1.5),
        ("True", True),
        ("False", False),
        ("None", None),
        ("S01", "S01"),
        ("2026-10-27", "2026-10-27"),
        ("", ""),
    ],
)
def test_parameter_values_are_read_like_papermill(text: str, value: object):
    assert notebooks.parse_value(text) == value
    assert type(notebooks.parse_value(text)) is type(value)


def test_parameters_come_from_pairs_and_need_identifiers():
    pairs = [["start_date", "2026-10-27"], ["top_n", "5"]]
    assert notebooks.parse_parameters(pairs) == {"start_date": "2026-10-27", "top_n": 5}
    with pytest.raises(RetailKitError, match="not a Python identifier"):
        notebooks.parse_parameters([["start-date", "x"]])


def test_cli_parses_only_html_and_parameters():
    args = build_parser().parse_args(
        ["notebooks", "run", "--only", "04", "--only", "06", "--html", "-p", "store_id", "S01"]
    )
    assert args.only == ["04", "06"] and args.html
    assert notebooks.parse_parameters(args.parameter) == {"store_id": "S01"}
    assert args.func is notebooks.run_command


def test_run_dirs_are_new_even_within_one_second(tmp_path: Path):
    now = datetime(2026, 11, 2, 9, 30, 0)
    first = notebooks.new_run_dir(tmp_path, now)
    second = notebooks.new_run_dir(tmp_path, now)
    assert first.name == "20261102-093000" and second.name == "20261102-093000-1"


def test_runs_in_order_with_parameters_into_the_run_dir(folder: Path, tmp_path: Path, capsys):
    log = tmp_path / "order.txt"
    first = write_notebook(
        folder / "00_first.ipynb",
        f"open({str(log)!r}, 'a').write('00 ' + greeting + '\\n')",
        params="greeting = 'default'",
    )
    second = write_notebook(
        folder / "01_second.ipynb",
        f"open({str(log)!r}, 'a').write('01 ' + greeting + '\\n')\nprint('n =', n)",
        params="greeting = 'default'\nn = 0",
    )
    before = first.read_bytes(), second.read_bytes()
    out = tmp_path / "runs" / "r1"
    runs = notebooks.run_notebooks(
        [first, second], out, parameters={"greeting": "hi"}, per_notebook={"01_second": {"n": 7}}
    )
    assert [r.name for r in runs] == ["00_first", "01_second"]
    assert log.read_text() == "00 hi\n01 hi\n"
    assert (first.read_bytes(), second.read_bytes()) == before  # never executed in place
    assert [r.output for r in runs] == [out / "00_first.ipynb", out / "01_second.ipynb"]
    assert "n = 7" in outputs_text(out / "01_second.ipynb")
    progress = capsys.readouterr().out
    assert "[1/2] 00_first" in progress and "[2/2] 01_second" in progress


def test_stops_at_the_first_failure_naming_notebook_cell_error_and_output(
    folder: Path, tmp_path: Path
):
    marker = tmp_path / "ran.txt"
    paths = [
        write_notebook(folder / "00_ok.ipynb", "x = 1"),
        write_notebook(folder / "01_boom.ipynb", "y = 2", "raise ValueError('bad total')"),
        write_notebook(folder / "02_never.ipynb", f"open({str(marker)!r}, 'w')"),
    ]
    out = tmp_path / "run"
    with pytest.raises(NotebookFailedError) as failure:
        notebooks.run_notebooks(paths, out)
    error = failure.value
    assert error.notebook == "01_boom"
    assert error.cell.startswith("cell 1 (In [2])") and "raise ValueError" in error.cell
    assert error.error == "ValueError: bad total"
    assert error.output == out / "01_boom.ipynb" and error.output.exists()
    assert "01_boom failed in cell 1" in str(error) and str(error.output) in str(error)
    assert not marker.exists() and not (out / "02_never.ipynb").exists()


def offline_run_argv(folder: Path, tmp_path: Path) -> list[str]:
    """``retailkit notebooks run`` on ``folder`` into tmp_path/runs, no cloud, no prewarm."""
    run = ["notebooks", "run", "--folder", str(folder), "--out", str(tmp_path / "runs")]
    return [*run, "--no-local-cloud", "--no-prewarm"]


def test_only_declared_parameters_are_passed_and_unknown_ones_are_refused(
    folder: Path, tmp_path: Path, capsys
):
    write_notebook(folder / "00_a.ipynb", "print(store_id)", params="store_id = None  # S01")
    assert notebooks.declared_parameters(folder / "00_a.ipynb") == {"store_id"}
    argv = offline_run_argv(folder, tmp_path)
    assert main([*argv, "-p", "store", "S01"]) == 1
    assert "no notebook of this run takes store (they take: store_id)" in capsys.readouterr().err
    assert main([*argv, "-p", "store_id", "S01"]) == 0  # target, region, stack_name: not passed
    (run,) = (tmp_path / "runs").iterdir()
    assert outputs_text(run / "00_a.ipynb") == "S01\n"


def test_refuses_to_write_next_to_the_sources(folder: Path):
    path = write_notebook(folder / "00_a.ipynb", "1")
    with pytest.raises(RetailKitError, match="never overwrite"):
        notebooks.run_notebooks([path], folder, prewarm=0)


def test_cli_run_reports_a_failure_and_exits_1(folder: Path, tmp_path: Path, capsys):
    write_notebook(folder / "00_fail.ipynb", "1 / 0")
    assert main(offline_run_argv(folder, tmp_path)) == 1
    err = capsys.readouterr().err
    assert "00_fail failed in cell 0 (In [1]) `1 / 0`: ZeroDivisionError" in err
    assert "stopped after" in err


def test_html_export_has_outputs_and_no_code(tmp_path: Path):
    nb = new_notebook(cells=[new_markdown_cell("# Sales report"), new_code_cell("secret_code()")])
    nb.cells[1].outputs = [new_output("stream", name="stdout", text="revenue: $42\n")]
    executed = tmp_path / "06_sales_report.ipynb"
    nbformat.write(nb, executed)
    html = notebooks.export_html(executed, tmp_path / "reports").read_text()
    assert "Sales report" in html and "revenue: $42" in html
    assert "secret_code" not in html


def test_strip_keeps_only_checked_outputs_and_takes_them_from_a_run(tmp_path: Path):
    nb = new_notebook(
        cells=[
            new_code_cell(
                "print(1)", execution_count=3, metadata={"tags": ["parameters"], "scrolled": True}
            ),
            new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(2)", execution_count=4),
        ]
    )
    nb.cells[0].outputs = [new_output("stream", name="stdout", text="1\n")]
    nb.cells[1].outputs = [new_output("stream", name="stdout", text="2\n")]
    path = tmp_path / "00_x.ipynb"
    nbformat.write(nb, path)
    assert notebooks.strip_paths([path], check=True) == [path]
    assert notebooks.strip_paths([path]) == [path]
    assert notebooks.strip_paths([path], check=True) == []  # idempotent
    stripped = nbformat.read(path, as_version=4)
    assert stripped.cells[0].outputs == [] and stripped.cells[0].execution_count is None
    assert stripped.cells[0].metadata == {"tags": ["parameters"]}
    assert stripped.cells[1].outputs[0]["text"] == "2\n"
    assert stripped.cells[1].execution_count == 1  # nbval skips cells without a count

    run = tmp_path / "run"
    run.mkdir()
    nb.cells[1].outputs = [new_output("stream", name="stdout", text="22\n")]
    nbformat.write(nb, run / "00_x.ipynb")
    assert notebooks.strip_paths([path], outputs_from=run) == [path]
    assert nbformat.read(path, as_version=4).cells[1].outputs[0]["text"] == "22\n"


def test_committed_notebooks_are_stripped_thin_and_parameterised():
    """As git will commit them: a working copy JupyterLab saved with its outputs passes
    once ``make setup`` has configured the clean filter (tests/notebooks/test_lab_save.py)."""
    paths = notebooks.discover()
    assert [p.stem[:2] for p in paths] == ["00", "01", "02", "03", "04", "05", "06", "99"]
    assert notebooks.unstripped(paths) == [], "run `make format` (`make setup` strips on commit)"
    for path in paths:
        nb = nbformat.reads(notebooks.committed_form(path), as_version=4)
        assert nb.metadata.kernelspec.name == "python3", path.name
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1 and 'target = "local"' in tagged[0].source, path.name
        checks = [c for c in nb.cells if notebooks.is_checked(c) or notebooks.is_check_cell(c)]
        assert checks, f"{path.name} checks nothing"
