"""moto's per-account, per-region backends, by service name: how one service reads another's
data (the Redshift Data API reads Redshift Serverless workgroups) without importing it."""

from __future__ import annotations

from typing import Any


def backend(service: str, account_id: str, region: str) -> Any:
    """The backend of ``service`` (moto's name: ``glue``, ``s3``, ``redshift-serverless`` …)
    for one account and region, including backends the local cloud registered itself."""
    from moto.backends import get_backend

    return get_backend(service)[account_id][region]  # type: ignore[arg-type]
