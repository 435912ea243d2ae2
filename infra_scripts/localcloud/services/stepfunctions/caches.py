"""Step Functions: moto's interpreter does the same expensive work for every execution.

Measured on moto 5.2.5 (the pipeline's ASL, warm): parsing the definition with its
pure-Python ANTLR parser ~0.15-0.2 s, a new boto3 client per task state ~70 ms (three or four
per execution), each JSONPath expression re-parsed ~1 ms (dozens per execution). A burst of
executions spent most of the server's CPU there. These caches keep what does not change:

- the ANTLR parse tree per definition text, and for definitions without Map or Parallel
  states the evaluation **program** built from it (~25 ms per execution): outside Map and
  Parallel, moto's components only set attributes while they are built and keep every
  execution's state in its own environment — the one lazy attribute, each component's heap
  key, is set before the program is shared; Map and Parallel programs are rebuilt per
  execution from the cached tree;
- the SDK client per (region, service, role session) the interpreter calls back to the local
  cloud with (same settings as moto's, plus a connection pool sized for concurrent
  executions), signed with the state machine's role's credentials, its requests served
  in-process (:mod:`loopback`);
- parsed JSONPath expressions per text.
"""

from __future__ import annotations

import functools
import json
import sys
import threading
from collections.abc import Iterator
from typing import Any

from infra_scripts.localcloud.motolayer.patching import replace, require
from infra_scripts.localcloud.runtime import ServerContext
from infra_scripts.localcloud.server import loopback

CLIENT_POOL = 64
SESSION_NAME = "StepFunctions"  # the session of the state machine's role its tasks act as
MAX_DEFINITIONS = 256
_PARSER_MODULE = "moto.stepfunctions.parser"
_PER_EXECUTION_STATE_TYPES = {"Map", "Parallel"}  # their components hold run state


def install_caches(ctx: ServerContext) -> None:
    _cache_definition_trees()
    _cache_sdk_clients(ctx)
    _cache_json_paths()


def _cache_definition_trees() -> None:
    from moto.stepfunctions.parser.asl.parse import asl_parser

    parser = require(asl_parser, "AmazonStateLanguageParser")
    preprocessor = require(asl_parser, "Preprocessor")
    original = require(parser, "parse")
    parsed: dict[str, tuple[Any | None, Any]] = {}  # definition → (shared program or None, tree)
    lock = threading.Lock()

    def parse(definition: str) -> tuple[Any, Any]:
        cached = parsed.get(definition)
        if cached is not None:
            program, tree = cached
            return (program if program is not None else preprocessor().visit(tree)), tree
        program, tree = original(definition)  # raises on a syntax error: nothing cached
        shared = None
        if shareable(definition):
            _set_heap_keys(program)
            shared = program
        with lock:
            if len(parsed) >= MAX_DEFINITIONS:
                parsed.pop(next(iter(parsed)))
            parsed[definition] = (shared, tree)
        return program, tree

    replace(parser, "parse", staticmethod(parse))


def shareable(definition: str) -> bool:
    """True when no state (at any depth) is a Map or Parallel state."""
    try:
        document = json.loads(definition)
    except ValueError:
        return False
    return not any(
        isinstance(node, dict) and node.get("Type") in _PER_EXECUTION_STATE_TYPES
        for node in _walk(document)
    )


def _walk(node: Any) -> Iterator[Any]:
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from _walk(child)


def _set_heap_keys(program: Any) -> None:
    """Give every evaluation component its heap key now, before threads share them (the
    key is created lazily; two executions racing to create it would not agree)."""
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent

    seen: set[int] = set()
    pending = [program]
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, EvalComponent):
            _ = item.heap_key
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple | set):
            pending.extend(item)
        elif hasattr(item, "__dict__") and type(item).__module__.startswith(_PARSER_MODULE):
            pending.extend(vars(item).values())


def _cache_sdk_clients(ctx: ServerContext) -> None:
    import boto3
    from botocore.config import Config
    from moto.stepfunctions.parser.asl.utils import boto_client

    original = require(boto_client, "boto_client_for")
    stubber = require(boto_client, "botocore_stubber")
    port = require(boto_client, "moto_server_port")
    timeouts = require(boto_client, "TimeoutSeconds")
    lock = threading.Lock()

    @functools.cache
    def client(region: str, service: str, intercepting: bool, keys: tuple[str, ...]) -> Any:
        kwargs = {} if intercepting else {"endpoint_url": f"http://localhost:{port()}"}
        access_key, secret_key, token = keys
        with lock:  # creating clients on boto3's default session is not thread-safe
            created = boto3.client(
                aws_access_key_id=access_key,
                aws_secret_access_key=secret_key,
                aws_session_token=token or None,
                region_name=region,
                service_name=service,
                config=Config(
                    parameter_validation=False,
                    retries={"max_attempts": 0, "total_max_attempts": 1},
                    connect_timeout=timeouts.DEFAULT_TIMEOUT_SECONDS,
                    read_timeout=timeouts.DEFAULT_TIMEOUT_SECONDS,
                    max_pool_connections=CLIENT_POOL,
                ),
                **kwargs,
            )
        if not intercepting:
            loopback.attach(created)  # served in-process once the server runs
        return created

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        """A client acting as the state's role (the execution's, or the task's Credentials)."""
        role_arn = getattr(state_credentials, "role_arn", None)
        keys: tuple[str, ...] = ("ak", "sk", "")  # no role: moto's dummy keys, the operator's
        if role_arn and ctx.access is not None:
            session = ctx.access.credentials(role_arn, SESSION_NAME, region)
            keys = (session.access_key_id, session.secret_access_key, session.session_token)
        return client(region, service, bool(stubber.enabled), keys)

    replace(boto_client, "boto_client_for", boto_client_for)
    for name, module in list(sys.modules.items()):  # modules that imported it by name
        if name.startswith(_PARSER_MODULE) and getattr(module, "boto_client_for", None) is original:
            module.boto_client_for = boto_client_for  # type: ignore[attr-defined]


def _cache_json_paths() -> None:
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    for module in (json_path, result_path):
        parse = require(module, "parse")
        replace(module, "parse", functools.lru_cache(maxsize=4096)(parse))
