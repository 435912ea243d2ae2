"""Spark-only on Glue: importing it fails in the local cloud."""

from ._spark import refuse

raise refuse("awsglue.context")
