"""Work moto repeats on every request although its answer never changes: done once here.

The local cloud's server is one Python process, so the CPU each request costs bounds how
many files a burst can push through. Each patch below caches a pure answer (or skips a
lock when the answer is already known) and changes no behaviour:

- the list of moto's service modules (moto lists its package directory per request);
- a response class's method names (``inspect.getmembers`` per request);
- the backend matched by a request's host (~300 URL regexes tried per request, under a
  global lock);
- the error lookup table of a service (rebuilt from the botocore model per error response);
- an account's backend once it exists (moto takes a global lock and copies the account
  list on every backend access).
"""

from __future__ import annotations

import threading
from typing import Any

from infra_scripts.localcloud.motolayer.patching import replace, require

HOST_CACHE_SIZE = 4096  # distinct Host headers remembered (a bucket per virtual host)


def install() -> None:
    """Apply every speed-up (before the first request)."""
    _cache_module_list()
    _cache_action_names()
    _cache_backend_for_host()
    _share_error_lookups()
    _fast_account_backends()


def _cache_module_list() -> None:
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    replace(backends, "list_of_moto_modules", lambda: modules)


def _cache_action_names() -> None:
    """Executors add their methods at install, before the first request, so a class's list
    is final when it is first asked for."""
    from moto.core import responses, utils

    original = utils.method_names_from_class
    names: dict[type, frozenset[str]] = {}

    def method_names_from_class(clazz: type) -> frozenset[str]:
        found = names.get(clazz)
        if found is None:
            found = names[clazz] = frozenset(original(clazz))
        return found

    replace(responses, "method_names_from_class", method_names_from_class)


def _cache_backend_for_host() -> None:
    """The host → backend match depends on the host only (the patterns are fixed)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = require(DomainDispatcherApplication, "get_backend_for_host")
    found: dict[str | None, Any] = {}
    lock = threading.Lock()

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        try:
            return found[host]
        except KeyError:
            backend = original(self, host)
            with lock:
                if len(found) >= HOST_CACHE_SIZE:
                    found.clear()
                found[host] = backend
            return backend

    replace(DomainDispatcherApplication, "get_backend_for_host", get_backend_for_host)


def _share_error_lookups() -> None:
    """``get_error_model`` makes a new ``ErrorLookupFactory`` per error, so its per-service
    cache never hits: every 4xx rebuilt the table of all the service's error shapes."""
    from moto.core import errors

    shared = require(errors, "ErrorLookupFactory")()
    replace(errors, "ErrorLookupFactory", lambda: shared)


def _fast_account_backends() -> None:
    """An account's backend, once created, is returned without moto's global lock."""
    from moto.core.base_backend import BackendDict

    create = require(BackendDict, "_create_account_specific_backend")

    def __getitem__(self: Any, account_id: str) -> Any:
        try:
            return dict.__getitem__(self, account_id)
        except KeyError:
            create(self, account_id)
            return dict.__getitem__(self, account_id)

    replace(BackendDict, "__getitem__", __getitem__)
