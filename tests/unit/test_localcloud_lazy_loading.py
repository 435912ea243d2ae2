"""An idle local cloud holds no SQL engine and no Step Functions interpreter: they load on
first use, once, and the interpreter no longer drags in moto's EC2."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading

import pytest

from infra_scripts.config import PROJECT_ROOT
from infra_scripts.localcloud.runtime import BackgroundLoad, OnFirstUse

# Modules worth tens of MB each that no idle server needs.
HEAVY = (
    "duckdb",
    "sqlglot",
    "pyarrow",
    "pandas",
    "moto.ec2",
    "moto.stepfunctions.parser.asl.parse.asl_parser",
)


def _run(script: str) -> dict:
    """Run ``script`` in a fresh interpreter (this process's imports would hide what it
    imports) and return the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_installing_every_service_imports_no_engine(tmp_path):
    found = _run(
        f"""
        import json, sys
        from pathlib import Path
        from infra_scripts.localcloud.runtime import ServerContext
        from infra_scripts.localcloud.server import app
        ctx = ServerContext(port=1, state_dir=Path({str(tmp_path)!r}))
        app.install_services(ctx)
        app.build_app(ctx)
        print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
        """
    )
    assert found == []


def test_the_step_functions_interpreter_loads_without_ec2_and_batch_still_works():
    found = _run(
        """
        import json, sys
        from infra_scripts.localcloud.motolayer import lazyimports
        from infra_scripts.localcloud.motolayer.patching import PATCHES
        lazyimports.install()
        import moto.stepfunctions.parser.asl.parse.asl_parser
        ec2_with_interpreter = "moto.ec2" in sys.modules
        from moto.backends import get_backend
        backend = get_backend("batch")["123456789012"]["us-east-1"]
        print(json.dumps({
            "ec2_with_interpreter": ec2_with_interpreter,
            "batch_backend": type(backend).__name__,
            "patches": PATCHES.applied(),
            "undone": PATCHES.undo(),
            "batch_after_undo": "moto.batch" in sys.modules,
        }))
        """
    )
    assert found == {
        "ec2_with_interpreter": False,
        "batch_backend": "BatchBackend",
        "patches": ["moto.batch: models imported on first use"],
        "undone": 1,
        "batch_after_undo": False,
    }


def test_the_deferral_refuses_a_batch_package_it_does_not_know():
    found = _run(
        """
        import json
        from infra_scripts.exceptions import MotoVersionError
        from infra_scripts.localcloud.motolayer import lazyimports
        lazyimports._BATCH_INIT = "from .models import batch_backends, something_new"
        try:
            lazyimports.install()
            print(json.dumps("installed"))
        except MotoVersionError as exc:
            print(json.dumps(str(exc)))
        """
    )
    assert "moto/batch/__init__.py is not the one-line re-export" in found
    assert "moto==5.2.5" in found


def test_on_first_use_builds_once_however_many_threads_ask():
    built: list[int] = []
    barrier = threading.Barrier(8)

    def build() -> object:
        built.append(1)
        return object()

    value = OnFirstUse("a value", build)
    assert not value.loaded
    results: list[object] = []

    def ask() -> None:
        barrier.wait()
        results.append(value.get())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(built) == 1 and value.loaded
    assert len(results) == 8 and all(r is results[0] for r in results)


def test_background_load_runs_once_and_every_waiter_sees_its_failure():
    runs: list[int] = []

    def work() -> None:
        runs.append(1)
        raise ValueError("the models are missing")

    load = BackgroundLoad("reading the models", work, deadline_s=10)
    for _ in range(3):
        with pytest.raises(
            RuntimeError, match=r"reading the models failed.*the models are missing"
        ):
            load.load()
    load.start()
    assert runs == [1]


def test_the_step_functions_interpreter_patches_apply_to_the_pinned_moto(tmp_path):
    """They apply on the first Step Functions call (the interpreter loads lazily): this makes
    a mismatch fail here, not in a running server."""
    found = _run(
        f"""
        import json
        from pathlib import Path
        from infra_scripts.localcloud.motolayer.patching import PATCHES
        from infra_scripts.localcloud.runtime import ServerContext
        from infra_scripts.localcloud.server import app
        from infra_scripts.localcloud.services.stepfunctions import patches
        ctx = ServerContext(port=1, state_dir=Path({str(tmp_path)!r}))
        app.install_services(ctx)
        before = len(PATCHES.applied())
        patches._apply_patches(ctx)
        print(json.dumps(len(PATCHES.applied()) - before))
        """
    )
    assert found > 40  # the interpreter's fixes, JSONata, semantics, APIs
