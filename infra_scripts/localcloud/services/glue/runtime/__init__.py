"""What the Glue Python-shell runtime puts on a script's import path besides the libraries.

This folder (not the package) is on ``sys.path`` of every local Glue run: it holds the
local ``awsglue`` package (``awsglue.utils.getResolvedOptions``), written for the local cloud.
"""

from pathlib import Path

RUNTIME_PATH = Path(__file__).resolve().parent
