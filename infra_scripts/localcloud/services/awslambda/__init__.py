"""Lambda: Invoke runs the Python handler in a warm local worker process."""
