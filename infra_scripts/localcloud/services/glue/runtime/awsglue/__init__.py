"""The local cloud's ``awsglue`` for Glue Python-shell scripts (our own, Spark-free code).

Glue puts an ``awsglue`` package on every job script's path; a Python-shell script uses
:func:`awsglue.utils.getResolvedOptions` to read its ``--NAME value`` arguments. Only that
part exists here: the Spark modules (``awsglue.context``, ``awsglue.job``,
``awsglue.dynamicframe``, ``awsglue.transforms``) raise ImportError, because Spark
(``glueetl``) jobs do not run in the local cloud.
"""
