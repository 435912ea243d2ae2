"""Saves the server's state after every change and loads it at start.

What is saved: every moto backend in use (``BackendDict``, by the module and name that hold
it; moto's and the kit's own) and what services keep on the server context
(``ctx.service_state``); beside the snapshot, at once, the child processes that must not
outlive a crash (``processes.json``).

When: a request that changed state is answered once a snapshot *taken after it finished* is
committed (:meth:`StateKeeper.saved_after`); concurrent requests share one snapshot (group
commit). Changes made on worker threads (a Glue run or an execution ending) are announced with
``ctx.state_hooks.changed()`` and saved within :data:`SETTLE_S`. While a snapshot is pickled,
Python's thread switch interval is raised so that other threads wait at their next bytecode:
the snapshot is one moment's state (I/O and C code, which release the GIL, still run).

At start, before the first request (:meth:`StateKeeper.restore`): the manifest is checked, the
snapshot loaded into the live ``BackendDict`` objects (cleared and refilled: other modules hold
them), child processes a crash left behind are ended, and each service's fix-up ends what was
running ("the local cloud restarted").
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from moto.core.base_backend import BackendDict

from infra_scripts.localcloud.motolayer.patching import MOTO_VERSION, PATCHES
from infra_scripts.localcloud.persistence.pickling import StatePickler, StateUnpickler
from infra_scripts.localcloud.persistence.store import (
    RESET_HINT,
    Identity,
    StateError,
    StateStore,
    patch_set_digest,
    write_atomically,
)
from infra_scripts.localcloud.runtime import WORKER_APP_ID, ServerContext

log = logging.getLogger("localcloud.state")

PROCESSES = "processes.json"  # child processes (pid → what, start time) to end after a crash
SETTLE_S = 0.05  # a change on a worker thread is saved this soon (more changes join it) …
BACKGROUND_SHARE = 0.2  # … but background snapshots take at most this share of the time
SAVE_DEADLINE_S = 30.0  # a request waits this long for its snapshot at most
PICKLE_SWITCH_INTERVAL_S = 1.0  # other threads' turn comes after this while pickling
PICKLE_ATTEMPTS = 5
SLOW_SNAPSHOT_MS = 1000.0  # a snapshot slower than this is logged as a warning
_MODULE_PREFIXES = ("moto.", "infra_scripts.localcloud.")


def _process_start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc), to tell it from a reused
    pid; None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


class StateKeeper:
    """The persistent server's state: snapshots after changes, restore at start."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.store = StateStore(
            ctx.saved_state_dir,
            Identity(
                moto=MOTO_VERSION,
                python=f"{sys.version_info.major}.{sys.version_info.minor}",
                patches=patch_set_digest(PATCHES.applied()),
            ),
        )
        self._names: dict[int, str] = {}  # id(BackendDict) → "module:attribute"
        self._digests: dict[int, tuple[bytes, str]] = {}  # big bytes already in blob files
        self._cond = threading.Condition()
        self._started = 0  # generation of the snapshot being taken (or last taken)
        self._done = 0  # generation of the last snapshot committed
        self._wanted = 0  # the generation some request waits for
        self._dirty_at: float | None = None  # a worker-thread change not saved yet
        self._last_end = 0.0  # when the last snapshot ended (monotonic)
        self._last_snapshot_s = 0.0  # how long it took
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.last_manifest: dict[str, Any] | None = None
        self.failures = 0
        self._gone_logged = False
        self.snapshots = 0
        self.snapshot_ms_total = 0.0
        self.snapshot_ms_max = 0.0

    # -- what is saved -------------------------------------------------------------------

    def _backend_name(self, backends: BackendDict) -> str | None:
        name = self._names.get(id(backends))
        if name is None:
            for module_name, module in list(sys.modules.items()):
                if module is None or not module_name.startswith(_MODULE_PREFIXES):
                    continue
                for attribute, value in list(vars(module).items()):
                    if value is backends:
                        name = f"{module_name}:{attribute}"
                        break
                if name:
                    break
            if name is None:
                return None
            self._names[id(backends)] = name
        return name

    def roots(self) -> dict[str, Any]:
        """What a snapshot holds."""
        backends: dict[str, dict[str, Any]] = {}
        for instance in list(BackendDict._instances):
            name = self._backend_name(instance)
            if name is None:
                log.warning("not saved: a %s backend no module holds", instance.service_name)
                continue
            backends[name] = dict(instance)
        return {"backends": backends, "service_state": dict(self.ctx.service_state)}

    # -- taking snapshots ----------------------------------------------------------------

    def snapshot(self, generation: int) -> dict[str, Any]:
        """Pickle the state now and commit it (with the S3 bodies it references)."""
        started = time.perf_counter()
        for attempt in range(1, PICKLE_ATTEMPTS + 1):
            buffer = io.BytesIO()
            pickler = StatePickler(buffer, self.ctx, self._digests)
            interval = sys.getswitchinterval()
            sys.setswitchinterval(PICKLE_SWITCH_INTERVAL_S)
            try:
                pickler.dump(self.roots())
                break
            except RuntimeError as exc:  # a thread changed a dict while an S3 body was read
                if attempt == PICKLE_ATTEMPTS:
                    raise
                log.debug("snapshot %d: attempt %d: %s", generation, attempt, exc)
            finally:
                sys.setswitchinterval(interval)
        pickled = time.perf_counter()
        self.store.put_blobs(pickler.bodies)
        pickler.keep_digests()
        blobbed = time.perf_counter()
        manifest = self.store.commit(buffer.getvalue(), pickler.blobs, generation)
        took_ms = (time.perf_counter() - started) * 1000
        self.snapshots += 1
        self.snapshot_ms_total += took_ms
        self.snapshot_ms_max = max(self.snapshot_ms_max, took_ms)
        if pickler.dropped:
            log.debug("snapshot %d dropped %s", generation, dict(pickler.dropped))
        log.log(
            logging.WARNING if took_ms > SLOW_SNAPSHOT_MS else logging.DEBUG,
            "snapshot %d: %d bytes, pickled in %.0f ms; %d new S3 bodies written in %.0f ms; "
            "committed in %.0f ms",
            generation,
            manifest["size"],
            (pickled - started) * 1000,
            len(pickler.bodies),
            (blobbed - pickled) * 1000,
            (time.perf_counter() - blobbed) * 1000,
        )
        return manifest

    def stats(self) -> dict[str, Any]:
        """What the health probe reports of the saved state."""
        manifest = self.last_manifest or {}
        return {
            "dir": str(self.store.root),
            "generation": manifest.get("generation"),
            "snapshot_bytes": manifest.get("size"),
            "s3_bodies": manifest.get("blobs"),
            "snapshots": self.snapshots,
            "snapshot_ms_mean": round(self.snapshot_ms_total / self.snapshots, 2)
            if self.snapshots
            else None,
            "snapshot_ms_max": round(self.snapshot_ms_max, 2),
            "failures": self.failures,
        }

    def start(self) -> None:
        """Start the thread that takes the snapshots."""
        self._thread = threading.Thread(target=self._loop, name="state-keeper", daemon=True)
        self._thread.start()
        self.ctx.state_hooks.on_change(self.changed)
        self.ctx.state_hooks.processes_changed = self._write_processes

    @property
    def processes_path(self) -> Path:
        return self.store.root / PROCESSES

    def _write_processes(self, processes: dict[int, str]) -> None:
        """Write down the child processes to end after a crash (at once: a crash may follow)."""
        kept = {
            str(pid): [what, started]
            for pid, what in processes.items()
            if (started := _process_start_time(pid)) is not None
        }
        if not self.ctx.state_dir.is_dir():
            return  # deleted under the running server (see _save)
        self.store.root.mkdir(exist_ok=True)
        write_atomically(self.processes_path, json.dumps(kept).encode())

    def changed(self) -> None:
        """State changed outside a request: save it soon."""
        with self._cond:
            if self._dirty_at is None:
                self._dirty_at = time.monotonic()
                self._cond.notify_all()

    def saved_after(self) -> bool:
        """Block until a snapshot taken after this call is committed; False if that did not
        happen within :data:`SAVE_DEADLINE_S` (or the snapshot failed: logged)."""
        deadline = time.monotonic() + SAVE_DEADLINE_S
        with self._cond:
            needed = self._started + 1
            self._wanted = max(self._wanted, needed)
            self._cond.notify_all()
            while self._done < needed:
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping:
                    log.warning("a change was answered before it was saved (deadline passed)")
                    return False
                self._cond.wait(left)
        return True

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping:
                    if self._wanted > self._done:
                        break
                    if self._dirty_at is not None:
                        pause = max(SETTLE_S, self._last_snapshot_s / BACKGROUND_SHARE)
                        left = max(self._dirty_at + SETTLE_S, self._last_end + pause)
                        left -= time.monotonic()
                        if left <= 0:
                            break
                        self._cond.wait(left)
                    else:
                        self._cond.wait()
                if self._stopping:
                    return
                self._started += 1
                generation = self._started
                self._dirty_at = None
            began = time.monotonic()
            self._save(generation)
            self._last_end = time.monotonic()
            self._last_snapshot_s = self._last_end - began
            with self._cond:
                self._done = generation
                self._cond.notify_all()

    def _save(self, generation: int) -> None:
        if not self.ctx.state_dir.is_dir():  # deleted under the running server: not re-made
            if not self._gone_logged:
                log.warning(
                    "the state dir %s was deleted: the state is no longer saved", self.ctx.state_dir
                )
                self._gone_logged = True
            return
        try:
            self.last_manifest = self.snapshot(generation)
        except Exception:
            self.failures += 1
            log.exception("the local cloud could not save its state (snapshot %d)", generation)

    def stop(self) -> None:
        """Take a last snapshot (on SIGTERM) and stop the thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            self._started += 1
            generation = self._started
        if self._thread is not None:
            self._thread.join(timeout=SAVE_DEADLINE_S)
        self._save(generation)

    # -- loading at start ----------------------------------------------------------------

    def restore(self) -> bool:
        """Load the saved state (before the first request); False when there is none."""
        if not self.store.exists():
            if self.store.root.exists() and any(
                p.name != PROCESSES for p in self.store.root.iterdir()
            ):
                raise StateError(
                    f"the saved state in {self.store.root} has no {self.store.manifest_path.name} "
                    f"(not a state folder, or one whose first save was cut short); {RESET_HINT}"
                )
            return False
        started = time.perf_counter()
        snapshot, manifest = self.store.load()
        try:
            roots = StateUnpickler(io.BytesIO(snapshot), self.ctx, self.store.read_blob).load()
        except StateError:
            raise
        except Exception as exc:
            raise StateError(
                f"the saved state in {self.store.root} cannot be loaded: {manifest['snapshot']}: "
                f"{type(exc).__name__}: {exc}; {RESET_HINT}"
            ) from exc
        for name, accounts in roots["backends"].items():
            module_name, attribute = name.split(":", 1)
            backends = getattr(importlib.import_module(module_name), attribute)
            backends.clear()
            backends.update(accounts)
            if accounts and backends not in BackendDict._instances:
                BackendDict._instances.append(backends)
        for service, restored in roots["service_state"].items():
            _adopt(self.ctx.service_state, service, restored)
        self._end_orphans()
        for service, fixup in self.ctx.state_hooks.fixups:
            for line in fixup():
                log.warning("restart: %s: %s", service, line)
        self._started = self._done = int(manifest.get("generation", 0))
        self.last_manifest = manifest
        log.info(
            "state restored from %s (snapshot %s, %d bytes, %d S3 bodies) in %.2f s",
            self.store.root,
            manifest.get("generation"),
            manifest.get("size", 0),
            manifest.get("blobs", 0),
            time.perf_counter() - started,
        )
        return True

    def _end_orphans(self) -> None:
        """Kill the child processes (Glue scripts) a crash of the server left running."""
        try:
            processes = json.loads(self.processes_path.read_text())
        except (OSError, ValueError):
            return
        for number, (what, started) in processes.items():
            pid = int(number)
            if _process_start_time(pid) != started:
                continue  # ended, or the pid is another process's now
            try:
                os.kill(pid, signal.SIGKILL)
                log.warning("restart: ended %s (pid %d), left by the last server", what, pid)
            except ProcessLookupError:
                pass


# -- which requests change state -----------------------------------------------------------

READ_ONLY_PREFIXES = (
    "Get",
    "List",
    "Describe",
    "Head",
    "BatchGet",
    "Search",
    "Lookup",
    "Filter",
    "Validate",
    "Test",
    "Health",
)


def changes_state(label: str | None, status: str) -> bool:
    """Whether a request (its request-log label, e.g. ``s3.PutObject``, and HTTP status) may
    have changed state: not a failure, and not a read by its operation's name."""
    if status[:1] not in ("2", "3"):
        return False
    operation = (label or "").split(" ", 1)[0].rsplit(".", 1)[-1]
    return not operation.startswith(READ_ONLY_PREFIXES)


class SaveAfterChange:
    """WSGI middleware: an operator's request that changed state is answered after its
    snapshot. Changes by the cloud's own work — calls a service makes inside the server
    (``wait=False``), and the SDK calls of Lambda handlers and Glue scripts (their User-Agent
    names :data:`~..runtime.WORKER_APP_ID`) — are saved soon after, without waiting: like the
    work itself, a crash may cut them, and the restart fix-ups end that work as lost."""

    def __init__(self, app: Any, keeper: StateKeeper, label_key: str, wait: bool = True) -> None:
        self.app = app
        self.keeper = keeper
        self.label_key = label_key
        self.wait = wait

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        answered: list[str] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answered[:] = [status]
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        if answered and changes_state(environ.get(self.label_key), answered[0]):
            if self.wait and WORKER_APP_ID not in environ.get("HTTP_USER_AGENT", ""):
                self.keeper.saved_after()
            else:
                self.keeper.changed()
        return result


def _adopt(service_state: dict[str, Any], service: str, restored: Any) -> None:
    """Put a service's restored records on the context. Records the service already made at
    install (and handed to the closures it patched in) take the restored contents in place,
    so those closures see the saved state too."""
    current = service_state.get(service)
    if type(current) is not type(restored):
        service_state[service] = restored
    elif isinstance(current, dict):
        current.clear()
        current.update(restored)
    elif hasattr(current, "__dict__"):
        vars(current).clear()
        vars(current).update(vars(restored))
    else:
        service_state[service] = restored
