"""Redshift Serverless for the local cloud: a backend moto 5.2.5 does not have.

moto's server finds a backend by URL pattern (``moto.backend_index.backend_url_patterns``),
imports ``moto.<name>`` for its ``<name>_backends`` and routes by the sibling ``urls``
module. :func:`install` registers this package's modules under ``moto.redshiftserverless``
and puts its URL pattern first, before the server serves its first request.
"""

from __future__ import annotations

import importlib.util
import re
import sys

from infra_scripts.exceptions import MotoVersionError
from infra_scripts.localcloud.motolayer.patching import (
    MOTO_VERSION,
    PATCHES,
    add,
    installed_moto_version,
    require,
)
from infra_scripts.localcloud.runtime import ServerContext

BACKEND_NAME = "redshiftserverless"
MOTO_MODULE = f"moto.{BACKEND_NAME}"
URL_PATTERN = re.compile(r"https?://redshift-serverless\.(.+)\.amazonaws\.com")


def install(ctx: ServerContext) -> None:
    """Add the Redshift Serverless backend to moto's server (idempotent)."""
    import moto
    import moto.backend_index as backend_index
    import moto.backends as backends
    import moto.core.responses as core_responses
    from moto.core.base_backend import BaseBackend
    from moto.secretsmanager.models import SecretsManagerBackend

    if sys.modules.get(MOTO_MODULE) is None and importlib.util.find_spec(MOTO_MODULE):
        raise MotoVersionError(
            f"moto {installed_moto_version()} ships its own {MOTO_MODULE}; the local cloud's "
            f"Redshift Serverless backend is written for moto=={MOTO_VERSION}"
        )
    patterns = require(backend_index, "backend_url_patterns")
    require(backends, "get_backend")
    for name in ("flask_paths", "_url_module"):
        require(BaseBackend, name)
    for name in ("ActionResult", "EmptyResult"):
        require(core_responses, name)
    for name in ("dispatch", "serialized", "parse_parameters"):
        require(core_responses.BaseResponse, name)
    for name in ("create_secret", "delete_secret"):
        require(SecretsManagerBackend, name)

    from infra_scripts.localcloud.services.redshift_serverless import models, responses, urls

    modules = {  # get_backend: import moto.X, read X_backends
        MOTO_MODULE: models,
        f"{MOTO_MODULE}.models": models,
        f"{MOTO_MODULE}.responses": responses,
        f"{MOTO_MODULE}.urls": urls,
    }
    sys.modules.update(modules)

    def unregister() -> None:
        for name in modules:
            sys.modules.pop(name, None)

    PATCHES.record(f"+sys.modules[{MOTO_MODULE}*]", unregister)
    add(moto, BACKEND_NAME, models)
    if not any(name == BACKEND_NAME for name, _ in patterns):
        entry = (BACKEND_NAME, URL_PATTERN)
        patterns.insert(0, entry)
        PATCHES.record(
            "+moto.backend_index.backend_url_patterns[0]", lambda: patterns.remove(entry)
        )
