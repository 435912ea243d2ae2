"""API errors of the emulated services, serialised by moto's dispatcher as AWS's JSON errors.

``TYPE`` is the error shape's name in botocore's model (the ``__type`` a client reads) and
``MESSAGE`` the text AWS answers when it gives a fixed one. :func:`error_types` declares the
errors that are nothing but a name.
"""

from __future__ import annotations

from moto.core.exceptions import AWSError


class ServiceError(AWSError):
    """Base of an emulated service's API errors (HTTP 400 unless ``STATUS`` says otherwise)."""

    TYPE = "InternalServerException"
    STATUS = 400
    MESSAGE = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.MESSAGE)


def error_types(base: type[ServiceError], *names: str) -> tuple[type[ServiceError], ...]:
    """One subclass of ``base`` per error name (its ``TYPE``), in the order given."""
    return tuple(
        type(name, (base,), {"TYPE": name, "__module__": base.__module__}) for name in names
    )
