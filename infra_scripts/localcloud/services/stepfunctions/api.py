"""Step Functions operations moto 5.2.5 lacks or gets wrong (filled in by the API work)."""

from __future__ import annotations

from infra_scripts.localcloud.runtime import ServerContext


def install(ctx: ServerContext) -> None:
    """Patch moto's Step Functions responses/backend (called at server start; cheap)."""
    del ctx


def install_interpreter(ctx: ServerContext) -> None:
    """Patch the ASL interpreter (called once it is loaded, on the first Step Functions call)."""
    del ctx
