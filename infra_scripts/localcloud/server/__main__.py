"""``python -m infra_scripts.localcloud.server``: the local cloud in the foreground."""

from infra_scripts.localcloud.server.front import main

raise SystemExit(main())
