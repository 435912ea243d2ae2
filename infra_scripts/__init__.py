"""Operator-side code of the Retail Pipeline Kit: config, session, local cloud, ops, CLI.

``Settings`` and ``make_session`` are imported on first use (boto3 costs ~0.5 s, which the
local-cloud server process, also under this package, need not pay before it listens).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Settings", "make_session"]


def __getattr__(name: str) -> Any:
    if name == "Settings":
        from infra_scripts.config import Settings

        return Settings
    if name == "make_session":
        from infra_scripts.session import make_session

        return make_session
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
