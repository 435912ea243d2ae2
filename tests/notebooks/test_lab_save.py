"""Saving a notebook in JupyterLab never breaks `make test`, and what the learner sees.

JupyterLab saves a run notebook with its outputs, execution counts, the widget state and
the kernel's metadata, in its own key order. The clean filter of ``.gitattributes``
(configured by ``make setup``) strips all that whenever git reads the file, so the notebook
commits exactly as it was and ``git status`` stays clean; the lint check reads notebooks
as git will commit them. These tests simulate such a save, in a scratch git repository set
up the way ``make setup`` sets up the project, and in the project itself.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from infra_scripts import notebooks
from infra_scripts.config import PROJECT_ROOT

TOUR = notebooks.discover()
# 06_sales_report still keeps an nbval-compared cell (# NBVAL_CHECK_OUTPUT); the others
# check in hidden cells only.
HIDDEN_CHECKS = [p for p in TOUR if p.stem != "06_sales_report"]
WIDGET = "application/vnd.jupyter.widget-view+json"


def lab_save(text: str) -> str:
    """``text`` (a notebook) as JupyterLab writes it after running every cell."""
    nb = json.loads(text)
    nb["metadata"] = {  # JupyterLab's order, not sorted
        "language_info": {
            "name": "python",
            "version": "3.11.7",
            "mimetype": "text/x-python",
            "codemirror_mode": {"name": "ipython", "version": 3},
            "pygments_lexer": "ipython3",
            "nbconvert_exporter": "python",
            "file_extension": ".py",
        },
        "kernelspec": {
            "name": "python3",
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
        },
        "widgets": {
            "application/vnd.jupyter.widget-state+json": {
                "version_major": 2,
                "version_minor": 0,
                "state": {"5f0c": {"model_name": "HBoxModel", "state": {"children": []}}},
            }
        },
    }
    count = 0
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            cell["metadata"] = {"jp-MarkdownHeadingCollapsed": True}
            continue
        count += 1
        cell["execution_count"] = count
        source = "".join(cell["source"])  # nbformat writes it as a list of lines
        if notebooks.is_checked({**cell, "source": source}):  # nbval-compared: same output
            continue
        cell["metadata"] = {
            **cell["metadata"],
            "scrolled": True,
            "collapsed": False,
            "jupyter": {"outputs_hidden": count % 2 == 0},  # what the learner folded
            "execution": {
                "iopub.execute_input": "2026-12-07T01:51:28.299Z",
                "shell.execute_reply": "2026-12-07T01:51:28.512Z",
            },
        }
        cell["outputs"] = [
            {"output_type": "stream", "name": "stdout", "text": [f"cell {count}\n"]},
            {"output_type": "stream", "name": "stderr", "text": ["a warning\n"]},
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {
                    WIDGET: {"version_major": 2, "version_minor": 0, "model_id": "5f0c"},
                    "text/plain": ["files 8/8 |██████████| 00:00, 67.2 kB sent"],
                },
            },
            {
                "output_type": "execute_result",
                "execution_count": count,
                "metadata": {"image/png": {"width": 990}},
                "data": {"text/html": ["<table></table>"], "text/plain": ["   key\n0  a"]},
            },
        ]
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding the project's .gitattributes and two committed notebooks,
    its filter configured as ``make setup`` does (with this interpreter)."""
    repo = tmp_path / "kit"
    (repo / "notebooks").mkdir(parents=True)
    git(repo, "init", "--quiet")
    git(repo, "config", "user.email", "test@example.com")
    git(repo, "config", "user.name", "test")
    shutil.copy(PROJECT_ROOT / ".gitattributes", repo / ".gitattributes")
    for path in (TOUR[3], TOUR[-1]):  # 03_monitor_executions, 99_teardown
        (repo / "notebooks" / path.name).write_text(notebooks.committed_form(path))
    assert notebooks.install_git_filter(shlex.quote(sys.executable), repo)
    assert not notebooks.install_git_filter(shlex.quote(sys.executable), repo)  # already set
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "tour")
    return repo


def test_a_lab_saved_notebook_leaves_git_and_the_lint_check_clean(repo: Path):
    path = repo / "notebooks" / TOUR[3].name
    committed = path.read_text()
    path.write_text(lab_save(committed))
    assert "cell 1" in path.read_text() and WIDGET in path.read_text()  # the lab's save

    assert git(repo, "diff") == ""  # git reads it stripped: nothing changed
    # (`git status` lists a file whose size changed until `git add` refreshes the index)
    git(repo, "add", "notebooks")
    assert git(repo, "status", "--porcelain") == ""  # nothing to commit
    assert git(repo, "diff", "--cached") == ""
    assert git(repo, "show", f":notebooks/{path.name}") == committed  # committed form unchanged

    assert notebooks.unstripped([path]) == []  # the lint check
    assert notebooks.committed_form(path) == committed
    assert "cell 1" in path.read_text()  # the learner's outputs stay in the working copy


def test_an_edit_in_the_lab_still_shows_and_commits_stripped(repo: Path):
    path = repo / "notebooks" / TOUR[-1].name
    nb = json.loads(lab_save(path.read_text()))
    nb["cells"].append({"cell_type": "markdown", "id": "new-1", "metadata": {}, "source": "More"})
    path.write_text(json.dumps(nb, indent=1))
    assert git(repo, "status", "--porcelain").strip() == f"M notebooks/{path.name}"
    git(repo, "add", "notebooks")
    staged = git(repo, "show", f":notebooks/{path.name}")
    assert notebooks.stripped_text(staged) == staged and "More" in staged and "cell 1" not in staged


def test_without_the_filter_the_lint_check_still_catches_outputs(repo: Path):
    path = repo / "notebooks" / TOUR[3].name
    path.write_text(lab_save(path.read_text()))
    git(repo, "config", "--unset", f"filter.{notebooks.GIT_FILTER}.clean")
    assert notebooks.unstripped([path]) == [path]


def test_the_clean_filter_is_idempotent_and_passes_what_is_no_notebook():
    text = lab_save(TOUR[3].read_text())
    once = notebooks.clean_filter(text)
    assert notebooks.clean_filter(once) == once
    assert notebooks.clean_filter("<<<<<<< HEAD\n{") == "<<<<<<< HEAD\n{"
    done = subprocess.run(
        [sys.executable, "-m", "infra_scripts.notebooks", "clean"],
        input=text.encode(),
        capture_output=True,
        check=True,
    )
    assert done.stdout.decode() == once


def test_the_projects_own_filter_commits_a_lab_save_unchanged():
    """In this project (``make setup`` configured it), for every notebook of the tour."""
    if notebooks.git_clean_command(TOUR[0]) is None:
        pytest.skip("the clean filter is not configured here: `make setup` configures it")
    for path in TOUR:
        committed = notebooks.stripped_text(path.read_text())
        assert notebooks.committed_form(path, lab_save(committed)) == committed, path.name


def test_ruff_accepts_a_lab_saved_notebook(tmp_path: Path):
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed beside this interpreter")
    path = tmp_path / TOUR[3].name
    path.write_text(lab_save(TOUR[3].read_text()))
    for args in (["format", "--check"], ["check"]):
        done = subprocess.run(
            [str(ruff), *args, "--no-cache", str(path)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr


# --- what the learner sees ---------------------------------------------------------------
@pytest.mark.parametrize("path", HIDDEN_CHECKS, ids=lambda p: p.stem)
def test_the_learner_sees_no_test_scaffolding(path: Path):
    nb = nbformat.read(path, as_version=4)
    hidden = [c for c in nb.cells if notebooks.HIDDEN_TAG in c.metadata.get("tags", [])]
    assert hidden and all(notebooks.is_check_cell(c) for c in hidden), "a hidden check cell"
    for cell in hidden:  # collapsed in JupyterLab
        assert cell.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    for cell in nb.cells:
        if cell in hidden:
            continue
        assert "NBVAL" not in cell.source and "expect(" not in cell.source, cell.source
        assert "Target <=" not in cell.source and "format_table" not in cell.source, cell.source
        if cell.cell_type == "code":
            assert cell.outputs == [], "no committed output to repeat or to go stale"
