"""Sample sales data: the bookstore catalogue, a streaming generator and a bad-file corpus.

- ``generate.generate(GenerateOptions(...))``: N rows as CSV, JSON, JSON Lines or XLSX, seeded
  and streaming (``python -m infra_scripts.sampledata generate --rows 10M --out /tmp/x``).
- ``seed_files.write_seed_files(root)``: the committed ``sample_data/seed`` and ``extended``.
- ``bad_files.write_bad_corpus(dir)``: ``sample_data/bad`` and its ``manifest.json``.
- ``reason_codes``: the machine-readable reasons a file or a row is rejected.
- ``cli.add_cli(subparsers)``: the ``retailkit sample-data`` command.
"""
