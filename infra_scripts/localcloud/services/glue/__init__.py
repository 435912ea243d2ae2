"""Glue: Python-shell job runs forked from a warm interpreter, with real run states."""
