"""Operator helpers the notebooks call: upload, follow executions, read logs and mails."""
