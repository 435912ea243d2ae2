"""``python -m infra_scripts.localcloud.server``: the local cloud in the foreground."""

from infra_scripts.localcloud.server.app import main

raise SystemExit(main())
