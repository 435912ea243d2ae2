"""What the executors inside the local-cloud server process share: port, folders, options."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

HEALTH_PATH = "/_localcloud/health"
SERVICE_NAME = "retail-kit-local-cloud"


def default_glue_max_running() -> int:
    """Glue scripts that run at once by default: 4 per core, at least 8.

    More runs wait in STARTING. In a burst of 100 uploads on 2 cores, 6 at once ended the
    burst ~10% sooner than 64 did (24-26 s against 27-29 s): each script is short and
    CPU-bound, and 64 of them contended for the cores and for the server.
    """
    return max(8, 4 * (os.cpu_count() or 1))


@dataclass(frozen=True)
class ServerContext:
    """Settings of one running local-cloud server, handed to every executor's ``install``."""

    port: int
    state_dir: Path
    # Seconds that stand for one minute of a Glue job's Timeout (60 = faithful; tests shrink it).
    glue_minute_seconds: float = 60.0
    # Glue scripts running at once; further runs wait in STARTING (as for capacity on AWS).
    glue_max_running: int = field(default_factory=default_glue_max_running)
    started_at: float = field(default=0.0)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def outbox_dir(self) -> Path:
        return self.state_dir / "outbox"

    @property
    def work_dir(self) -> Path:
        return self.state_dir / "work"

    def child_environment(self, region: str) -> dict[str, str]:
        """Environment for a process the local cloud runs (Lambda handler, Glue script)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
        }
