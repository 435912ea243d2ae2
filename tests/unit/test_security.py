"""No secrets and no real account ids in what is committed: the notebooks (sources, outputs
and metadata) and every other tracked text file.

The other security checks live beside the code they check: the IAM policy lint in
``tests/unit/test_policies.py``; public-access blocks, encryption and TLS-only bucket
policies in ``tests/localcloud/test_provision.py``; the local cloud listening on 127.0.0.1
only in ``tests/localcloud/test_server.py``.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: The account ids AWS documentation and moto use: not anybody's account.
PLACEHOLDER_ACCOUNTS = frozenset({"123456789012", "000000000000"})
ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
SECRET_KEY = re.compile(
    r"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
)
PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")
ARN_ACCOUNT = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12})(?=[:/])")
ACCOUNT_FIELD = re.compile(r"(?i)[\"']?account(?:_?id)?[\"']?\s*[:=]\s*[\"']?(\d{12})\b")


def findings(text: str) -> list[str]:
    """Every secret or real-looking account id in ``text``."""
    found = [f"AWS access key id {m.group(0)[:8]}…" for m in ACCESS_KEY.finditer(text)]
    found += ["AWS secret access key" for _ in SECRET_KEY.finditer(text)]
    found += ["private key" for _ in PRIVATE_KEY.finditer(text)]
    for pattern in (ARN_ACCOUNT, ACCOUNT_FIELD):
        found += [
            f"account id {m.group(1)}"
            for m in pattern.finditer(text)
            if m.group(1) not in PLACEHOLDER_ACCOUNTS
        ]
    return found


def notebook_texts(path: Path) -> Iterator[tuple[str, str]]:
    """(where, text) of every cell source and output, and the metadata, of a notebook."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    yield "metadata", json.dumps(doc.get("metadata", {}))
    for index, cell in enumerate(doc.get("cells", [])):
        source = cell.get("source", "")
        yield f"cell {index} source", "".join(source) if isinstance(source, list) else source
        for output in cell.get("outputs", []):
            yield f"cell {index} output", json.dumps(output)


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    files = []
    for name in filter(None, listed):
        path = ROOT / name.decode()
        if path.is_file() and path.suffix not in (".xlsx", ".gz", ".png", ".parquet"):
            files.append(path)
    return files


@pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks yet")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_hold_no_secrets_or_real_account_ids(path):
    problems = [f"{where}: {f}" for where, text in notebook_texts(path) for f in findings(text)]
    assert not problems, f"{path.name}: {problems}"


def test_tracked_files_hold_no_secrets_or_real_account_ids():
    problems = []
    for path in tracked_text_files():
        text = path.read_bytes().decode("utf-8", errors="replace")
        problems += [f"{path.relative_to(ROOT)}: {f}" for f in findings(text)]
    assert not problems, problems


# The scanner itself: planted values (built at run time, so no file holds one).
FAKE_KEY_ID = "AKIA" + "Z7" * 8
FAKE_SECRET = "wJalr" + "X" * 30 + "EKEY1"
REAL_LOOKING_ACCOUNT = "4" + "1" * 11


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"key = {FAKE_KEY_ID}", "AWS access key id"),
        ("ASIA" + "Q" * 16, "AWS access key id"),
        (f'aws_secret_access_key = "{FAKE_SECRET}"', "AWS secret access key"),
        ("-----BEGIN RSA " + "PRIVATE KEY-----\nMIIE", "private key"),  # split: not a key here
        ("-----BEGIN OPENSSH " + "PRIVATE KEY-----", "private key"),
        (f"arn:aws:iam::{REAL_LOOKING_ACCOUNT}:role/x", f"account id {REAL_LOOKING_ACCOUNT}"),
        (
            f"arn:aws:lambda:us-east-1:{REAL_LOOKING_ACCOUNT}:function:f",
            f"account id {REAL_LOOKING_ACCOUNT}",
        ),
        (f'{{"Account": "{REAL_LOOKING_ACCOUNT}"}}', f"account id {REAL_LOOKING_ACCOUNT}"),
    ],
)
def test_the_scanner_finds_planted_secrets(text, expected):
    assert any(f.startswith(expected) for f in findings(text)), findings(text)


@pytest.mark.parametrize(
    "text",
    [
        "arn:aws:iam::123456789012:role/retail-kit-glue",
        "arn:aws:states:us-east-1:000000000000:stateMachine:x",
        '{"Account": "123456789012"}',
        "rows 100000000000 scanned, transaction T12345678",
        "AKIA is how access key ids start",
    ],
)
def test_placeholders_and_lookalikes_pass(text):
    assert findings(text) == []


def test_a_notebook_output_is_scanned(tmp_path):
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "source": ["print(arn)"],
                "outputs": [{"output_type": "stream", "text": [f"arn:aws:s3:::b {FAKE_KEY_ID}"]}],
            }
        ],
        "metadata": {},
    }
    path = tmp_path / "leak.ipynb"
    path.write_text(json.dumps(notebook))
    leaks = [f for where, text in notebook_texts(path) for f in findings(text)]
    assert leaks == [f"AWS access key id {FAKE_KEY_ID[:8]}…"]
