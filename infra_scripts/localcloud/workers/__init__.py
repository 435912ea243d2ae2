"""Processes the local cloud runs code in: the warm interpreter and its zygote (Glue
scripts), and the Lambda worker.

They are started by path (``python <file>``), so :data:`WORKERS_DIR` says where they are.
"""

from pathlib import Path

WORKERS_DIR = Path(__file__).resolve().parent
