"""Placeholder."""

from infra_scripts.localcloud.runtime import ServerContext


def install(ctx: ServerContext) -> None:
    """Not implemented yet."""
