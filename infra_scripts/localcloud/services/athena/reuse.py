"""Query result reuse, as Athena describes it (``ResultReuseConfiguration`` of
StartQueryExecution; https://docs.aws.amazon.com/athena/latest/ug/reusing-query-results.html).

A query that opts in is not run when an earlier execution matches it: same work group, the
exact same query string (and execution parameters), the same database and catalog, the same
result configuration, SUCCEEDED no longer ago than ``MaxAgeInMinutes`` (default 60, at most
10080), and its result file still in S3. Only SELECT and EXECUTE statements are reused.
Athena does not look at whether the tables changed since: that is the user's choice of age.

The reusing execution is SUCCEEDED at once, scans 0 bytes, reports
``ResultReuseInformation.ReusedPreviousResult: true`` and points to the earlier result file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_AGE_MINUTES = 60
MAX_AGE_LIMIT_MINUTES = 10080
REUSABLE_SUBSTATEMENTS = frozenset({"SELECT", "EXECUTE"})


class ReuseConfigurationError(ValueError):
    """A ResultReuseConfiguration Athena would refuse (its validation message)."""


@dataclass(frozen=True)
class ReusePolicy:
    """A query's opt-in: whether it may reuse, and how old a result may be."""

    enabled: bool
    max_age_minutes: int

    def describe(self) -> dict[str, Any]:
        """The ``ResultReuseConfiguration`` GetQueryExecution reports."""
        by_age: dict[str, Any] = {"Enabled": self.enabled}
        if self.enabled:
            by_age["MaxAgeInMinutes"] = self.max_age_minutes
        return {"ResultReuseByAgeConfiguration": by_age}


NO_REUSE = ReusePolicy(enabled=False, max_age_minutes=DEFAULT_MAX_AGE_MINUTES)


def reuse_policy(configuration: dict[str, Any] | None) -> ReusePolicy:
    """The policy of a StartQueryExecution's ``ResultReuseConfiguration`` (absent: no reuse)."""
    by_age = (configuration or {}).get("ResultReuseByAgeConfiguration")
    if not by_age:
        return NO_REUSE
    max_age = by_age.get("MaxAgeInMinutes")
    max_age = DEFAULT_MAX_AGE_MINUTES if max_age is None else int(max_age)
    if not 0 <= max_age <= MAX_AGE_LIMIT_MINUTES:
        bound = (
            f"less than or equal to {MAX_AGE_LIMIT_MINUTES}"
            if max_age > 0
            else "greater than or equal to 0"
        )
        raise ReuseConfigurationError(
            f"1 validation error detected: Value '{max_age}' at 'resultReuseConfiguration."
            "resultReuseByAgeConfiguration.maxAgeInMinutes' failed to satisfy constraint: "
            f"Member must have value {bound}"
        )
    return ReusePolicy(enabled=bool(by_age.get("Enabled")), max_age_minutes=max_age)


def reuse_key(execution: Any) -> tuple[Any, ...]:
    """What two executions must share for one to reuse the other's result."""
    workgroup = execution.workgroup.name if execution.workgroup is not None else "primary"
    context = execution.context
    return (
        execution.account_id,
        workgroup,
        execution.query,
        tuple(execution.parameters or ()),
        (context.get("Catalog") or "awsdatacatalog").lower(),
        (context.get("Database") or "default").lower(),
        execution.result_prefix,
        repr(sorted(execution.result_configuration.items())),
    )


def find_reusable(
    candidate: Any, executions: Iterable[Any], now: float, result_exists: Any
) -> Any | None:
    """The newest earlier execution whose result ``candidate`` may reuse, or None.

    ``result_exists(execution)`` says whether its result file is still in S3.
    """
    policy: ReusePolicy = candidate.reuse
    if not policy.enabled or candidate.kind.substatement_type not in REUSABLE_SUBSTATEMENTS:
        return None
    key = reuse_key(candidate)
    oldest = now - policy.max_age_minutes * 60
    matches = [
        execution
        for execution in executions
        if execution is not candidate
        and execution.state == "SUCCEEDED"
        and execution.result is not None
        and (execution.completed_at or 0) >= oldest
        and reuse_key(execution) == key
    ]
    for execution in sorted(matches, key=lambda e: e.completed_at, reverse=True):
        if result_exists(execution):
            return execution
    return None
