"""``getResolvedOptions``: a Glue job script's named arguments, as Glue's own awsglue reads them.

Glue starts a script as ``script.py --JOB_NAME <job> --JOB_RUN_ID <id> --key value ...``
(the job's arguments, Glue's special parameters among them). ``getResolvedOptions(argv,
["JOB_NAME", "bucket"])`` parses ``argv[1:]`` with argparse and returns a dict holding
every option asked for (each one required: a missing one raises :class:`GlueArgumentError`
with argparse's text, ``the following arguments are required: --bucket``), plus what Glue's
version always reports: ``JOB_ID``, ``JOB_RUN_ID``, ``SECURITY_CONFIGURATION``,
``encryption_type``, ``TempDir``/``RedshiftTempDir`` (either one fills the other),
``job_bookmark_option`` (``job-bookmark-disable`` unless given; the old
``--continuation-option`` values are translated), ``job_bookmark_from``/``job_bookmark_to``.
Arguments not asked for are ignored. Asking for a name Glue reserves (``JOB_ID``,
``JOB_RUN_ID``, ``SECURITY_CONFIGURATION``, ``job-bookmark-option``, ...) raises
RuntimeError ("Using reserved arguments ..."), as on Glue. ``JOB_NAME`` is not reserved:
Glue always passes it, so it can always be asked for in a job run.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, NoReturn

__all__ = ["GlueArgumentError", "GlueArgumentParser", "getResolvedOptions"]

_BOOKMARK = "--job-bookmark-option"
_BOOKMARK_VALUES = ("job-bookmark-enable", "job-bookmark-pause", "job-bookmark-disable")
_CONTINUATION = "--continuation-option"
_CONTINUATION_VALUES = ("continuation-enabled", "continuation-readonly", "continuation-ignore")
_BOOKMARK_RANGE = ("--job-bookmark-from", "--job-bookmark-to")
_SERVICE_IDS = ("--JOB_ID", "--JOB_RUN_ID", "--SECURITY_CONFIGURATION")  # not --JOB_NAME
_ENCRYPTION = "--encryption-type"
_TEMP_DIRS = ("TempDir", "RedshiftTempDir")

# Every run's values, as Glue's awsglue keeps them for its Job class.
_global_args: dict[str, Any] = {}


class GlueArgumentError(Exception):
    """A job argument is missing or invalid (argparse's message)."""


class GlueArgumentParser(argparse.ArgumentParser):
    """An argparse parser that raises :class:`GlueArgumentError` instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise GlueArgumentError(message)


def _reserved(option: str) -> RuntimeError:
    return RuntimeError(f"Using reserved arguments {option}")


def getResolvedOptions(args: Sequence[str], options: Sequence[str]) -> dict[str, Any]:
    """The named ``options`` read from ``args`` (``sys.argv``: the script name comes first)."""
    wanted = list(options)
    parser = GlueArgumentParser()
    for reserved in (_BOOKMARK, _CONTINUATION, *_BOOKMARK_RANGE, *_SERVICE_IDS, _ENCRYPTION):
        if reserved[2:] in wanted:
            raise _reserved(reserved)
    parser.add_argument(_BOOKMARK, choices=_BOOKMARK_VALUES, required=False)
    parser.add_argument(_CONTINUATION, choices=_CONTINUATION_VALUES, required=False)
    for option in (*_BOOKMARK_RANGE, *_SERVICE_IDS):
        parser.add_argument(option, required=False)
    parser.add_argument(_ENCRYPTION, choices=("sse-s3",))
    for temp_dir in _TEMP_DIRS:  # optional even when asked for, as on Glue
        parser.add_argument(f"--{temp_dir}", required=False)
    for option in wanted:
        if option not in _TEMP_DIRS:
            parser.add_argument(f"--{option}", required=True)
    parsed, _unknown = parser.parse_known_args(list(args[1:]))
    values = vars(parsed)

    if values.get("TempDir") is not None:
        values["RedshiftTempDir"] = values["TempDir"]
    elif values.get("RedshiftTempDir") is not None:
        values["TempDir"] = values["RedshiftTempDir"]

    continuation = values.pop("continuation_option", None)
    if values.get("job_bookmark_option") is None:
        if continuation is None:
            values["job_bookmark_option"] = "job-bookmark-disable"
        else:
            position = _CONTINUATION_VALUES.index(continuation)
            values["job_bookmark_option"] = _BOOKMARK_VALUES[position]
    missing = [o for o in _BOOKMARK_RANGE if values.get(o[2:].replace("-", "_")) is None]
    if values["job_bookmark_option"] == "job-bookmark-pause":
        if len(missing) == 1:
            raise RuntimeError(f"Missing option or value for {missing[0]}")
    elif not missing:
        raise RuntimeError("Invalid option(s)" + " ".join(_BOOKMARK_RANGE))

    _global_args.update(values)
    return values
