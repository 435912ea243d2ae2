"""The warm interpreter's botocore preloads: a forked run finds every model it needs parsed."""

from __future__ import annotations

import json
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from infra_scripts.localcloud.workers import warm_python_zygote as zygote

ROOT = Path(__file__).resolve().parents[2]

# In a fresh interpreter: warm like the zygote does, then count the data files a job's
# client set-up, a paginated listing's model lookup and handler registration still cost.
PROBE = """
import inspect, json, os, sys
sys.path.insert(0, sys.argv[1])
from infra_scripts.localcloud.workers import warm_python_zygote as zygote
zygote.warm_botocore(["s3", "glue"])
import boto3
from botocore import loaders
from botocore.config import Config
counts = {"loads": 0, "listdir": 0, "argspec": 0}
load_file, listdir, argspec = loaders.JSONFileLoader._load_file, os.listdir, inspect.getfullargspec
def counted(name, original):
    def wrapper(*args, **kwargs):
        counts[name] += 1
        return original(*args, **kwargs)
    return wrapper
loaders.JSONFileLoader._load_file = counted("loads", load_file)
os.listdir = counted("listdir", listdir)
inspect.getfullargspec = counted("argspec", argspec)
session = boto3.session.Session(aws_access_key_id="a", aws_secret_access_key="b")
config = Config(retries={"mode": "standard", "max_attempts": 5})
s3 = session.client("s3", region_name="us-east-1", config=config)
glue = session.client("glue", region_name="us-east-1", config=config)
assert s3.can_paginate("list_objects_v2") and glue.can_paginate("get_partitions")
print(json.dumps(counts))
"""


def test_a_job_set_up_after_warming_parses_and_lists_nothing():
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT)], capture_output=True, text=True, check=True
    )
    counts = json.loads(out.stdout.strip().splitlines()[-1])
    assert (counts["loads"], counts["listdir"]) == (0, 0), out.stderr
    # Unmemoised, ~150 handler signatures are inspected; what is left are the few closures
    # boto3 makes anew for each session.
    assert counts["argspec"] < 20


def test_a_script_is_compiled_once_and_named_by_each_path(tmp_path, monkeypatch):
    source = "def fail():\n    raise ValueError('x')\n\nfail()\n"
    first, second = tmp_path / "a" / "job.py", tmp_path / "b" / "job.py"
    for path in (first, second):
        path.parent.mkdir()
        path.write_text(source)
    compiled = []
    monkeypatch.setattr(
        zygote, "compile", lambda *a, **k: compiled.append(a) or compile(*a, **k), raising=False
    )
    one, two = zygote.script_code(str(first)), zygote.script_code(str(second))
    assert len(compiled) == 1
    with pytest.raises(ValueError) as raised:
        exec(two, {"__name__": "__main__"})
    assert [frame.filename for frame in traceback.extract_tb(raised.value.__traceback__)][-2:] == [
        str(second),
        str(second),
    ]
    assert one.co_filename == str(first)


def test_an_unreadable_script_is_left_to_the_child(tmp_path):
    (tmp_path / "bad.py").write_text("def (:\n")
    assert zygote.script_code(str(tmp_path / "bad.py")) is None
    assert zygote.script_code(str(tmp_path / "missing.py")) is None
