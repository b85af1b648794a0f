"""Where a change came from (route, import file, fix): the audit trail on screen shows it.

The default reads the transaction's `pcgd.source` setting, so entries the server-side save
writes get the source its caller set (pcgd.audit.service.set_source).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-12-02T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_entry source"

SQL = """
ALTER TABLE audit_entry ADD COLUMN IF NOT EXISTS source text NOT NULL
    DEFAULT coalesce(current_setting('pcgd.source', true), '');
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)

    async def run():
        for statement in SQL.split(";"):
            if statement.strip():
                await DB.run_ddl(statement)

    manager.add_raw(run)
    return manager
