"""Which installed packages differ from ``uv.lock``: the drift canary's report.

``make test-latest`` installs the newest versions ``pyproject.toml``'s ranges allow into a
throw-away environment, runs tests against it, then prints what moved::

    python -m infra_scripts.devtools.lock_drift uv.lock freeze.txt

``freeze.txt`` is ``uv pip freeze`` (or ``pip freeze``) of that environment. One line per
installed package whose version is not the locked one, or that the lock does not have;
packages the lock has but the environment lacks are not listed (the lock covers every
platform, so most of those are another platform's). Always exits 0 when both files read:
drift is information, the tests are the verdict.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path


def canonical(name: str) -> str:
    """PEP 503 normalised name (``Jinja2`` → ``jinja2``, ``jsonpath_ng`` → ``jsonpath-ng``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(lock_text: str) -> dict[str, set[str]]:
    """name → versions in the lock (a package can be locked twice, per Python or platform)."""
    versions: dict[str, set[str]] = {}
    for package in tomllib.loads(lock_text).get("package", []):
        if "version" in package:
            versions.setdefault(canonical(package["name"]), set()).add(package["version"])
    return versions


def installed_versions(freeze_text: str) -> dict[str, str]:
    """name → version of ``name==version`` lines; editable and URL installs are skipped."""
    installed: dict[str, str] = {}
    for line in freeze_text.splitlines():
        line = line.split("#", 1)[0].strip()
        name, sep, version = line.partition("==")
        if sep and name and not line.startswith("-"):
            installed[canonical(name.strip())] = version.strip()
    return installed


def drift(locked: dict[str, set[str]], installed: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, locked version or "-", installed version), sorted by name."""
    rows = []
    for name, version in sorted(installed.items()):
        versions = locked.get(name)
        if versions is None:
            rows.append((name, "-", version))
        elif version not in versions:
            rows.append((name, " / ".join(sorted(versions)), version))
    return rows


def report(rows: list[tuple[str, str, str]], total: int) -> str:
    if not rows:
        return f"lock drift: none ({total} packages, every one at its locked version)"
    header = ("package", "locked", "latest")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = [f"lock drift: {len(rows)} of {total} packages differ from uv.lock"]
    for row in [header, *rows]:
        lines.append(
            "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        )
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", type=Path, help="uv.lock")
    parser.add_argument("freeze", help="`uv pip freeze` output of the environment ('-': stdin)")
    args = parser.parse_args(argv)
    freeze_text = sys.stdin.read() if args.freeze == "-" else Path(args.freeze).read_text()
    installed = installed_versions(freeze_text)
    print(report(drift(locked_versions(args.lock.read_text()), installed), len(installed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
