"""One handler per Athena statement kind; each returns a :class:`StatementResult`.

Queries (SELECT/WITH/VALUES, CTAS, UNLOAD, INSERT, CREATE VIEW) are in :mod:`.queries`, DDL
over the Glue Data Catalog in :mod:`.ddl`, SHOW / DESCRIBE in :mod:`.utility`, PREPARE /
EXECUTE / DEALLOCATE PREPARE in :mod:`.prepared`.
"""

from __future__ import annotations

from collections.abc import Callable

from infra_scripts.localcloud.services.athena.context import StatementContext, StatementResult
from infra_scripts.localcloud.services.athena.ddl import (
    run_add_columns,
    run_add_partition,
    run_create_database,
    run_create_table,
    run_drop_database,
    run_drop_partition,
    run_drop_table,
    run_msck,
    run_rename_table,
    run_replace_columns,
    run_set_dbproperties,
    run_set_location,
    run_set_tblproperties,
)
from infra_scripts.localcloud.services.athena.prepared import (
    run_deallocate,
    run_execute,
    run_prepare,
)
from infra_scripts.localcloud.services.athena.queries import (
    run_create_view,
    run_ctas,
    run_drop_view,
    run_insert,
    run_modify_rows,
    run_select,
    run_unload,
)
from infra_scripts.localcloud.services.athena.utility import (
    run_describe,
    run_show_columns,
    run_show_create_table,
    run_show_create_view,
    run_show_databases,
    run_show_partitions,
    run_show_tables,
    run_show_tblproperties,
    run_show_views,
)

HANDLERS: dict[str, Callable[[StatementContext], StatementResult]] = {
    "select": run_select,
    "ctas": run_ctas,
    "unload": run_unload,
    "insert": run_insert,
    "modify_rows": run_modify_rows,
    "create_view": run_create_view,
    "drop_view": run_drop_view,
    "create_database": run_create_database,
    "drop_database": run_drop_database,
    "create_table": run_create_table,
    "drop_table": run_drop_table,
    "msck": run_msck,
    "add_partition": run_add_partition,
    "drop_partition": run_drop_partition,
    "set_tblproperties": run_set_tblproperties,
    "add_columns": run_add_columns,
    "set_location": run_set_location,
    "rename_table": run_rename_table,
    "replace_columns": run_replace_columns,
    "set_dbproperties": run_set_dbproperties,
    "show_tblproperties": run_show_tblproperties,
    "show_databases": run_show_databases,
    "show_tables": run_show_tables,
    "show_views": run_show_views,
    "show_partitions": run_show_partitions,
    "show_columns": run_show_columns,
    "describe": run_describe,
    "show_create_table": run_show_create_table,
    "show_create_view": run_show_create_view,
    "prepare": run_prepare,
    "deallocate": run_deallocate,
    "execute": lambda ctx: run_execute(ctx, HANDLERS),
}


__all__ = ["HANDLERS", "StatementContext", "StatementResult"]
