"""Run the notebook tour headless with papermill (``retailkit notebooks run``), keep them stripped.

Notebooks run in order (``NN_verb_object.ipynb``) into ``runs/<timestamp>/`` — never in
place — each in a fresh ``python3`` kernel. While one runs, the next one's kernel starts
and imports its modules, so kernel start-up is off the critical path. The first failure
stops the run and names the notebook, the cell, the error and the output file.

Committed notebooks are stripped (:func:`strip_notebook`). ``make setup`` installs a git
clean filter (``.gitattributes``; ``python -m infra_scripts.notebooks clean``) that strips
a notebook whenever git reads it from the working copy, so a notebook saved by JupyterLab
(outputs, execution counts, widget state, kernel metadata) commits exactly as stripped and
``git diff`` shows nothing. The lint check (``notebooks strip --check``) reads notebooks
the way git will commit them (:func:`committed_form`).

Test checks live in hidden cells (tag ``remove-cell``, collapsed in JupyterLab) that call
:func:`expect`: the learner sees no test scaffolding, ``make test`` (nbval) fails on a
difference.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import difflib
import os
import re
import shlex
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from infra_scripts.config import PROJECT_ROOT, Settings
from infra_scripts.exceptions import RetailKitError

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
RUNS_DIR = PROJECT_ROOT / "runs"
REPORTS_DIR = PROJECT_ROOT / "reports"
PROVISION_NOTEBOOK = "01_provision_pipeline"
REPORT_NOTEBOOK = "06_sales_report"
TEARDOWN_NOTEBOOK = "99_teardown"
KERNEL = "python3"
CHECK_MARK = "# NBVAL_CHECK_OUTPUT"
STACK_CALL = "stack_outputs("  # what a notebook that needs a deployed stack calls first
HIDDEN_TAG = "remove-cell"  # test-only cells: collapsed in JupyterLab, dropped by nbconvert
CHECKS_ENV = "RETAIL_KIT_NOTEBOOK_CHECKS"  # "strict": a failed expect() raises; "report": prints
GIT_FILTER = "retailkit-notebook"  # the clean filter .gitattributes names for notebooks/*.ipynb
_NOTEBOOK_NAME = re.compile(r"^\d{2}_[A-Za-z0-9_]+\.ipynb$")


class NotebookFailedError(RetailKitError):
    """A notebook cell raised: names the notebook, the cell, the error and the output file."""

    def __init__(self, notebook: str, cell: str, error: str, output: Path) -> None:
        super().__init__(f"{notebook} failed in {cell}: {error}\n  output notebook: {output}")
        self.notebook, self.cell, self.error, self.output = notebook, cell, error, output


@dataclass(frozen=True)
class NotebookRun:
    """One executed notebook."""

    name: str
    output: Path
    seconds: float


# --- selection and parameters ------------------------------------------------------------
def discover(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The tour's notebooks (``NN_*.ipynb``) in run order."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if _NOTEBOOK_NAME.match(p.name))


def select(paths: Sequence[Path], only: Iterable[str] | None) -> list[Path]:
    """The notebooks whose number or name is in ``only`` (``"04"``, ``"04,06"``), in order."""
    wanted = [w.strip() for item in only or () for w in item.split(",") if w.strip()]
    if not wanted:
        return list(paths)
    chosen = [p for p in paths if any(p.name[:2] == w or p.stem == w for w in wanted)]
    unknown = [w for w in wanted if not any(p.name[:2] == w or p.stem == w for p in paths)]
    if unknown:
        names = ", ".join(p.stem for p in paths)
        raise RetailKitError(f"no notebook {', '.join(unknown)} (have: {names})")
    return chosen


def parse_value(text: str) -> Any:
    """A ``-p`` value as papermill's CLI reads it: True/False/None, int, float, else text."""
    if text in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[text]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_parameters(pairs: Iterable[Sequence[str]] | None) -> dict[str, Any]:
    """``[["start_date", "2026-10-27"], ["top_n", "5"]]`` → ``{"start_date": ..., "top_n": 5}``."""
    params = {}
    for key, value in pairs or ():
        if not key.isidentifier():
            raise RetailKitError(f"parameter name {key!r} is not a Python identifier")
        params[key] = parse_value(value)
    return params


def new_run_dir(root: Path = RUNS_DIR, now: datetime | None = None) -> Path:
    """A new, empty ``<root>/<YYYYmmdd-HHMMSS>`` folder (suffixed if that second is taken)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    for n in range(100):
        path = Path(root) / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            continue
    raise RetailKitError(f"could not create a run folder under {root}")


def fresh_stack_name(now: datetime | None = None) -> str:
    """A stack name no earlier run used (``tour-<MMDDHHMMSS>-<4 hex>``)."""
    return f"tour-{(now or datetime.now()).strftime('%m%d%H%M%S')}-{uuid.uuid4().hex[:4]}"


def declared_parameters(path: Path) -> set[str]:
    """The names the notebook's ``parameters`` cell assigns (what papermill can override)."""
    import nbformat

    names: set[str] = set()
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            nodes = ast.walk(ast.parse(cell.source))
            names |= {
                n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            }
    return names


# --- kernels -----------------------------------------------------------------------------
def notebook_imports(path: Path) -> str:
    """The top-level import statements of a notebook's code cells (to warm a kernel)."""
    import nbformat

    lines = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        lines += [ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    return "\n".join(dict.fromkeys(lines))


class WarmKernel:
    """A kernel started (and its notebook's imports run) before the notebook needs it."""

    def __init__(
        self,
        notebook: Path,
        kernel_name: str = KERNEL,
        *,
        log_path: Path | None = None,
        timeout_s: float = 60,
        env: Mapping[str, str] | None = None,
    ) -> None:
        from jupyter_client.manager import KernelManager

        self.notebook = notebook
        self.manager = KernelManager(kernel_name=kernel_name)
        options: dict[str, Any] = {"cwd": str(notebook.parent)}
        if env is not None:  # the kernel's whole environment (default: this process's)
            options["env"] = dict(env)
        if log_path is None:
            self.manager.start_kernel(**options)
        else:  # the kernel process's own output (warnings, crashes), not the notebook's
            with open(log_path, "ab") as log:
                self.manager.start_kernel(stdout=log, stderr=log, **options)
        self._thread = threading.Thread(target=self._warm, args=(timeout_s,), daemon=True)
        self._thread.start()

    def _warm(self, timeout_s: float) -> None:
        client = self.manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=timeout_s)
            code = notebook_imports(self.notebook)
            if code:  # silent: no outputs, no execution count; errors resurface in the notebook
                client.execute_interactive(
                    code,
                    silent=True,
                    store_history=False,
                    timeout=timeout_s,
                    output_hook=lambda msg: None,  # e.g. import-time warnings: not ours to print
                )
        except Exception:  # the notebook run reports a broken kernel itself
            pass
        finally:
            client.stop_channels()

    def ready(self, timeout_s: float = 60) -> Any:
        """Wait for the warm-up; return the kernel manager for papermill."""
        self._thread.join(timeout_s)
        return self.manager

    def shutdown(self) -> None:
        """Stop the kernel (idempotent)."""
        self._thread.join(5)
        if self.manager.has_kernel:
            self.manager.shutdown_kernel(now=True)


# --- running -----------------------------------------------------------------------------
def _failure(name: str, exc: Exception, output: Path) -> NotebookFailedError:
    source = (getattr(exc, "source", "") or "").strip().splitlines()
    cell = f"cell {getattr(exc, 'cell_index', '?')} (In [{getattr(exc, 'exec_count', '?')}])"
    if source:
        cell += f" `{source[0][:80]}`"
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    error = f"{ename}: {evalue}" if ename else f"{type(exc).__name__}: {exc}"
    return NotebookFailedError(name, cell, error, output)


def _skip_iri_format_checker() -> None:
    """Make jsonschema skip its optional IRI format checker (``rfc3987_syntax``).

    That module compiles a grammar at import: 2-3 s in every process that imports nbformat,
    for a format notebooks never use. Only this process is affected.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def run_notebooks(
    paths: Sequence[Path],
    out_dir: Path,
    *,
    parameters: Mapping[str, Any] | None = None,
    per_notebook: Mapping[str, Mapping[str, Any]] | None = None,
    kernel_name: str = KERNEL,
    prewarm: int = 2,
    warm: Sequence[WarmKernel] = (),
    timeout_s: float = 600,
    stream: TextIO | None = None,
    kernel_env: Mapping[str, str] | None = None,
) -> list[NotebookRun]:
    """Execute ``paths`` in order into ``out_dir``; raise at the first failing notebook.

    ``parameters`` go to every notebook that declares them in its ``parameters`` cell,
    ``per_notebook[stem]`` to that one only. Up to
    ``prewarm`` kernels boot ahead of the notebook that runs (0: papermill starts each);
    ``warm`` are kernels already booting for the first paths. Warm kernels write their own
    stdout/stderr (warnings, crashes) to ``out_dir/kernels.log``. ``kernel_env`` is
    every kernel's whole environment (default: this process's); with it, a notebook that
    has no warm kernel gets one started at its turn, since papermill's own has this one's.
    """
    _skip_iri_format_checker()
    import papermill

    stream = stream or sys.stdout
    paths = [Path(p) for p in paths]
    out_dir = Path(out_dir)
    if out_dir.resolve() in {p.resolve().parent for p in paths}:
        raise RetailKitError(f"{out_dir} holds the notebooks: outputs never overwrite them")
    out_dir.mkdir(parents=True, exist_ok=True)
    log = out_dir / "kernels.log"
    queue = deque(warm)
    runs: list[NotebookRun] = []
    try:
        for index, path in enumerate(paths):
            while len(queue) < min(prewarm, len(paths) - index):
                queue.append(
                    WarmKernel(paths[index + len(queue)], kernel_name, log_path=log, env=kernel_env)
                )
            current = queue.popleft() if queue else None
            if current is None and kernel_env is not None:
                current = WarmKernel(path, kernel_name, log_path=log, env=kernel_env)
            output = out_dir / path.name
            print(f"[{index + 1}/{len(paths)}] {path.stem} …", end="", file=stream, flush=True)
            started = time.perf_counter()
            declared = declared_parameters(path)
            params = {**(parameters or {}), **(per_notebook or {}).get(path.stem, {})}
            params = {k: v for k, v in params.items() if k in declared}
            engine_kwargs = {"km": current.ready()} if current else {}
            try:
                papermill.execute_notebook(
                    str(path),
                    str(output),
                    parameters=params,
                    kernel_name=kernel_name,
                    progress_bar=False,
                    request_save_on_cell_execute=False,  # written once, at the end or failure
                    cwd=str(path.parent),
                    execution_timeout=timeout_s,
                    **engine_kwargs,
                )
            except Exception as exc:
                print(" FAILED", file=stream, flush=True)
                raise _failure(path.stem, exc, output) from exc
            finally:
                if current:
                    current.shutdown()
            seconds = time.perf_counter() - started
            runs.append(NotebookRun(path.stem, output, seconds))
            print(f" ok {seconds:5.1f}s", file=stream, flush=True)
    finally:
        for kernel in queue:
            kernel.shutdown()
    return runs


def export_html(executed: Path, out_dir: Path, name: str = "sales_report.html") -> Path:
    """The report an executed notebook rendered, as one self-contained HTML file.

    A notebook that showed a report (``infra_scripts.ops.report_output.show``) carries the
    whole document in its output: that is written as it is. Any other notebook is converted
    without its code, its prompts or anything fetched from the network (no require.js,
    MathJax or Mermaid from a CDN; images inline), titled by its first heading.
    """
    _skip_iri_format_checker()
    import nbformat

    from infra_scripts.ops.report_output import REPORT_MIME

    nb = nbformat.read(executed, as_version=4)
    documents = [
        output["data"][REPORT_MIME]
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if REPORT_MIME in output.get("data", {})
    ]
    if documents:
        body = "".join(documents[-1])
    else:
        from nbconvert import HTMLExporter

        offline = "\n".join(
            [
                "{%- extends 'index.html.j2' -%}",
                *(
                    f"{{%- block {block} -%}}{{%- endblock {block} -%}}"
                    for block in (
                        "html_head_js",
                        "html_head_js_mathjax",
                        "html_head_js_mermaidjs",
                        "jupyter_widgets",
                    )
                ),
            ]
        )
        headings = (
            line[2:].strip()
            for cell in nb.cells
            if cell.cell_type == "markdown"
            for line in cell.source.splitlines()
            if line.startswith("# ")
        )
        nb.metadata["title"] = next(headings, None) or Path(executed).stem
        exporter = HTMLExporter(
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
            raw_template=offline,
        )
        body, _ = exporter.from_notebook_node(nb)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    path.write_text(body, encoding="utf-8")
    return path


# --- test checks in hidden cells ---------------------------------------------------------
class CheckFailedError(AssertionError):
    """A notebook's :func:`expect` check saw something else than the reference run."""


def check_mode(environ: Mapping[str, str] | None = None) -> str:
    """How :func:`expect` treats a difference: ``"strict"`` raises, ``"report"`` prints.

    ``RETAIL_KIT_NOTEBOOK_CHECKS`` decides when set. Otherwise: ``report`` in a kernel that
    Jupyter's server started (JupyterLab: a learner who re-ran a cell or uploaded more files
    sees other numbers, and that is no error), ``strict`` everywhere else (nbval, papermill
    by hand). ``retailkit notebooks run`` sets ``report`` unless told otherwise.
    """
    environ = os.environ if environ is None else environ
    mode = environ.get(CHECKS_ENV, "").strip().lower()
    if mode in ("strict", "report"):
        return mode
    return "report" if environ.get("JPY_SESSION_NAME") else "strict"


def as_text(value: Any) -> str:
    """The text a check compares: a DataFrame without its index, a list one item a line."""
    if hasattr(value, "to_string") and hasattr(value, "columns"):  # a DataFrame
        text = value.to_string(index=False)
    elif hasattr(value, "to_string"):  # a Series
        text = value.to_string()
    elif isinstance(value, list | tuple):
        text = "\n".join(map(str, value))
    else:
        text = str(value)
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    return "\n".join(lines)


def expect(label: str, actual: Any, expected: str) -> None:
    """A test check for a hidden notebook cell: ``actual``, as text, must read ``expected``.

    ``expected`` is what the reference run printed (leading and trailing blank lines and
    trailing spaces do not count). On a difference: :class:`CheckFailedError` with a diff in
    ``strict`` mode (the tests), the diff printed in ``report`` mode (see :func:`check_mode`).
    To change a checked value on purpose, paste the new text the error shows.
    """
    got, want = as_text(actual), as_text(expected)
    if got == want:
        return
    diff = "\n".join(
        difflib.unified_diff(
            want.splitlines(), got.splitlines(), "expected", "this run", lineterm=""
        )
    )
    message = f"check {label!r}: this run differs from the reference run\n{diff}"
    if check_mode() == "strict":
        raise CheckFailedError(f"{message}\n\nthis run, whole:\n{got}")
    print(f"{message}\n(a test check: fine after re-running cells or uploading other files)")


#: The business whose tour the notebooks' reference outputs (their ``expect`` checks) record.
REFERENCE_BUSINESS = "bookstore"


def reference_checks(business: str) -> Callable[[str, Any, str], None]:
    """:func:`expect` for the reference business's tour; for another business's, a check
    that only says it was skipped (its figures are its own, not the reference run's)."""
    if business == REFERENCE_BUSINESS:
        return expect

    def skipped(label: str, actual: Any, expected: str) -> None:
        print(f"check {label!r} skipped: the reference run is the {REFERENCE_BUSINESS}'s")

    return skipped


def is_check_cell(cell: Any) -> bool:
    """True for the hidden test-check cells (tag ``remove-cell``, calling :func:`expect`)."""
    return (
        cell.get("cell_type") == "code"
        and HIDDEN_TAG in cell.get("metadata", {}).get("tags", [])
        and "expect(" in cell.get("source", "")
    )


# --- stripping ---------------------------------------------------------------------------
def is_checked(cell: Any) -> bool:
    """True for code cells whose output nbval compares (``# NBVAL_CHECK_OUTPUT``)."""
    return cell.get("cell_type") == "code" and CHECK_MARK in cell.get("source", "")


def _clean_outputs(outputs: list) -> list:
    import nbformat

    cleaned = []
    for output in outputs:
        output = dict(output)
        if "metadata" in output:
            output["metadata"] = {}
        cleaned.append(nbformat.from_dict(output))
    return cleaned


def strip_notebook(nb: Any, reference: Any | None = None) -> Any:
    """Outputs and counts removed, except for checked cells (nbval compares only those).

    Checked cells keep their outputs and an execution count, always 1 (nbval skips cells
    without one; a run in JupyterLab must not change it). With ``reference`` (an executed
    copy, e.g. from ``runs/``), they take their outputs from the cell with the same id
    there: that is how checked values are updated. Cell metadata keeps only the tags; cells
    tagged ``remove-cell`` are collapsed (input and output) for JupyterLab, every other cell
    shows both: a cell the learner folded or scrolled in JupyterLab commits as it was.
    """
    import nbformat

    executed = {c.get("id"): c for c in (reference.cells if reference else [])}
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k == "tags"}
        if HIDDEN_TAG in cell.metadata.get("tags", []):
            cell.metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
        if cell.cell_type != "code":
            continue
        source = executed.get(cell.get("id"), cell)
        if is_checked(cell) and source.get("outputs"):
            cell.outputs = _clean_outputs(source["outputs"])
            cell.execution_count = 1  # nbval compares only cells with one; which, no matter
        else:
            cell.outputs = []
            cell.execution_count = None
    kernelspec = nb.metadata.get("kernelspec") or {
        "name": KERNEL,
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata = nbformat.from_dict(
        {"kernelspec": kernelspec, "language_info": {"name": "python"}}
    )
    return nb


def stripped_text(text: str, reference: Any | None = None) -> str:
    """A notebook's JSON text, stripped (:func:`strip_notebook`), as the files are written."""
    _skip_iri_format_checker()
    import nbformat

    return nbformat.writes(strip_notebook(nbformat.reads(text, as_version=4), reference)) + "\n"


def strip_paths(
    paths: Iterable[Path], *, outputs_from: Path | None = None, check: bool = False
) -> list[Path]:
    """Strip notebooks in place (or only report, with ``check``); return those that changed."""
    import nbformat

    changed = []
    for path in map(Path, paths):
        text = path.read_text(encoding="utf-8")
        reference = None
        if outputs_from is not None and (Path(outputs_from) / path.name).exists():
            reference = nbformat.read(Path(outputs_from) / path.name, as_version=4)
        new_text = stripped_text(text, reference)
        if new_text != text:
            changed.append(path)
            if not check:
                path.write_text(new_text, encoding="utf-8")
    return changed


# --- the git clean filter ----------------------------------------------------------------
def clean_filter(text: str) -> str:
    """What git stores for a notebook (the clean filter): ``text`` stripped.

    Anything that is not a notebook (a file with merge-conflict markers, say) passes
    unchanged: git must keep working, and the lint check then names the file.
    """
    try:
        return stripped_text(text)
    except Exception:
        return text


def _git(*args: str, cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_clean_command(path: Path) -> tuple[str, Path] | None:
    """The clean filter command git runs on ``path`` when it stores it, and the folder it
    runs in (the work tree's top); None when the path is outside git or has no filter."""
    folder = Path(path).resolve().parent
    while not folder.exists():  # a path that does not exist yet: its attributes still apply
        folder = folder.parent
    top = _git("rev-parse", "--show-toplevel", cwd=folder)
    if not top:
        return None
    relative = os.path.relpath(Path(path).resolve(), top)
    attribute = _git("check-attr", "filter", "--", relative, cwd=Path(top)) or ""
    name = attribute.rsplit(": ", 1)[-1]
    if name in ("", "unspecified", "unset", "set"):
        return None
    command = _git("config", "--get", f"filter.{name}.clean", cwd=Path(top))
    if not command:
        return None
    return command.replace("%f", shlex.quote(relative)), Path(top)


def committed_form(path: Path, text: str | None = None) -> str:
    """What ``git add`` would store for ``path``: its text (default: the file's) through the
    clean filter git has for it, as git runs it; the text itself when there is none."""
    text = Path(path).read_text(encoding="utf-8") if text is None else text
    found = git_clean_command(path)
    if found is None:
        return text
    command, top = found
    done = subprocess.run(
        command, shell=True, cwd=top, input=text, capture_output=True, text=True, timeout=120
    )
    return done.stdout if done.returncode == 0 else text  # as git: a failed filter stores as is


def unstripped(paths: Iterable[Path]) -> list[Path]:
    """The notebooks whose committed form (:func:`committed_form`) is not stripped."""
    return [p for p in map(Path, paths) if stripped_text(form := committed_form(p)) != form]


def install_git_filter(python: str = ".venv/bin/python", folder: Path = PROJECT_ROOT) -> bool:
    """Configure the clean filter ``.gitattributes`` names (``make setup`` runs this).

    ``python`` runs :func:`clean_filter`; git runs it in the work tree's top, so a relative
    path such as ``.venv/bin/python`` works. True when it changed the configuration; False
    when it was already so, or ``folder`` is not in a git work tree.
    """
    if _git("rev-parse", "--is-inside-work-tree", cwd=Path(folder)) != "true":
        return False
    command = f"{python} -m infra_scripts.notebooks clean"
    wanted = {"clean": command, "smudge": "cat"}
    if all(
        _git("config", "--get", f"filter.{GIT_FILTER}.{key}", cwd=Path(folder)) == value
        for key, value in wanted.items()
    ):
        return False
    for key, value in wanted.items():
        if _git("config", f"filter.{GIT_FILTER}.{key}", value, cwd=Path(folder)) is None:
            return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m infra_scripts.notebooks clean`` (git's clean filter: stdin to stdout) or
    ``install-git-filter [--python PATH]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["clean"]:
        text = sys.stdin.buffer.read().decode("utf-8")
        sys.stdout.buffer.write(clean_filter(text).encode("utf-8"))
        return 0
    if args[:1] == ["install-git-filter"]:
        python = args[args.index("--python") + 1] if "--python" in args else ".venv/bin/python"
        if install_git_filter(python):
            print(f"setup: git strips notebooks on commit (filter {GIT_FILTER}, .gitattributes)")
        return 0
    print("usage: python -m infra_scripts.notebooks clean | install-git-filter", file=sys.stderr)
    return 2


# --- command line ------------------------------------------------------------------------
def _explicit_stack(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "stack", None) or os.environ.get("RETAIL_KIT_STACK_NAME"))


def kernel_environment(settings: Settings) -> dict[str, str] | None:
    """The notebook kernels' environment: on the local target, this process's without the
    operator's ``AWS_*`` variables plus the local endpoint and dummy credentials (a stray
    ``boto3.client()`` in a cell reaches the local cloud too); on AWS, None (inherited)."""
    if settings.target != "local":
        return None
    from infra_scripts.session import local_process_environment

    return local_process_environment(settings)


def needs_stack(path: Path) -> bool:
    """Whether the notebook reads a deployed stack (calls ``stack_outputs``)."""
    return STACK_CALL in path.read_text(encoding="utf-8")


def check_stack(paths: Sequence[Path], params: Mapping[str, Any], settings: Settings) -> None:
    """Before a run that reads a stack it does not deploy (no 01 among ``paths``): raise
    :class:`~infra_scripts.exceptions.StackMissingError` now, not in a notebook's cell."""
    if any(p.stem == PROVISION_NOTEBOOK for p in paths) or not any(map(needs_stack, paths)):
        return
    from infra_scripts.provision import require_stack
    from infra_scripts.session import make_session

    given = {k: params[k] for k in ("target", "region", "stack_name", "contract") if params.get(k)}
    stack_settings = dataclasses.replace(settings, **given)
    require_stack(stack_settings, make_session(stack_settings))


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """``retailkit notebooks run``: the time it prints covers everything, cloud start included."""
    from infra_scripts.localcloud import process

    started = time.perf_counter()
    paths = select(discover(args.folder), args.only)
    stack = fresh_stack_name() if args.fresh_stack and not _explicit_stack(args) else None
    params = {"target": settings.target, "region": settings.region, "contract": settings.contract}
    params["stack_name"] = stack or settings.stack_name
    given = parse_parameters(args.parameter)
    known = set().union(*map(declared_parameters, paths)) if paths else set()
    if set(given) - known:
        raise RetailKitError(
            f"no notebook of this run takes {', '.join(sorted(set(given) - known))} "
            f"(they take: {', '.join(sorted(known))})"
        )
    params.update(given)
    os.environ["RETAIL_KIT_LOCAL_PORT"] = str(settings.local_port)
    os.environ["RETAIL_KIT_STATE_DIR"] = str(settings.state_dir)
    os.environ.setdefault(CHECKS_ENV, "report")  # a run, not a test: checks print, never fail
    out_dir = new_run_dir(args.out)
    report_dir = PROJECT_ROOT / str(params.get("report_dir") or REPORTS_DIR / out_dir.name)
    per_notebook = {REPORT_NOTEBOOK: {"report_dir": str(report_dir)}} if args.html else {}
    prewarm = 0 if args.no_prewarm else 2
    kernel_env = kernel_environment(settings)
    warm = [
        WarmKernel(p, log_path=out_dir / "kernels.log", env=kernel_env) for p in paths[:prewarm]
    ]
    started_cloud = False
    try:
        if settings.target == "local" and not args.no_local_cloud:  # kernels boot meanwhile
            status, started_cloud = process.start(settings)
            print(("started " if started_cloud else "using ") + status.describe())
        check_stack(paths, params, settings)
        print(f"running {len(paths)} notebooks (stack {params['stack_name']}) into {out_dir}/")
        runs = run_notebooks(
            paths,
            out_dir,
            parameters=params,
            per_notebook=per_notebook,
            prewarm=prewarm,
            warm=warm,
            kernel_env=kernel_env,
        )
        if args.html and any(r.name == REPORT_NOTEBOOK for r in runs):
            html = export_html(out_dir / f"{REPORT_NOTEBOOK}.ipynb", report_dir)
            print(f"report: {html} (+ {len(list(report_dir.glob('*.png')))} chart PNGs)")
    except NotebookFailedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"stopped after {time.perf_counter() - started:.1f}s", file=sys.stderr)
        return 1
    finally:
        for kernel in warm:
            kernel.shutdown()  # no-op for those run_notebooks already used
        if started_cloud and any(p.stem == TEARDOWN_NOTEBOOK for p in paths):
            process.stop(settings)
            print(f"stopped the local cloud this run started (log: {process.log_file(settings)})")
    print(f"{len(runs)} notebooks ok in {time.perf_counter() - started:.1f}s (all included)")
    return 0


def strip_command(args: argparse.Namespace, settings: Settings) -> int:
    """``retailkit notebooks strip``; with ``--check``, of the notebooks as git will commit
    them (a working copy that JupyterLab saved with its outputs passes when the clean filter
    strips it)."""
    paths = args.paths or discover(args.folder)
    if args.check:
        changed = unstripped(paths)
        for path in changed:
            print(f"not stripped: {path} (run `make format`; `make setup` strips on commit)")
        return 1 if changed else 0
    for path in strip_paths(paths, outputs_from=args.outputs_from):
        print(f"stripped: {path}")
    return 0


def add_cli(subparsers: Any) -> None:
    """Register ``notebooks run`` and ``notebooks strip`` on the ``retailkit`` CLI."""
    parser = subparsers.add_parser(
        "notebooks",
        help="run the notebook tour headless (papermill) or strip committed outputs",
        description="The ordered notebooks in notebooks/: run them with papermill, strip them.",
    )
    commands = parser.add_subparsers(dest="notebooks_command", required=True, metavar="ACTION")
    run = commands.add_parser(
        "run",
        help="execute the notebooks in order into runs/<timestamp>/",
        description="Execute the notebooks in order with papermill into runs/<timestamp>/ (never "
        "in place); stop at the first failure. On the local target a local cloud is started if "
        "none answers; it is stopped at the end when the run included the teardown notebook.",
    )
    run.add_argument("--only", action="append", metavar="NN", help="only these (04, 04,06)")
    run.add_argument("--html", action="store_true", help="export 06's output to reports/ as HTML")
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("KEY", "VALUE"),
        help="a notebook parameter (repeatable), as papermill -p",
    )
    run.add_argument(
        "--fresh-stack",
        action="store_true",
        help="use a new stack name (tour-…) unless --stack/RETAIL_KIT_STACK_NAME",
    )
    run.add_argument("--out", type=Path, default=RUNS_DIR, help="where runs go (default runs/)")
    run.add_argument("--folder", type=Path, default=NOTEBOOKS_DIR, help=argparse.SUPPRESS)
    run.add_argument(
        "--no-prewarm", action="store_true", help="start each kernel only when its turn comes"
    )
    run.add_argument("--no-local-cloud", action="store_true", help="do not start a local cloud")
    run.add_argument("--port", type=int, help="local cloud port (env RETAIL_KIT_LOCAL_PORT)")
    run.add_argument("--state-dir", type=Path, help="local cloud state dir")
    run.set_defaults(func=run_command)
    strip = commands.add_parser(
        "strip",
        help="remove outputs except those of # NBVAL_CHECK_OUTPUT cells",
        description="Strip outputs, counts and metadata from notebooks, keeping the outputs of "
        "cells nbval checks; --outputs-from takes those from an executed run.",
    )
    strip.add_argument("paths", nargs="*", type=Path, help="notebooks (default: the tour)")
    strip.add_argument("--outputs-from", type=Path, help="a runs/<timestamp> folder")
    strip.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if a notebook would not commit stripped (git's clean "
        "filter, when set up, included)",
    )
    strip.add_argument("--folder", type=Path, default=NOTEBOOKS_DIR, help=argparse.SUPPRESS)
    strip.set_defaults(func=strip_command)


if __name__ == "__main__":
    sys.exit(main())
