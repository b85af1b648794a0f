"""Per-user audit look-ups (the personal-ID lookup quota reads them)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-12-02T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_entry user index"

SQL = """
CREATE INDEX IF NOT EXISTS audit_entry_user_action ON audit_entry (user_id, action, at)
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)

    async def run():
        await DB.run_ddl(SQL)

    manager.add_raw(run)
    return manager
