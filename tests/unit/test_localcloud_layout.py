"""The local cloud's layout rule, read from the tree: one folder per emulated service, of
the same shape, and no service importing another (what two share is shared machinery)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LOCALCLOUD = Path(__file__).resolve().parents[2] / "infra_scripts" / "localcloud"
SERVICES = LOCALCLOUD / "services"
PACKAGE = "infra_scripts.localcloud"


def service_names() -> list[str]:
    return sorted(p.name for p in SERVICES.iterdir() if p.is_dir() and p.name != "__pycache__")


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved to absolute names."""
    module = ".".join(path.relative_to(LOCALCLOUD.parents[1]).with_suffix("").parts)
    package = module.removesuffix(".__init__") if path.name == "__init__.py" else module
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    return imports_of(path.read_text(), package)


def imports_of(source: str, package: str) -> set[str]:
    """The modules ``source`` (a module of ``package``) imports, as absolute names."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_the_services_are_the_emulated_ones():
    assert service_names() == [
        "athena",
        "awslambda",
        "events",
        "glue",
        "redshift_data",
        "redshift_serverless",
        "s3",
        "sns",
        "stepfunctions",
    ]


@pytest.mark.parametrize("service", service_names())
def test_each_service_has_the_same_shape(service):
    folder = SERVICES / service
    assert (folder / "__init__.py").is_file()
    tree = ast.parse((folder / "patches.py").read_text())
    installs = [
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "install"
    ]
    assert len(installs) == 1, f"services/{service}/patches.py has no install(ctx)"
    assert [a.arg for a in installs[0].args.args] == ["ctx"]


@pytest.mark.parametrize("service", service_names())
def test_a_service_never_imports_another(service):
    own = f"{PACKAGE}.services.{service}"
    offenders = {
        f"{path.relative_to(LOCALCLOUD)} imports {name}"
        for path in (SERVICES / service).rglob("*.py")
        for name in imported_modules(path)
        if name.startswith(f"{PACKAGE}.services.")
        and not (name == own or name.startswith(own + "."))
    }
    assert not offenders, "move what two services share to the shared machinery: " + "; ".join(
        sorted(offenders)
    )


def test_the_shared_machinery_imports_no_service():
    offenders = {
        f"{path.relative_to(LOCALCLOUD)} imports {name}"
        for path in LOCALCLOUD.rglob("*.py")
        if SERVICES not in path.parents
        for name in imported_modules(path)
        if name.startswith(f"{PACKAGE}.services")
    }
    assert not offenders, "; ".join(sorted(offenders))


def test_the_check_sees_relative_and_absolute_imports():
    """The rule's own reader: both spellings of an import of another service are found."""
    source = "from ..athena import engine\nimport infra_scripts.localcloud.services.s3.patches\n"
    names = imports_of(source, f"{PACKAGE}.services.glue")
    assert f"{PACKAGE}.services.athena.engine" in names
    assert f"{PACKAGE}.services.s3.patches" in names
