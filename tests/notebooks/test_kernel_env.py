"""Notebook kernels of a local run see the local cloud's AWS settings, never the shell's."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from infra_scripts import notebooks
from infra_scripts.cli import main
from infra_scripts.config import Settings
from infra_scripts.session import local_process_environment
from tests.notebooks.test_runner import write_notebook

STRAY = {
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9",
    "AWS_PROFILE": "missing",
    "AWS_ACCESS_KEY_ID": "AKIA" + "STRAYSTRAYSTRAY1",
    "AWS_SECRET_ACCESS_KEY": "stray-secret",
    "AWS_DEFAULT_REGION": "eu-west-3",
}
# Prints the kernel's AWS_* variables and where the kit's session and plain boto3 would go.
REPORT = """
import json, os
import boto3
from infra_scripts import Settings, make_session
session = make_session(Settings.load())
print(json.dumps({
    "aws": {k: v for k, v in os.environ.items() if k.startswith("AWS_")},
    "kit": session.client("s3").meta.endpoint_url,
    "plain": boto3.client("s3").meta.endpoint_url,
}))
"""


@pytest.fixture
def stray_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in STRAY.items():
        monkeypatch.setenv(name, value)


def reported(output: Path) -> dict:
    nb = nbformat.read(output, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    return json.loads(text.strip().splitlines()[-1])


def expected(settings: Settings) -> dict:
    aws = {k: v for k, v in local_process_environment(settings).items() if k.startswith("AWS_")}
    return {"aws": aws, "kit": settings.local_endpoint, "plain": settings.local_endpoint}


@pytest.mark.parametrize("prewarm", [0, 1])
def test_run_notebooks_gives_every_kernel_the_environment(
    stray_env, tmp_path: Path, monkeypatch, prewarm: int
):
    settings = Settings.load(env={}, local_port=4593, state_dir=tmp_path / "state")
    monkeypatch.setenv("RETAIL_KIT_LOCAL_PORT", "4593")
    monkeypatch.setenv("RETAIL_KIT_STATE_DIR", str(settings.state_dir))
    folder = tmp_path / "nbs"
    folder.mkdir()
    path = write_notebook(folder / "00_report.ipynb", REPORT)
    env = notebooks.kernel_environment(settings)
    out = tmp_path / "run"
    notebooks.run_notebooks([path], out, prewarm=prewarm, kernel_env=env)
    assert reported(out / path.name) == expected(settings)


def test_notebooks_run_cli_kernels_ignore_the_shells_aws_settings(
    stray_env, tmp_path: Path, monkeypatch
):
    monkeypatch.delenv("RETAIL_KIT_TARGET", raising=False)
    # the runner sets these two in its own environment: restored after the test
    monkeypatch.setenv("RETAIL_KIT_LOCAL_PORT", "4594")
    monkeypatch.setenv("RETAIL_KIT_STATE_DIR", str(tmp_path / "state"))
    folder = tmp_path / "nbs"
    folder.mkdir()
    write_notebook(folder / "00_report.ipynb", REPORT)
    state = tmp_path / "state"
    argv = ["notebooks", "run", "--folder", str(folder), "--out", str(tmp_path / "runs")]
    argv += ["--no-local-cloud", "--port", "4594", "--state-dir", str(state)]
    assert main(argv) == 0
    (run,) = (tmp_path / "runs").iterdir()
    settings = Settings.load(env={}, local_port=4594, state_dir=state)
    assert reported(run / "00_report.ipynb") == expected(settings)
