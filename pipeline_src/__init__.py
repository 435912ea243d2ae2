"""What runs in the cloud: the retail pipeline's code.

- ``schema`` — columns, types, value rules and reason codes (the one source of truth)
- ``readers``, ``validation``, ``handlers.validate_file`` — the ValidateFile Lambda (stdlib +
  openpyxl)
- ``etl`` — the Glue Python-shell job (extract → transform → load, pyarrow, Python 3.9)
- ``statemachine`` — ``pipeline.asl.json`` and its renderer; ``events`` — the rule's input
- ``notifications``, ``handlers.notify`` — the mails to the shop owner
- ``naming`` — every output key, derived from the uploaded object's key
- ``sql`` — Athena and Redshift queries
"""
