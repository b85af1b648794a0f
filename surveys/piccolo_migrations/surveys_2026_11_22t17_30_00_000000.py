"""Change stamps: what lets evaluation results be cached and reused safely."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-11-22T17:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "commune change stamps"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="surveys", description=DESCRIPTION)

    async def run():
        await DB.run_ddl(
            "CREATE TABLE IF NOT EXISTS change_stamp ("
            " commune integer NOT NULL, year integer NOT NULL, stamp bigint NOT NULL DEFAULT 0,"
            " PRIMARY KEY (commune, year))"
        )

    manager.add_raw(run)
    return manager
