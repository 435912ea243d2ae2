"""Checked monkey-patching of moto internals.

moto has no plugin API, so every executor replaces a moto function before the server
starts. Each replacement first checks that what it replaces exists, so a moto upgrade
fails loudly at start-up instead of silently faking again.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
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


def replace(owner: Any, name: str, new: Callable[..., Any]) -> Callable[..., Any]:
    """Replace ``owner.name`` with ``new`` after checking it exists; return the original."""
    original = require(owner, name)
    setattr(owner, name, new)
    return original
