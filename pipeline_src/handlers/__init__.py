"""Lambda handlers: thin adapters from events to the pure functions of ``pipeline_src``."""
