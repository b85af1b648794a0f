"""The official workbook's facts the forms count (issue 10): disability types and certificate,
repeaters, two sessions a day, Vietnamese-language preparation, relapse into illiteracy, religion,
priority group and phone. Constant defaults: PostgreSQL adds the columns without a rewrite."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-12-02T17:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "roll fields of the official workbook"

SQL = """
ALTER TABLE person
    ADD COLUMN IF NOT EXISTS religion varchar(50) NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS phone varchar(20) NOT NULL DEFAULT '';
ALTER TABLE person_year
    ADD COLUMN IF NOT EXISTS disability_types varchar(120) NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS disability_certificate boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS repeating boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS two_sessions boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS vn_prep boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS relapse_level smallint,
    ADD COLUMN IF NOT EXISTS priority_group varchar(50) NOT NULL DEFAULT ''
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="surveys", description=DESCRIPTION)

    async def run():
        for statement in SQL.split(";"):
            if statement.strip():
                await DB.run_ddl(statement)

    manager.add_raw(run)
    return manager
