"""Tools for working on the kit itself (not used by the pipeline or the local cloud)."""
