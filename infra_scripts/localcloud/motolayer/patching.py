"""Checked monkey-patching of moto internals.

moto has no plugin API, so every service replaces moto functions when it is installed (the
Step Functions interpreter's on its first use, as it loads lazily). Each replacement first
checks that what it replaces exists (and each addition that it does not), so a moto that is
not the pinned one fails loudly instead of silently faking again (the version itself is
checked before the server listens); each is recorded in :data:`PATCHES`, which lists and
undoes them.
"""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import re
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from infra_scripts.exceptions import MotoVersionError

MOTO_VERSION = "5.2.5"


def installed_moto_version() -> str:
    """The installed moto's version string."""
    return importlib.metadata.version("moto")


def check_moto_version() -> None:
    """Refuse to patch any moto but the pinned one."""
    found = installed_moto_version()
    if found != MOTO_VERSION:
        raise MotoVersionError(
            f"the local cloud needs moto=={MOTO_VERSION} (its executors patch moto internals), "
            f"but moto {found} is installed; run `make setup` to install the pinned version"
        )


def require(owner: Any, name: str) -> Any:
    """Return ``owner.name``, or fail naming the moto version the local cloud needs."""
    if not hasattr(owner, name):
        where = getattr(owner, "__qualname__", getattr(owner, "__name__", repr(owner)))
        raise MotoVersionError(
            f"moto internals changed: {where}.{name} is missing; the local cloud "
            f"needs moto=={MOTO_VERSION} (installed: {installed_moto_version()})"
        )
    return getattr(owner, name)


@dataclass(frozen=True)
class Patch:
    """One change to moto: what it changed, and how to put it back."""

    target: str  # e.g. ``moto.glue.models.FakeJob.start_job_run``; ``+`` when it added a name
    undo: Callable[[], None]


def _where(owner: Any, name: str) -> str:
    module = getattr(owner, "__module__", None)
    qualname = getattr(owner, "__qualname__", None) or getattr(owner, "__name__", None)
    if qualname is None:
        return f"{type(owner).__name__}.{name}"
    return f"{module}.{qualname}.{name}" if module and module != qualname else f"{qualname}.{name}"


class PatchRegistry:
    """Every patch applied to moto in this process, in order, so each can be listed and undone.

    moto's classes and modules exist once per process, so the record of what changed them
    does too (:data:`PATCHES`); the server's health endpoint lists it, and tests that patch
    moto in-process undo what they applied (:meth:`undone_on_exit`).
    """

    def __init__(self) -> None:
        self._applied: list[Patch] = []
        self._lock = threading.Lock()

    def replace(self, owner: Any, name: str, new: Any) -> Any:
        """Replace ``owner.name`` (which must exist) with ``new``; return the original."""
        original = require(owner, name)
        own = name in getattr(owner, "__dict__", {})  # else inherited: undo by deleting
        setattr(owner, name, new)
        if own:
            self.record(_where(owner, name), lambda: setattr(owner, name, original))
        else:
            self.record(_where(owner, name), lambda: delattr(owner, name))
        return original

    def add(self, owner: Any, name: str, new: Any) -> None:
        """Add ``owner.name``, which moto must not have (a moto upgrade that brings its own
        is refused, naming the version the local cloud needs)."""
        if hasattr(owner, name):
            raise MotoVersionError(
                f"moto internals changed: {_where(owner, name)} now exists; the local cloud "
                f"needs moto=={MOTO_VERSION} (installed: {installed_moto_version()})"
            )
        setattr(owner, name, new)
        self.record("+" + _where(owner, name), lambda: delattr(owner, name))

    def record(self, target: str, undo: Callable[[], None]) -> None:
        """Record a change made another way (a module registered, a route inserted)."""
        with self._lock:
            self._applied.append(Patch(target, undo))

    def applied(self) -> list[str]:
        """What is patched, in the order applied."""
        with self._lock:
            return [patch.target for patch in self._applied]

    def undo(self, count: int | None = None) -> int:
        """Undo the last ``count`` patches (all by default), newest first; return how many."""
        with self._lock:
            keep = 0 if count is None else max(0, len(self._applied) - count)
            undone = self._applied[keep:]
            del self._applied[keep:]
        for patch in reversed(undone):
            patch.undo()
        return len(undone)

    @contextmanager
    def undone_on_exit(self) -> Iterator[PatchRegistry]:
        """Undo, on exit, every patch applied inside the block."""
        with self._lock:
            before = len(self._applied)
        try:
            yield self
        finally:
            with self._lock:
                count = len(self._applied) - before
            if count > 0:
                self.undo(count)


PATCHES = PatchRegistry()


def replace(owner: Any, name: str, new: Callable[..., Any]) -> Callable[..., Any]:
    """Replace ``owner.name`` with ``new`` after checking it exists; return the original.

    Recorded in :data:`PATCHES`."""
    return PATCHES.replace(owner, name, new)


def add(owner: Any, name: str, new: Any) -> None:
    """Add ``owner.name``, which moto must not have yet; recorded in :data:`PATCHES`."""
    PATCHES.add(owner, name, new)


def rewrite(cls: type, name: str, old: str, new: str) -> Callable[..., Any]:
    """Replace ``cls.name`` by its own source with the text ``old`` (which must occur exactly
    once) replaced by ``new``, compiled in its module's namespace; return the original.

    For a fix in the middle of a long moto method that nothing else can reach. Tracebacks
    keep the method's line numbers. A method using zero-argument ``super()`` or a private
    (name-mangled) ``__name`` cannot be recompiled outside its class and is refused.
    """
    method = require(cls, name)
    lines, first_line = inspect.getsourcelines(method)
    source = textwrap.dedent("".join(lines))
    where = f"{cls.__module__}.{cls.__qualname__}.{name}"
    if source.count(old) != 1:
        raise MotoVersionError(
            f"moto internals changed: {where} no longer has the line the local cloud fixes; "
            f"it needs moto=={MOTO_VERSION} (installed: {installed_moto_version()})"
        )
    if "super()" in source or _PRIVATE_NAME.search(source):
        raise MotoVersionError(f"{where} uses super() or a private name: it cannot be recompiled")
    tree = ast.parse(source.replace(old, new))
    ast.increment_lineno(tree, first_line - 1)
    namespace: dict[str, Any] = {}
    module = sys.modules[method.__module__]
    exec(compile(tree, inspect.getsourcefile(method) or where, "exec"), vars(module), namespace)
    return replace(cls, name, namespace[name])


_PRIVATE_NAME = re.compile(r"\b__[A-Za-z_]\w*(?<!__)\b")
