"""Operator-side code of the Retail Pipeline Kit: config, session, local cloud, ops, CLI."""

from infra_scripts.config import Settings
from infra_scripts.session import make_session

__all__ = ["Settings", "make_session"]
