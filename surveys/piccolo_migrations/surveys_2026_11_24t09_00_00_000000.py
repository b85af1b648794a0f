"""Finding movers by destination: moved-out rows that name the commune they went to."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-11-24T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "person_year moved_to_commune index"

SQL = """
CREATE INDEX IF NOT EXISTS person_year_moved_to ON person_year (moved_to_commune, year)
    WHERE moved_to_commune IS NOT NULL
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="surveys", description=DESCRIPTION)

    async def run():
        await DB.run_ddl(SQL)

    manager.add_raw(run)
    return manager
