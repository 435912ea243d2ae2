"""Where moto 5.2.5's ASL interpreter differs from what AWS records, fixed:

- **Field paths** in JSONata errors: AWS names the field an expression was in
  (``'Output/result'``, ``'Assign/result'``, ``'Items'``); moto named a Python class.
- **When assigned variables become visible**: from the next state on. A state's own
  OutputPath/Output still sees the values from before its Assign (moto assigned at once).
- **The context object**: ``$$.Execution.RedriveCount`` (0 until an execution is redriven).
- **Wait limits**: a delay beyond 2^31-1 seconds fails at once with States.Runtime "Wait state
  delay is too long." (AWS's boundary: 24,855 days waits, 24,856 fails); a JSONata
  ``Timestamp`` that is not ISO-8601 is a States.QueryEvaluationError naming the value.
- **Map input of the wrong type**: the error shows the value as JSON, not a Python type.
- **Every ``States.*`` error name** is one in ``ErrorEquals`` and when a Map iteration or a
  Parallel branch passes it up (moto re-wrapped it as a custom name, which refuses the
  ``States.`` prefix, so e.g. a QueryEvaluationError inside a Map failed with a ValueError).
- **Assign's string literals** are JSON strings: ``"\\""`` assigns one quote character (moto kept
  the backslash).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

from infra_scripts.localcloud.motolayer.patching import replace, require, rewrite

MAX_WAIT_SECONDS = 2**31 - 1
_COMPONENT = "moto.stepfunctions.parser.asl.component"
_PATH_ATTRIBUTE = "_kit_field_path"
_PENDING_ATTRIBUTE = "_kit_pending_assignments"

# (module under moto's component package, class, the path segment it adds: a field name,
# or "." + the attribute holding it)
FIELD_SEGMENTS: tuple[tuple[str, str, str], ...] = (
    ("common.outputdecl", "Output", "Output"),
    ("common.assign.assign_decl", "AssignDecl", "Assign"),
    ("common.assign.assign_template_binding", "AssignTemplateBinding", ".identifier"),
    ("common.jsonata.jsonata_template_binding", "JSONataTemplateBinding", ".identifier"),
    ("common.parargs", "ArgumentsJSONataTemplateValueObject", "Arguments"),
    ("common.parargs", "ArgumentsStringJSONata", "Arguments"),
    ("state.exec.state_map.items.items", "ItemsJSONata", "Items"),
    ("state.exec.state_map.items.items", "ItemsArray", "Items"),
    ("state.exec.state_map.max_concurrency", "MaxConcurrencyJSONata", "MaxConcurrency"),
    (
        "state.exec.state_map.tolerated_failure",
        "ToleratedFailureCountStringJSONata",
        "ToleratedFailureCount",
    ),
    (
        "state.exec.state_map.tolerated_failure",
        "ToleratedFailurePercentageStringJSONata",
        "ToleratedFailurePercentage",
    ),
    (
        "state.exec.state_map.item_reader.reader_config.max_items_decl",
        "MaxItemsStringJSONata",
        "MaxItems",
    ),
    ("state.choice.comparison.comparison", "ConditionStringJSONata", "Condition"),
    ("state.wait.wait_function.seconds", "SecondsJSONata", "Seconds"),
    ("state.wait.wait_function.timestamp", "Timestamp", "Timestamp"),
    ("common.timeouts.timeout", "TimeoutSecondsJSONata", "TimeoutSeconds"),
    ("common.timeouts.heartbeat", "HeartbeatSecondsJSONata", "HeartbeatSeconds"),
    ("state.fail.error_decl", "Error", "Error"),
    ("state.fail.cause_decl", "Cause", "Cause"),
)


def _component(module: str, name: str) -> Any:
    return require(importlib.import_module(f"{_COMPONENT}.{module}"), name)


def install() -> None:
    """Apply every fix above (the interpreter is loaded)."""
    _track_field_paths()
    _assign_after_output()
    _context_redrive_count()
    _wait_limits()
    _map_input_error_shows_json()
    _assign_literals_are_json_strings()
    _states_error_names_recognised()


# ----------------------------------------------------------------------------- field paths
# Containers whose elements AWS names by position: (module, class, list attribute, segment).
INDEXED_SEGMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("state.choice.choices_decl", "ChoicesDecl", "rules", "Choices[{}]"),
    ("common.catch.catch_decl", "CatchDecl", "catchers", "Catch[{}]"),
    ("common.jsonata.jsonata_template_value_array", "JSONataTemplateValueArray", "values", "[{}]"),
    ("common.assign.assign_template_value_array", "AssignTemplateValueArray", "values", "[{}]"),
)
# What the elements of those containers are (their evaluation enters their segment).
INDEXED_ELEMENTS: tuple[tuple[str, str], ...] = (
    ("state.choice.choice_rule", "ChoiceRule"),
    ("common.catch.catcher_decl", "CatcherDecl"),
    ("common.jsonata.jsonata_template_value", "JSONataTemplateValue"),
    ("common.assign.assign_template_value", "AssignTemplateValue"),
)
_SEGMENT_ATTRIBUTE = "_kit_segment"


def field_path(env: Any) -> str | None:
    """The field being evaluated, as AWS names it in errors: relative to the state, ``/``
    per object key, ``[i]`` per array element (``Output/values[0]``, ``Choices[1]/Condition``)."""
    path = ""
    for segment in getattr(env, _PATH_ATTRIBUTE, None) or ():
        path += segment if segment.startswith("[") or not path else "/" + segment
    return path or None


def _track_field_paths() -> None:
    for module, name, segment in FIELD_SEGMENTS:
        cls = _component(module, name)
        replace(cls, "eval", _entering_field(require(cls, "eval"), segment))
    for module, name, attribute, segment in INDEXED_SEGMENTS:
        cls = _component(module, name)
        replace(cls, "__init__", _numbering(require(cls, "__init__"), attribute, segment))
    for module, name in INDEXED_ELEMENTS:
        cls = _component(module, name)
        replace(cls, "eval", _entering_field(require(cls, "eval"), None))


def _numbering(original: Callable[..., None], attribute: str, segment: str) -> Callable[..., None]:
    """A container's ``__init__`` that also tells each element its position."""

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        for index, element in enumerate(getattr(self, attribute) or ()):
            setattr(element, _SEGMENT_ATTRIBUTE, segment.format(index))

    return init


def _entering_field(original: Callable[..., None], segment: str | None) -> Callable[..., None]:
    """``eval`` inside the field ``segment`` (a name, ``.attribute``, or None: the position
    its container gave the component, if any)."""
    attribute = segment[1:] if segment and segment.startswith(".") else None

    def eval_in_field(self: Any, env: Any) -> None:
        name = (
            getattr(self, attribute)
            if attribute
            else segment or self.__dict__.get(_SEGMENT_ATTRIBUTE)
        )
        if name is None:
            return original(self, env)
        path = env.__dict__.setdefault(_PATH_ATTRIBUTE, [])
        path.append(name)
        try:
            original(self, env)
        finally:
            path.pop()

    return eval_in_field


# ----------------------------------------------------------------------------- Assign
def _assign_after_output() -> None:
    """Assign's values are computed where moto computes them, and stored once the state's
    output is done (before its StateExited event, which lists them)."""
    assign_decl = _component("common.assign.assign_decl", "AssignDecl")
    replace(assign_decl, "_eval_body", _compute_assignments)
    state = _component("state.state", "CommonStateField")
    for cls in (
        state,
        _component("state.exec.execute_state", "ExecutionState"),
        _component("state.choice.state_choice", "StateChoice"),
    ):
        if "_eval_state_output" in vars(cls):
            replace(cls, "_eval_state_output", _then_assign(require(cls, "_eval_state_output")))
    catcher = _component("common.catch.catcher_decl", "CatcherDecl")
    replace(catcher, "_eval_body", _catcher_assigns(require(catcher, "_eval_body")))
    replace(state, "_eval_body", _state_starts_clean(require(state, "_eval_body")))


def _compute_assignments(self: Any, env: Any) -> None:
    declarations: dict[str, Any] = {}
    for binding in self.declaration_bindings:
        binding.eval(env=env)
        declarations.update(env.stack.pop())
    env.__dict__.setdefault(_PENDING_ATTRIBUTE, {}).update(declarations)


def _store_assignments(env: Any) -> None:
    pending = env.__dict__.pop(_PENDING_ATTRIBUTE, None)
    for identifier, value in (pending or {}).items():
        env.variable_store.set(variable_identifier=identifier, variable_value=value)


def _then_assign(original: Callable[..., None]) -> Callable[..., None]:
    def eval_state_output(self: Any, env: Any) -> None:
        original(self, env)
        _store_assignments(env)

    return eval_state_output


def _catcher_assigns(original: Callable[..., None]) -> Callable[..., None]:
    def eval_catcher(self: Any, env: Any) -> None:
        env.__dict__.pop(_PENDING_ATTRIBUTE, None)  # the failed state's Assign never happened
        original(self, env)
        _store_assignments(env)

    return eval_catcher


def _state_starts_clean(original: Callable[..., None]) -> Callable[..., None]:
    def eval_state(self: Any, env: Any) -> None:
        env.__dict__.pop(_PENDING_ATTRIBUTE, None)
        original(self, env)

    return eval_state


# ----------------------------------------------------------------------------- context object
def _context_redrive_count() -> None:
    from moto.stepfunctions.parser.backend import execution_worker

    worker = require(execution_worker, "ExecutionWorker")
    original = require(worker, "_get_evaluation_environment")

    def evaluation_environment(self: Any) -> Any:
        env = original(self)
        env.states.context_object.context_object_data["Execution"].setdefault("RedriveCount", 0)
        return env

    replace(worker, "_get_evaluation_environment", evaluation_environment)


# ----------------------------------------------------------------------------- Wait
def _wait_limits() -> None:
    wait_function = _component("state.wait.wait_function.wait_function", "WaitFunction")
    original = require(wait_function, "_wait_interval")

    def wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
        if wait_seconds > MAX_WAIT_SECONDS:
            _fail(env, "States.Runtime", "Wait state delay is too long.")
        original(self, env, wait_seconds)

    replace(wait_function, "_wait_interval", wait_interval)

    timestamp = _component("state.wait.wait_function.timestamp", "Timestamp")
    original_failure = require(timestamp, "_create_failure_event")
    string_jsonata = _component("common.string.string_expression", "StringJSONata")

    def create_failure_event(self: Any, env: Any, timestamp_str: str) -> Any:
        if not isinstance(self.string, string_jsonata):
            return original_failure(self, env, timestamp_str)
        return evaluation_failure(
            env,
            "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
            f"format string: {timestamp_str}",
            location="Timestamp",
        )

    replace(timestamp, "_create_failure_event", create_failure_event)


def _moto(module: str, name: str) -> Any:
    """A name of moto's Step Functions parser package (``api``, ``asl.eval…``)."""
    return require(importlib.import_module(f"moto.stepfunctions.parser.{module}"), name)


def _fail(env: Any, error: str, cause: str) -> None:
    """Fail the execution at once with ``error`` and ``cause`` (ExecutionFailed)."""
    details = _moto("api", "ExecutionFailedEventDetails")(error=error, cause=cause)
    raise _moto("asl.component.common.error_name.failure_event", "FailureEventException")(
        _moto("asl.component.common.error_name.failure_event", "FailureEvent")(
            env=env,
            error_name=states_error_name(error),
            event_type=_moto("api", "HistoryEventType").ExecutionFailed,
            event_details=_moto("asl.eval.event.event_detail", "EventDetails")(
                executionFailedEventDetails=details
            ),
        )
    )


def evaluation_failure(env: Any, cause: str, location: str | None = None) -> Any:
    """A States.QueryEvaluationError failure event (EvaluationFailed in the history)."""
    error_name = states_error_name("States.QueryEvaluationError")
    details = _moto("api", "EvaluationFailedEventDetails")(error=error_name.error_name, cause=cause)
    if location:
        details["location"] = location
    return _moto("asl.component.common.error_name.failure_event", "FailureEvent")(
        env=env,
        error_name=error_name,
        event_type=_moto("api", "HistoryEventType").EvaluationFailed,
        event_details=_moto("asl.eval.event.event_detail", "EventDetails")(
            evaluationFailedEventDetails=details
        ),
    )


def states_error_name(name: Any) -> Any:
    """moto's error name for ``name``: a StatesErrorName for AWS's ``States.*`` names, a
    CustomErrorName otherwise (which refuses the ``States.`` prefix)."""
    names = _component("common.error_name.states_error_name_type", "StatesErrorNameType")
    try:
        typ = names.from_name(str(name))
    except ValueError:
        return _component("common.error_name.custom_error_name", "CustomErrorName")(error_name=name)
    return _component("common.error_name.states_error_name", "StatesErrorName")(typ=typ)


# ----------------------------------------------------------------------------- Map
def _map_input_error_shows_json() -> None:
    state_map = _component("state.exec.state_map.state_map", "StateMap")
    rewrite(
        state_map,
        "_eval_execution",
        'cause=f"Map state input must be an array but was: {type(input_items)}",',
        'cause="Map state input must be an array but was: "'
        ' + __import__("json").dumps(input_items, separators=(",", ":"), default=str),',
    )


# ----------------------------------------------------------------------------- Assign literals
def _assign_literals_are_json_strings() -> None:
    from moto.stepfunctions.parser.asl.parse import preprocessor

    visitor = require(preprocessor, "Preprocessor")
    literal = _component(
        "common.assign.assign_template_value_terminal", "AssignTemplateValueTerminalLit"
    )
    original_jsonata = require(visitor, "visitAssign_template_value_terminal_string_jsonata")
    require(visitor, "visitAssign_template_value_terminal_string_literal")

    def visit_string_literal(self: Any, ctx: Any) -> Any:
        return literal(value=_json_string(ctx.string_literal()))

    def visit_string_jsonata(self: Any, ctx: Any) -> Any:
        value = original_jsonata(self, ctx)
        if isinstance(value, literal):  # "{% … %}" outside JSONata: a plain string
            value = literal(value=_json_string(ctx.string_jsonata()))
        return value

    replace(visitor, "visitAssign_template_value_terminal_string_literal", visit_string_literal)
    replace(visitor, "visitAssign_template_value_terminal_string_jsonata", visit_string_jsonata)


def _json_string(ctx: Any) -> str:
    """A string token of the definition, its JSON escapes read (``\\"`` is ``"``)."""
    text = ctx.getText()
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, str) else text


# ----------------------------------------------------------------------------- error names
def _states_error_names_recognised() -> None:
    from moto.stepfunctions.parser.asl.parse import preprocessor

    visitor = require(preprocessor, "Preprocessor")
    original = require(visitor, "visitError_name")
    states_name = _component("common.error_name.states_error_name", "StatesErrorName")

    def visit_error_name(self: Any, ctx: Any) -> Any:
        literal = ctx.string_literal()
        if literal is not None:
            name = states_error_name(_json_string(literal))
            if isinstance(name, states_name):
                return name
        return original(self, ctx)

    replace(visitor, "visitError_name", visit_error_name)
    for module in (
        "state.exec.state_map.iteration.iteration_worker",
        "state.exec.state_parallel.branches_decl",
    ):
        replace(
            importlib.import_module(f"{_COMPONENT}.{module}"),
            "CustomErrorName",
            lambda error_name: states_error_name(error_name),
        )
