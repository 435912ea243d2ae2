"""Step Functions' JSONata, evaluated by jsonata-python (pure Python; no JVM).

moto 5.2.5's interpreter evaluates JSONata through a JVM engine it never creates, so every
JSONata expression and every ``$variable`` failed with "'NoneType' object is not callable".
It also pasted the variables' values into the expression text (a string holding a quote
broke the expression) and evaluated each expression up to three times to check its result.

Here an expression is parsed once per text and evaluated once, with ``$states`` and the
variables as bindings (values, never text), and AWS's functions (``$partition``, ``$range``,
``$hash``, ``$random``, ``$uuid``, ``$parse``) bound as Python functions. Its result is
checked as AWS checks it: nothing (undefined) or a function is a ``States.QueryEvaluationError``,
and so is an evaluation error, with JSONata's own error code and message.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import logging
import math
import random
import re
import threading
import uuid
from typing import Any

import jsonata as jsonata_lib
from jsonata import functions as jsonata_functions
from jsonata import jexception
from jsonata import utils as jsonata_utils

from infra_scripts.localcloud.motolayer.patching import replace, require
from infra_scripts.localcloud.services.stepfunctions.semantics import (
    evaluation_failure,
    field_path,
)

log = logging.getLogger("localcloud.stepfunctions")

MAX_CACHED_EXPRESSIONS = 4096
HASH_ALGORITHMS = {
    "MD5": hashlib.md5,
    "SHA-1": hashlib.sha1,
    "SHA-256": hashlib.sha256,
    "SHA-384": hashlib.sha384,
    "SHA-512": hashlib.sha512,
}
_NULL = jsonata_utils.Utils.NULL_VALUE


class JSONataEvaluationError(Exception):
    """A JSONata expression failed: its error code (e.g. ``T2001``) and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code
        self.message = message


class Undefined(Exception):
    """The expression returned nothing (JSONata's ``undefined``)."""


class UnsupportedResult(Exception):
    """The expression returned something JSON cannot hold (a function)."""


class InternalEvaluationError(Exception):
    """The engine itself failed on the expression (AWS: "threw an internal error")."""


# ----------------------------------------------------------------------------- AWS functions
def _partition(array: Any, size: Any) -> list[Any]:
    items = list(array) if isinstance(array, list) else [array]
    chunk = _integer(size, "$partition", "size")
    if chunk <= 0:
        raise JSONataEvaluationError("", "The size argument of $partition must be positive")
    return [items[i : i + chunk] for i in range(0, len(items), chunk)]


def _range(start: Any, end: Any, step: Any) -> list[int]:
    first, last = _integer(start, "$range", "start"), _integer(end, "$range", "end")
    by = _integer(step, "$range", "step")
    if by == 0:
        raise JSONataEvaluationError("", "The step argument of $range must not be zero")
    values = list(range(first, last + (1 if by > 0 else -1), by))
    if len(values) > 1000:
        raise JSONataEvaluationError("", "The $range function may return at most 1000 items")
    return values


def _hash(value: Any, algorithm: Any) -> str:
    hasher = HASH_ALGORITHMS.get(str(algorithm))
    if hasher is None:
        names = ", ".join(HASH_ALGORITHMS)
        raise JSONataEvaluationError("", f"The hash algorithm must be one of: {names}")
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return hasher(text.encode()).hexdigest()


def _random(seed: Any = None) -> float:
    return random.Random(seed).random() if seed is not None else random.random()


def _uuid() -> str:
    return str(uuid.uuid4())


def _parse(text: Any) -> Any:
    if not isinstance(text, str):
        raise JSONataEvaluationError("", "The argument of $parse must be a JSON string")
    try:
        return _to_jsonata(json.loads(text))
    except ValueError as exc:
        raise JSONataEvaluationError("", f"$parse: not valid JSON: {exc}") from None


def _integer(value: Any, function: str, argument: str) -> int:
    """An integer argument; AWS rounds a non-integer number down."""
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise JSONataEvaluationError("", f"The {argument} argument of {function} must be a number")
    return math.floor(value)


def _eval_is_not_supported(*_: Any) -> None:
    raise JSONataEvaluationError("", "The $eval function is not supported in Step Functions")


AWS_FUNCTIONS: dict[str, tuple[Any, str]] = {
    # name → (implementation, JSONata signature)
    "partition": (_partition, "<an:a>"),
    "range": (_range, "<nnn:a>"),
    "hash": (_hash, "<xs:s>"),
    "random": (_random, "<n?:n>"),
    "uuid": (_uuid, "<:s>"),
    "parse": (_parse, "<s:x>"),
    "eval": (_eval_is_not_supported, None),  # AWS: "$eval is not supported"; use $parse
}
# AWS's bounds on one evaluation ("Expression evaluation timeout" after 1 s, "Stack overflow
# error" beyond the recursion limit).
TIMEOUT_MS = 1000
MAX_DEPTH = 300


def _with_json_arguments(implementation: Any) -> Any:
    """``implementation`` called with plain JSON data (JSONata's null becomes None)."""

    @functools.wraps(implementation)
    def call(*args: Any) -> Any:
        return implementation(*(jsonata_utils.Utils.convert_nulls(a) for a in args))

    return call


# ----------------------------------------------------------------------------- evaluation
class Evaluator:
    """Parses each expression text once; evaluates it with values bound, thread-safe."""

    def __init__(self) -> None:
        self._parsed: dict[str, jsonata_lib.Jsonata] = {}
        self._lock = threading.Lock()
        self._functions = {
            name: jsonata_lib.Jsonata.JFunction(
                jsonata_lib.Jsonata.JLambda(_with_json_arguments(implementation)), signature
            )
            for name, (implementation, signature) in AWS_FUNCTIONS.items()
        }

    def _template(self, expression: str) -> jsonata_lib.Jsonata:
        template = self._parsed.get(expression)
        if template is None:
            try:
                template = jsonata_lib.Jsonata(expression)
            except jexception.JException as exc:
                raise evaluation_error(exc) from None
            with self._lock:
                if len(self._parsed) >= MAX_CACHED_EXPRESSIONS:
                    self._parsed.pop(next(iter(self._parsed)))
                self._parsed[expression] = template
        return template

    def evaluate(self, expression: str, bindings: dict[str, Any]) -> Any:
        """The expression's value as JSON data; :class:`Undefined` if it returned nothing,
        :class:`JSONataEvaluationError` if it failed."""
        # A shallow copy shares the parsed tree (read-only while evaluating) but has its own
        # environment and timestamp ($now, $millis), as a new Jsonata would.
        instance = copy.copy(self._template(expression))
        instance.environment = instance.create_frame(jsonata_lib.Jsonata.static_frame)
        instance.environment.set_runtime_bounds(TIMEOUT_MS, MAX_DEPTH)
        instance.set_output_convert_nulls(False)
        jsonata_lib.Jsonata.CURRENT.jsonata = instance
        frame = {**self._functions, **{k: _to_jsonata(v) for k, v in bindings.items()}}
        try:
            result = instance.evaluate(None, frame)
        except jexception.JException as exc:
            raise evaluation_error(exc) from None
        except JSONataEvaluationError:
            raise
        except RecursionError:
            raise JSONataEvaluationError("", "Stack overflow error") from None
        except (ZeroDivisionError, OverflowError):  # jsonata-js: 1/0 is Infinity, refused
            raise JSONataEvaluationError("D1001", "Number out of range") from None
        except Exception as exc:
            raise InternalEvaluationError(f"{type(exc).__name__}: {exc}") from None
        if result is None:
            raise Undefined(expression)
        if _is_function(result):
            raise UnsupportedResult(expression)
        # A copy: bound values (variables, $states) must not be shared with what the
        # interpreter does to the result (it edits task parameters in place).
        return copy.deepcopy(jsonata_utils.Utils.convert_nulls(result))


def _to_jsonata(value: Any) -> Any:
    """A bound value: JSON null is JSONata's null (a bare None would be undefined)."""
    return _NULL if value is None else value


def _is_function(value: Any) -> bool:
    return jsonata_utils.Utils.is_function(value) or jsonata_functions.Functions.is_lambda(value)


# jsonata-python's message table says "Object" wherever jsonata-js (and so AWS) says
# "function", and drops the quotes jsonata-js puts around a token ({{token}} is JSON-encoded).
_BOUND_MESSAGES = {"D1011": "Stack overflow error", "D1012": "Expression evaluation timeout"}
_ARRAY_TYPES = {"a": "arrays", "b": "booleans", "n": "numbers", "o": "objects", "s": "strings"}
_PLACEHOLDER = re.compile(r"\{\{(\{?)(\w+)\}?\}\}")


def evaluation_error(exc: jexception.JException) -> JSONataEvaluationError:
    """JSONata's error as jsonata-js words it (AWS's wording)."""
    code = getattr(exc, "error", "") or ""
    if code in _BOUND_MESSAGES:
        return JSONataEvaluationError("", _BOUND_MESSAGES[code])
    template = jexception.JException.error_codes.get(code)
    if template is None:
        return JSONataEvaluationError(code, str(exc))
    args = iter([exc.current, exc.expected, exc.extra])

    def fill(match: re.Match[str]) -> str:
        value = next(args, None)
        if match.group(2) == "type" and value in _ARRAY_TYPES:
            value = _ARRAY_TYPES[value]
        if match.group(1):  # {{{message}}}: as it is
            return str(value)
        return json.dumps(value) if isinstance(value, str) else str(value)

    message = _PLACEHOLDER.sub(fill, template.replace("Object", "function"))
    return JSONataEvaluationError(code, message)


@functools.cache
def evaluator() -> Evaluator:
    """The process's evaluator (its cache holds parsed expressions only, no state)."""
    return Evaluator()


# ----------------------------------------------------------------------------- moto patches
def install() -> None:
    """Evaluate moto's JSONata components with :func:`evaluator` (the interpreter is loaded)."""
    from moto.stepfunctions.parser.asl.component.common.string import string_expression

    string_jsonata = require(string_expression, "StringJSONata")
    variable_sample = require(string_expression, "StringVariableSample")
    require(string_jsonata, "_eval_body")
    require(variable_sample, "_eval_body")
    replace(string_jsonata, "_eval_body", _eval_string_jsonata)
    replace(variable_sample, "_eval_body", _eval_variable_sample)


def _bindings(env: Any, with_states: bool) -> dict[str, Any]:
    store = env.variable_store
    variables = {**require(store, "_outer_scope"), **require(store, "_inner_scope")}
    if with_states:
        variables["states"] = require(env.states, "_states_data")
    return variables


def _eval_string_jsonata(self: Any, env: Any) -> None:
    """``{% … %}``: evaluate, then check the result as AWS does."""
    env.stack.append(_evaluate_or_fail(env, self.expression, _bindings(env, with_states=True)))


def _eval_variable_sample(self: Any, env: Any) -> None:
    """A ``$variable`` reference (both query languages; ``$states`` only in JSONata)."""
    from moto.stepfunctions.parser.asl.component.common.query_language import QueryLanguageMode

    with_states = self.query_language_mode == QueryLanguageMode.JSONata
    env.stack.append(_evaluate_or_fail(env, self.expression, _bindings(env, with_states)))


def _evaluate_or_fail(env: Any, expression: str, bindings: dict[str, Any]) -> Any:
    try:
        return evaluator().evaluate(expression, bindings)
    except Undefined:
        cause = "returned nothing (undefined)."
    except UnsupportedResult:
        cause = "returned an unsupported result type."
    except JSONataEvaluationError as exc:
        # AWS: ". T0410: Argument 1 …" after a coded JSONata error, ": …" before a bare one
        cause = f"threw an error during evaluation{'. ' if exc.code else ': '}{exc}"
    except InternalEvaluationError as exc:
        log.warning("JSONata engine failed on %r: %s", expression, exc)
        cause = "threw an internal error during evaluation."
    _raise_query_evaluation_error(env, expression, cause)


def _raise_query_evaluation_error(env: Any, expression: str, what: str) -> None:
    """Fail the state with States.QueryEvaluationError naming the expression and its field."""
    from moto.stepfunctions.parser.api import HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    field = field_path(env)
    where = f" specified for the field '{field}'" if field else ""
    failure = evaluation_failure(env, f"The JSONata expression '{expression}'{where} {what}", field)
    env.event_manager.add_event(
        context=env.event_history_context,
        event_type=HistoryEventType.EvaluationFailed,
        event_details=EventDetails(
            evaluationFailedEventDetails=failure.event_details["evaluationFailedEventDetails"]
        ),
    )
    raise FailureEventException(failure_event=failure)
