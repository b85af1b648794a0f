"""Constraints and indexes Piccolo's table classes cannot express."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-11-22T15:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "constraints and indexes"

SQL = """
CREATE INDEX school_commune ON school (commune);
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def run():
        for statement in SQL.split(";"):
            if statement.strip():
                await DB.run_ddl(statement)

    manager.add_raw(run)
    return manager
