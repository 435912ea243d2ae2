"""The ImportError of the Spark-only modules of ``awsglue``."""

from __future__ import annotations


def refuse(module: str) -> ImportError:
    return ImportError(
        f"{module} needs Spark: Glue Spark (glueetl) jobs do not run in the local cloud, only "
        "Python shell jobs, which have awsglue.utils (getResolvedOptions) alone. Run Spark "
        "jobs with target=aws."
    )
