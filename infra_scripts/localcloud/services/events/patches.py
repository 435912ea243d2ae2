"""EventBridge: rules deliver to Step Functions state machines and Lambda functions.

moto 5.2.5 raises for these target types (and the S3 → EventBridge path swallows the
error), so an upload never starts the pipeline. Here matching rules start the state
machine or invoke the function asynchronously, with the target's Input, InputPath or
InputTransformer applied; other target types still go through moto. S3 events also get
AWS's shape back: a fresh event id and an ISO-8601 ``time``.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import logging
import re
import uuid
from typing import Any

from infra_scripts.localcloud.motolayer.patching import replace, require
from infra_scripts.localcloud.runtime import ServerContext

log = logging.getLogger("localcloud.events")

_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_OUR_SERVICES = ("states", "lambda")
EVENTS_PRINCIPAL = "events.amazonaws.com"
EVENTS_SESSION_NAME = "EventBridge"  # the session of a target's role that starts it


def _iso_time(value: Any) -> Any:
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def aws_shaped(event: dict[str, Any]) -> dict[str, Any]:
    """The event as EventBridge delivers it: unique id, ISO time, no internal fields."""
    shaped = {k: v for k, v in event.items() if k != "ingestion-time"}
    shaped["time"] = _iso_time(shaped.get("time"))
    if shaped.get("id") in (None, "", "17793124-05d4-b198-2fde-7ededc63b103"):
        shaped["id"] = str(uuid.uuid4())
    return shaped


@functools.lru_cache(maxsize=1024)
def _compiled_path(expression: str) -> Any:
    """A parsed JSONPath (jsonpath_ng rebuilds its parser tables on every parse: ~10 ms)."""
    from jsonpath_ng.ext import parse

    return parse(expression)


def _json_path(expression: str, event: dict[str, Any]) -> Any:
    matches = _compiled_path(expression).find(event)
    return matches[0].value if matches else None


def target_input(target: dict[str, Any], event: dict[str, Any], rule_name: str) -> str:
    """The text a target receives: Input, InputPath, InputTransformer, or the whole event."""
    if target.get("Input") is not None:
        return target["Input"]
    if target.get("InputPath"):
        return json.dumps(_json_path(target["InputPath"], event))
    transformer = target.get("InputTransformer")
    if not transformer:
        return json.dumps(event)
    values: dict[str, Any] = {
        name: _json_path(path, event)
        for name, path in (transformer.get("InputPathsMap") or {}).items()
    }
    values["aws.events.event.json"] = event
    values["aws.events.rule-name"] = rule_name
    values["aws.events.event.ingestion-time"] = event.get("time")

    template = transformer["InputTemplate"]
    inside = _inside_string(template)

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        # Inside a JSON string a string goes in bare; anywhere else the value goes in as JSON.
        if inside[match.start()]:
            return json.dumps(value)[1:-1] if isinstance(value, str) else json.dumps(value)
        return json.dumps(value)

    return _PLACEHOLDER.sub(substitute, template)


def _inside_string(template: str) -> list[bool]:
    """For each position of ``template``: is it inside a JSON string literal?"""
    flags, inside, escaped = [], False, False
    for char in template:
        flags.append(inside)
        if escaped:
            escaped = False
        elif char == "\\" and inside:
            escaped = True
        elif char == '"':
            inside = not inside
    return flags


def _denied(
    ctx: ServerContext, target: dict[str, Any], rule_arn: str, account_id: str
) -> str | None:
    """Why AWS would not deliver to ``target`` (None: it would): a Step Functions target is
    started as the target's role, a Lambda function invoked if its policy allows the rule."""
    if ctx.access is None or not ctx.access.enforce:
        return None
    arn = target["Arn"]
    if arn.split(":")[2] == "states":
        role_arn = target.get("RoleArn")
        if not role_arn:
            return "the target has no RoleArn (EventBridge needs one to start an execution)"
        denial = ctx.access.authorize_role(
            role_arn, "states:StartExecution", arn, EVENTS_SESSION_NAME
        )
    else:
        function_arn = ":".join(arn.split(":")[:7])
        denial = ctx.access.authorize_service(
            EVENTS_PRINCIPAL, account_id, "lambda:InvokeFunction", function_arn, rule_arn
        )
    return denial.message if denial is not None else None


def _deliver(target: dict[str, Any], payload: str, account_id: str) -> None:
    arn = target["Arn"]
    parts = arn.split(":")
    service, region = parts[2], parts[3]
    if service == "states":
        from moto.stepfunctions.responses import get_backend

        try:
            json.loads(payload)
        except ValueError:
            payload = json.dumps(payload)  # a plain-text template becomes a JSON string
        execution = get_backend(account_id, region).start_execution(
            arn, name=str(uuid.uuid4()), execution_input=payload
        )
        log.info("event delivered: started %s", execution.execution_arn)
    else:
        from moto.awslambda.utils import get_backend as lambda_backend

        fn = lambda_backend(account_id, region).get_function(arn, None)
        fn.invoke(payload, {"x-amz-invocation-type": "Event"}, {})
        log.info("event delivered: invoked %s asynchronously", arn)


def install(ctx: ServerContext) -> None:
    """Route rule targets of Step Functions and Lambda to the local executors, as AWS
    would deliver them (a target its role or the function's policy does not allow gets
    nothing, and the log says why: on AWS, a failed invocation)."""
    from moto.events.models import Rule

    original = require(Rule, "send_to_targets")

    def send_to_targets(
        self: Any, original_event: dict[str, Any], transform_input: bool = True
    ) -> None:
        if not self.event_pattern.matches_event(original_event):
            return
        ours = [t for t in self.targets if t["Arn"].split(":")[2] in _OUR_SERVICES]
        others = [t for t in self.targets if t not in ours]
        if others:
            rest = copy.copy(self)
            rest.targets = others
            original(rest, original_event, transform_input)
        event = aws_shaped(original_event)
        for target in ours:
            denied = _denied(ctx, target, self.arn, self.account_id)
            if denied:
                log.warning("event not delivered to %s: %s", target["Arn"], denied)
                continue
            try:
                _deliver(target, target_input(target, event, self.name), self.account_id)
            except Exception:  # delivery is asynchronous in AWS: log, never fail the caller
                log.exception("event delivery to %s failed", target["Arn"])

    replace(Rule, "send_to_targets", send_to_targets)
