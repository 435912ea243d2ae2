"""The Glue Python-shell job: extract → transform → load one uploaded sales file.

Runs on Glue's Python 3.9 runtime with its analytics library set (pyarrow, numpy, boto3);
``job.py`` is the entry script, the ``pipeline_src`` package comes as ``--extra-py-files``.
"""
