"""What the emulated services' answers have in common, whatever the service."""

from __future__ import annotations

from typing import Any


def optional_fields(**values: Any) -> dict[str, Any]:
    """The optional members that are set, by their API names: AWS leaves out a member that
    is unset, so None and empty text or collections are dropped (0 and False are kept)."""
    return {
        name: value
        for name, value in values.items()
        if value is not None and not (isinstance(value, str | list | tuple | dict) and not value)
    }
