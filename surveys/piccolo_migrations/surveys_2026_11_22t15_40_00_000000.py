"""Constraints and indexes Piccolo's table classes cannot express."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-11-22T15:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "constraints and indexes"

SQL = """
CREATE UNIQUE INDEX household_key ON household (commune, year, household_code);
CREATE INDEX household_hamlet ON household (hamlet);
CREATE INDEX person_year_household ON person_year (household, position);
CREATE INDEX person_year_commune_year ON person_year (commune, year);
CREATE INDEX person_year_person ON person_year (person, year);
CREATE UNIQUE INDEX person_year_counted_once ON person_year (person, year)
    WHERE movement NOT IN ('moved_out', 'deceased');
CREATE INDEX person_name_key ON person (name_key);
CREATE UNIQUE INDEX survey_period_key ON survey_period (commune, year);
ALTER TABLE person_year ADD CONSTRAINT person_year_disability_ck
    CHECK (disability IN ('', 'able', 'unable'));
ALTER TABLE person_year ADD CONSTRAINT person_year_movement_ck
    CHECK (movement IN ('', 'moved_in', 'moved_out', 'deceased'));
ALTER TABLE person ADD CONSTRAINT person_sex_ck CHECK (sex IN ('M', 'F'));
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="surveys", description=DESCRIPTION)

    async def run():
        for statement in SQL.split(";"):
            if statement.strip():
                await DB.run_ddl(statement)

    manager.add_raw(run)
    return manager
