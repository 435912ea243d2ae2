"""TEST HOOK — fault injection for the reliability tests. Never set it in a real deployment.

The job acts on faults only when it gets the argument ``--fault-injection`` (JSON; the tests
add it to the job's DefaultArguments), and only for the upload it names::

    {"source_key": "incoming/x.csv",   # the one upload the faults apply to
     "crash_after_data_files": 1,     # die (os._exit, no clean-up) once this many data files
                                      # are written (others may be in flight)…
     "crash_times": 1,                # …in this many runs (counted in the processed bucket)
     "s3_transient_errors": 1}        # the first N PutObject requests answer 503 SlowDown

Crashes are counted under ``_test-faults/<stem>/`` in the processed bucket, so the state
machine's Retry (a new job run) gets past them. Transient errors are injected in front of
botocore's HTTP layer: its retry policy sees a real 503 response and retries it.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from pipeline_src import naming

ARGUMENT = "--fault-injection"
CRASH_EXIT_CODE = 70
FAULTS_PREFIX = "_test-faults/"
_SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate. (injected by the test hook)</Message></Error>"
)


class _Body:
    """The raw body botocore reads a response from."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


class Faults:
    """The faults of one job run (none unless ``--fault-injection`` names this upload)."""

    def __init__(self, spec: dict[str, Any] | None = None) -> None:
        self.spec = spec or {}
        self._data_files = 0

    @classmethod
    def from_args(cls, args: dict[str, str], source_key: str) -> Faults:
        text = args.get(ARGUMENT)
        if not text:
            return cls()
        spec = json.loads(text)
        return cls(spec if spec.get("source_key") == source_key else None)

    @property
    def active(self) -> bool:
        return bool(self.spec)

    def install(self, s3: Any) -> None:
        """Make the first ``s3_transient_errors`` PutObject requests of ``s3`` answer 503."""
        remaining = [int(self.spec.get("s3_transient_errors") or 0)]
        if not remaining[0]:
            return
        total = remaining[0]

        def slow_down(request: Any, **_: Any) -> Any:
            if remaining[0] <= 0:
                return None
            remaining[0] -= 1
            _say(f"answering PutObject with 503 SlowDown ({total - remaining[0]}/{total})")
            from botocore.awsrequest import AWSResponse

            headers = {"Content-Type": "application/xml"}
            return AWSResponse(request.url, 503, headers, _Body(_SLOW_DOWN))

        s3.meta.events.register_first("before-send.s3.PutObject", slow_down)

    def after_data_file(self, s3: Any, bucket: str, source_key: str) -> None:
        """Called after each data file upload: crash here if the spec says so."""
        self._data_files += 1
        after = self.spec.get("crash_after_data_files")
        if after is None or self._data_files != int(after):
            return
        prefix = f"{FAULTS_PREFIX}{naming.output_stem(source_key)}/"
        done = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("KeyCount", 0)
        if done >= int(self.spec.get("crash_times", 1)):
            return
        s3.put_object(Bucket=bucket, Key=f"{prefix}crash-{done + 1}", Body=b"")
        _say(f"crashing after {self._data_files} data file(s) (crash {done + 1})")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(CRASH_EXIT_CODE)


def _say(text: str) -> None:
    print(f"fault injection (test hook): {text}", flush=True)
