"""Constraints and indexes Piccolo's table classes cannot express."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-11-22T15:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "constraints and indexes"

SQL = """
CREATE UNIQUE INDEX admin_unit_code_kind_from ON admin_unit (code, kind, coalesce(valid_from, '1900-01-01'));
CREATE INDEX admin_unit_parent ON admin_unit (parent);
CREATE UNIQUE INDEX unit_succession_pair ON unit_succession (old_unit, new_unit);
CREATE UNIQUE INDEX hamlet_commune_name ON hamlet (commune, name);
CREATE UNIQUE INDEX commune_year_flag_key ON commune_year_flag (commune, year);
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="units", description=DESCRIPTION)

    async def run():
        for statement in SQL.split(";"):
            if statement.strip():
                await DB.run_ddl(statement)

    manager.add_raw(run)
    return manager
