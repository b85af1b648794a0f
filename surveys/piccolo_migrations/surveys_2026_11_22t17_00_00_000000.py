"""Index the self-reference person_year.linked: deleting a row must not scan the table."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-11-22T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "index person_year.linked"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="surveys", description=DESCRIPTION)

    async def run():
        await DB.run_ddl(
            "CREATE INDEX IF NOT EXISTS person_year_linked ON person_year (linked)"
            " WHERE linked IS NOT NULL"
        )

    manager.add_raw(run)
    return manager
