"""Lambda layers: the handler imports what its function's layers hold, as on AWS."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import create_function, role_arn, unique, zip_code

pytestmark = pytest.mark.localcloud

HANDLER = """
import greeting

def handler(event, context):
    return {"hello": greeting.hello(), "file": greeting.__file__}
"""


def _layer(session: Any, files: dict[str, str]) -> str:
    """Publish a layer version holding ``files``; its ARN."""
    version = session.client("lambda").publish_layer_version(
        LayerName=unique("layer"),
        Content={"ZipFile": zip_code(files)},
        CompatibleRuntimes=["python3.11"],
    )
    assert version["Version"] == 1
    return version["LayerVersionArn"]


def _greeting(value: str) -> str:
    return f"def hello():\n    return {value!r}\n"


def _invoke(session: Any, name: str) -> tuple[dict[str, Any], Any]:
    resp = session.client("lambda").invoke(FunctionName=name, Payload=b"{}")
    return resp, json.loads(resp["Payload"].read())


def test_handler_imports_a_module_of_its_layer(session):
    arn = _layer(session, {"python/greeting.py": _greeting("from the layer")})
    name = unique("fn-layer")
    created = create_function(session, name, HANDLER, Layers=[arn])
    assert [layer["Arn"] for layer in created["Layers"]] == [arn]

    resp, body = _invoke(session, name)

    assert "FunctionError" not in resp, body
    assert body["hello"] == "from the layer"
    assert body["file"].endswith("/python/greeting.py")


def test_site_packages_directory_of_a_layer_is_on_the_path(session):
    arn = _layer(
        session, {"python/lib/python3.11/site-packages/greeting.py": _greeting("site-packages")}
    )
    name = unique("fn-layer")
    create_function(session, name, HANDLER, Layers=[arn])

    assert _invoke(session, name)[1]["hello"] == "site-packages"


def test_later_layer_replaces_the_same_file_of_an_earlier_one(session):
    first = _layer(session, {"python/greeting.py": _greeting("first"), "python/only1.py": ""})
    second = _layer(session, {"python/greeting.py": _greeting("second")})
    name = unique("fn-layers")
    source = HANDLER.replace("import greeting", "import greeting, only1")
    create_function(session, name, source, Layers=[first, second])
    assert _invoke(session, name)[1]["hello"] == "second"

    # the merge order follows the Layers list: swapped, the other layer wins
    session.client("lambda").update_function_configuration(
        FunctionName=name, Layers=[second, first]
    )
    assert _invoke(session, name)[1]["hello"] == "first"


def test_function_code_comes_before_its_layers(session):
    arn = _layer(session, {"python/greeting.py": _greeting("layer")})
    name = unique("fn-layer")
    session.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role_arn(session),
        Handler="app.handler",
        Code={"ZipFile": zip_code({"app.py": HANDLER, "greeting.py": _greeting("own code")})},
        Layers=[arn],
    )
    assert _invoke(session, name)[1]["hello"] == "own code"


def test_layer_added_and_removed_by_update_function_configuration(session):
    arn = _layer(session, {"python/greeting.py": _greeting("added")})
    name = unique("fn-layer")
    create_function(session, name, HANDLER)
    lam = session.client("lambda")

    resp, body = _invoke(session, name)
    assert resp["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert "No module named 'greeting'" in body["errorMessage"]

    lam.update_function_configuration(FunctionName=name, Layers=[arn])
    assert _invoke(session, name)[1]["hello"] == "added"

    lam.update_function_configuration(FunctionName=name, Layers=[])
    assert _invoke(session, name)[1]["errorType"] == "Runtime.ImportModuleError"
