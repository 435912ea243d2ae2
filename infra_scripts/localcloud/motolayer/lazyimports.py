"""moto packages whose import pulls in far more than the local cloud's callers use.

- ``moto.batch``: the Step Functions interpreter's Batch integration imports
  ``moto.batch.utils`` for one enum, and ``moto/batch/__init__.py`` imports Batch's models and
  with them EC2's (instance types, regions, AMIs): ~100 MB and ~0.8 s on the first Step
  Functions request. The package is registered un-executed instead, with its backends
  imported on first access (``moto.backends.get_backend("batch")`` still finds them).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from infra_scripts.exceptions import MotoVersionError
from infra_scripts.localcloud.motolayer.patching import MOTO_VERSION, PATCHES

BATCH_PACKAGE = "moto.batch"
# What moto/batch/__init__.py holds in the pinned moto: only the backends' re-export.
_BATCH_INIT = "from .models import batch_backends  # noqa: F401"


def install() -> None:
    """Defer what is deferred above (before anything imports it)."""
    _defer_batch_models()


def _defer_batch_models() -> None:
    if BATCH_PACKAGE in sys.modules:
        return  # already imported for real: nothing to save
    spec = importlib.util.find_spec(BATCH_PACKAGE)
    if spec is None or spec.origin is None or not spec.submodule_search_locations:
        raise MotoVersionError(
            f"moto has no {BATCH_PACKAGE} package; it needs moto=={MOTO_VERSION}"
        )
    if Path(spec.origin).read_text().strip() != _BATCH_INIT:
        raise MotoVersionError(
            f"moto internals changed: {spec.origin} is not the one-line re-export the local "
            f"cloud defers; it needs moto=={MOTO_VERSION}"
        )
    package = importlib.util.module_from_spec(spec)  # not executed: no models imported

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        models = importlib.import_module(f"{BATCH_PACKAGE}.models")
        value = getattr(models, name)
        setattr(package, name, value)
        return value

    package.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[BATCH_PACKAGE] = package
    parent = sys.modules.get("moto")
    if parent is not None:
        parent.batch = package  # type: ignore[attr-defined]
    PATCHES.record(f"{BATCH_PACKAGE}: models imported on first use", lambda: _forget(package))


def _forget(package: ModuleType) -> None:
    """Undo: drop the deferred package and what was imported under it."""
    if sys.modules.get(BATCH_PACKAGE) is not package:
        return
    for name in [n for n in sys.modules if n == BATCH_PACKAGE or n.startswith(BATCH_PACKAGE + ".")]:
        del sys.modules[name]
    parent = sys.modules.get("moto")
    if parent is not None and getattr(parent, "batch", None) is package:
        delattr(parent, "batch")
