"""The local cloud: moto's control plane plus real executors, on 127.0.0.1.

Operator-side API (the server itself lives in :mod:`.server`)::

    from infra_scripts.localcloud import LocalCloud, start, stop, status

Imported on first use, so that the server process (which also imports this package) does
not pay for the operator side's imports.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LocalCloud", "Status", "read_log", "start", "status", "stop"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from infra_scripts.localcloud import process

        return getattr(process, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
