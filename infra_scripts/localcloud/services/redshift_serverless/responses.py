"""Redshift Serverless JSON-protocol handlers (``X-Amz-Target: RedshiftServerless.<Op>``).

Requests are parsed and responses serialized by moto from botocore's service model, so
every shape is exactly botocore's. Before an operation runs, its input is checked against
the model's constraints (required, length, pattern, enum, range) the way AWS does it, and
rejected with a ``ValidationException`` whose message never contains a sensitive value.
"""

from __future__ import annotations

import inspect
import re
from functools import cache
from typing import Any

from botocore import xform_name
from botocore.model import Shape
from moto.core.responses import ActionResult, BaseResponse, EmptyResult
from moto.core.utils import get_service_model

from .exceptions import ValidationException
from .models import SERVICE_NAME, RedshiftServerlessBackend, redshiftserverless_backends


@cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:  # a Java-only construct: leave it to the real service
        return None


def _violations(shape: Shape, value: Any, path: str, sensitive: bool = False) -> list[str]:
    """Constraint violations of ``value`` against ``shape``, in AWS's wording."""
    sensitive = sensitive or bool(shape.metadata.get("sensitive"))
    shown = "Value" if sensitive else f"Value '{value}'"
    prefix = f"{shown} at '{path}' failed to satisfy constraint: Member must"
    meta = shape.metadata
    found: list[str] = []
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            where = f"{path}.{name}" if path else name
            if name not in value:
                if name in shape.required_members:
                    found.append(
                        f"Value null at '{where}' failed to satisfy constraint: "
                        "Member must not be null"
                    )
                continue
            found += _violations(member, value[name], where, sensitive)
    elif shape.type_name == "list":
        if "min" in meta and len(value) < meta["min"]:
            found.append(f"{prefix} have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            found.append(f"{prefix} have length less than or equal to {meta['max']}")
        for index, item in enumerate(value, start=1):
            found += _violations(shape.member, item, f"{path}.{index}.member", sensitive)
    elif shape.type_name == "string" and isinstance(value, str):
        if "min" in meta and len(value) < meta["min"]:
            found.append(f"{prefix} have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            found.append(f"{prefix} have length less than or equal to {meta['max']}")
        regex = _compiled(meta["pattern"]) if "pattern" in meta else None
        # The whole value must match: botocore >= 1.44.18's models write patterns that way
        # (`^[a-z0-9-]+$` became `[a-z0-9-]+`, a bare `(\d{12})` became `.*(\d{12}).*`);
        # the anchored patterns of older models mean the same.
        if regex is not None and not regex.fullmatch(value):
            found.append(f"{prefix} satisfy regular expression pattern: {meta['pattern']}")
        if shape.enum and value not in shape.enum:
            found.append(f"{prefix} satisfy enum value set: [{', '.join(shape.enum)}]")
    elif shape.type_name in ("integer", "long") and isinstance(value, int):
        if "min" in meta and value < meta["min"]:
            found.append(f"{prefix} have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            found.append(f"{prefix} have value less than or equal to {meta['max']}")
    return found


def validate_input(input_shape: Shape | None, params: dict[str, Any]) -> None:
    """Raise ValidationException listing every constraint ``params`` violates."""
    if input_shape is None:
        return
    found = _violations(input_shape, params, "")
    if found:
        plural = "s" if len(found) > 1 else ""
        raise ValidationException(
            f"{len(found)} validation error{plural} detected: {'; '.join(found)}"
        )


class RedshiftServerlessResponse(BaseResponse):
    """Turns each operation into a call on :class:`RedshiftServerlessBackend`."""

    def __init__(self) -> None:
        super().__init__(service_name=SERVICE_NAME)
        self.automated_parameter_parsing = True

    @property
    def backend(self) -> RedshiftServerlessBackend:
        return redshiftserverless_backends[self.current_account][self.region]

    def _call(self, method_name: str) -> Any:
        """Validate the input, then call the backend method with the parameters it takes.

        Parameters the backend does not model (e.g. ``trackName``, ``finalSnapshotName``)
        are accepted and ignored, as a data-only emulation should.
        """
        operation = get_service_model(SERVICE_NAME).operation_model(self._get_action())
        params = dict(self.params or {})
        validate_input(operation.input_shape, params)
        method = getattr(self.backend, method_name)
        accepted = inspect.signature(method).parameters
        kwargs = {xform_name(k): v for k, v in params.items() if xform_name(k) in accepted}
        return method(**kwargs)

    # -- namespaces ------------------------------------------------------------------

    def create_namespace(self) -> ActionResult:
        return ActionResult({"namespace": self._call("create_namespace").to_dict()})

    def get_namespace(self) -> ActionResult:
        return ActionResult({"namespace": self._call("get_namespace").to_dict()})

    def list_namespaces(self) -> ActionResult:
        namespaces, token = self._call("list_namespaces")
        return ActionResult({"namespaces": [n.to_dict() for n in namespaces], "nextToken": token})

    def update_namespace(self) -> ActionResult:
        return ActionResult({"namespace": self._call("update_namespace").to_dict()})

    def delete_namespace(self) -> ActionResult:
        return ActionResult({"namespace": self._call("delete_namespace").to_dict()})

    # -- workgroups ------------------------------------------------------------------

    def create_workgroup(self) -> ActionResult:
        return ActionResult({"workgroup": self._call("create_workgroup").to_dict()})

    def get_workgroup(self) -> ActionResult:
        return ActionResult({"workgroup": self._call("get_workgroup").to_dict()})

    def list_workgroups(self) -> ActionResult:
        workgroups, token = self._call("list_workgroups")
        return ActionResult({"workgroups": [w.to_dict() for w in workgroups], "nextToken": token})

    def update_workgroup(self) -> ActionResult:
        return ActionResult({"workgroup": self._call("update_workgroup").to_dict()})

    def delete_workgroup(self) -> ActionResult:
        return ActionResult({"workgroup": self._call("delete_workgroup").to_dict()})

    # -- usage limits ----------------------------------------------------------------

    def create_usage_limit(self) -> ActionResult:
        return ActionResult({"usageLimit": self._call("create_usage_limit").to_dict()})

    def get_usage_limit(self) -> ActionResult:
        return ActionResult({"usageLimit": self._call("get_usage_limit").to_dict()})

    def list_usage_limits(self) -> ActionResult:
        limits, token = self._call("list_usage_limits")
        return ActionResult({"usageLimits": [u.to_dict() for u in limits], "nextToken": token})

    def update_usage_limit(self) -> ActionResult:
        return ActionResult({"usageLimit": self._call("update_usage_limit").to_dict()})

    def delete_usage_limit(self) -> ActionResult:
        return ActionResult({"usageLimit": self._call("delete_usage_limit").to_dict()})

    # -- tags ------------------------------------------------------------------------

    def tag_resource(self) -> ActionResult:
        self._call("tag_resource")
        return EmptyResult()

    def untag_resource(self) -> ActionResult:
        self._call("untag_resource")
        return EmptyResult()

    def list_tags_for_resource(self) -> ActionResult:
        return ActionResult({"tags": self._call("list_tags_for_resource")})
