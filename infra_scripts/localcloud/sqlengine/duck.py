"""Sandboxed DuckDB connections for SQL that users send to Athena or Redshift.

A connection never fetches an extension (a blocked network would stall a query for
minutes), reads and writes files only inside the directories it is given, and cannot
switch those protections off again from SQL.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

import duckdb

from infra_scripts.localcloud.sqlengine.quoting import quote_literal

T = TypeVar("T")
SettingValue = str | int | float | bool
_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NO_DOWNLOADS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
#: What Athena (Trino) and Redshift SQL both expect of a session: integer ``/`` truncates
#: (DuckDB's ``/`` would give a DOUBLE), and times are in UTC.
WAREHOUSE_SETTINGS: Mapping[str, SettingValue] = MappingProxyType(
    {"integer_division": True, "TimeZone": "UTC"}
)


class StatementTimeout(Exception):
    """A statement ran past its time limit and was interrupted."""


def _setting_literal(value: SettingValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return quote_literal(str(value))


def sandboxed_connection(
    allowed_dirs: Sequence[Path],
    *,
    database: str = ":memory:",
    threads: int = 2,
    settings: Mapping[str, SettingValue] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection limited to ``allowed_dirs``; its configuration is then locked.

    ``settings`` (e.g. ``{"integer_division": True, "TimeZone": "UTC"}``) are set globally
    first, so every cursor of the connection has them too.
    """
    con = duckdb.connect(database, config={**NO_DOWNLOADS, "threads": threads})
    for name, value in (settings or {}).items():
        if not _SETTING_NAME.fullmatch(name):
            raise ValueError(f"not a DuckDB setting name: {name!r}")
        con.execute(f"SET GLOBAL {name} = {_setting_literal(value)}")
    dirs = ", ".join(quote_literal(str(Path(d).resolve()) + "/") for d in allowed_dirs)
    con.execute(f"SET allowed_directories = [{dirs}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def offline_connection(*, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory connection that never fetches an extension, for the engines' own work.

    It is not sandboxed: use it only for SQL the local cloud writes itself (reading its own
    result files, parsing a statement), never for SQL a user sent.
    """
    config: dict[str, SettingValue] = dict(NO_DOWNLOADS)
    if threads is not None:
        config["threads"] = threads
    return duckdb.connect(":memory:", config=config)


def run_with_timeout(con: duckdb.DuckDBPyConnection, work: Callable[[], T], timeout_s: float) -> T:
    """Run ``work`` (which uses ``con``); interrupt it after ``timeout_s`` seconds."""
    fired = threading.Event()

    def interrupt() -> None:
        fired.set()
        con.interrupt()

    timer = threading.Timer(timeout_s, interrupt)
    timer.daemon = True
    timer.start()
    try:
        return work()
    except duckdb.InterruptException as exc:
        if fired.is_set():
            raise StatementTimeout(f"statement timed out after {timeout_s:g} seconds") from exc
        raise
    finally:
        timer.cancel()
