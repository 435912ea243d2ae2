"""The code that runs on Glue (Python 3.9) uses no newer syntax or standard library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pipeline_src"
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
# Names added to the standard library after 3.9 (the ones a pipeline might reach for).
NEWER_STDLIB = {
    ("datetime", "UTC"),
    ("itertools", "pairwise"),
    ("typing", "TypeAlias"),
    ("typing", "ParamSpec"),
    ("typing", "Self"),
    ("typing", "TypeGuard"),
    ("enum", "StrEnum"),
    ("typing", "LiteralString"),
    ("typing", "Never"),
    ("dataclasses", "KW_ONLY"),
}
NEWER_MODULES = {"tomllib", "wsgiref.types"}


def _annotations(tree: ast.AST) -> set[int]:
    """ids of nodes inside annotations (fine with ``from __future__ import annotations``)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            targets = [
                a.annotation
                for a in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs]
                if a.annotation
            ]
            targets += [node.returns] if node.returns else []
            targets += [
                a.annotation for a in (node.args.vararg, node.args.kwarg) if a and a.annotation
            ]
        elif isinstance(node, ast.AnnAssign):
            targets = [node.annotation]
        for target in targets:
            inside.update(id(n) for n in ast.walk(target))
    return inside


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_source_is_python_3_9(path):
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text, feature_version=(3, 9))  # no match, no except*, no new grammar
    assert "from __future__ import annotations" in text or "|" not in text
    in_annotations = _annotations(tree)
    for node in ast.walk(tree):
        assert not isinstance(node, ast.Match), f"{path}:{node.lineno} match statement"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            # X | Y of types at run time (isinstance, casts) needs 3.10
            for side in (node.left, node.right):
                is_type = isinstance(side, ast.Name) and side.id in {
                    "int",
                    "str",
                    "float",
                    "bool",
                    "bytes",
                    "list",
                    "dict",
                    "tuple",
                    "set",
                    "None",
                }
                assert id(node) in in_annotations or not is_type, f"{path}:{node.lineno} X | Y"
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                assert (node.module, alias.name) not in NEWER_STDLIB, f"{path}: {alias.name}"
            assert node.module not in NEWER_MODULES
        if isinstance(node, ast.Import):
            assert not {a.name for a in node.names} & NEWER_MODULES
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in {("dt", "UTC"), ("datetime", "UTC")}
        if isinstance(node, ast.Call):
            names = {k.arg for k in node.keywords}
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            assert not (name == "zip" and "strict" in names), f"{path}:{node.lineno} zip(strict=)"
            assert not (name == "dataclass" and names & {"slots", "kw_only"})
        if isinstance(node, ast.With):
            pass  # parenthesised context managers are rejected by feature_version
