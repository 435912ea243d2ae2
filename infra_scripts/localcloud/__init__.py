"""The local cloud: moto's control plane plus real executors, on 127.0.0.1.

Operator-side API (the server itself lives in :mod:`.server`)::

    from infra_scripts.localcloud import LocalCloud, start, stop, status
"""

from infra_scripts.localcloud.process import LocalCloud, Status, read_log, start, status, stop

__all__ = ["LocalCloud", "Status", "read_log", "start", "status", "stop"]
