"""The emulated services, one folder each, all of the same shape.

``services/<service>/patches.py`` holds what installs the service into moto: its
``install(ctx)`` entry point and the patches it applies (through
:mod:`infra_scripts.localcloud.motolayer.patching`, which records and can undo them). The
service's own logic and errors sit beside it. A service never imports another service
(``tests/unit/test_localcloud_layout.py`` checks it): what two services share lives in the
shared machinery beside ``services/`` — ``server/``, ``sqlengine/``, ``workers/``,
``motolayer/`` — and server state lives on :class:`~infra_scripts.localcloud.runtime.ServerContext`.
"""
