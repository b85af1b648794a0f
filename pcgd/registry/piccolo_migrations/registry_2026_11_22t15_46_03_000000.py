"""Keys, indexes and checks of the registry tables that Piccolo's table classes cannot express."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-11-22T15:46:03:000000"
VERSION = "1.38.0"
DESCRIPTION = "registry keys and indexes"

SQL = """
CREATE UNIQUE INDEX school_class_key ON school_class (school, year, name);
CREATE INDEX school_class_year ON school_class (year, school);
CREATE INDEX school_staff_school_year ON school_staff (school, year);
CREATE UNIQUE INDEX school_facility_key ON school_facility (school, year, room_type, level);
CREATE INDEX learner_school_year ON learner (school, year);
CREATE INDEX learner_year_personal_id ON learner (year, personal_id)
    WHERE personal_id IS NOT NULL;
CREATE INDEX learner_year_name_birth ON learner (year, name_key, birth_date);
CREATE INDEX learner_home_commune ON learner (home_commune, year);
ALTER TABLE school_class ADD CONSTRAINT school_class_level_ck
    CHECK (level IN ('MN', 'TH', 'THCS', 'THPT', 'GDTX', 'GDNN'));
ALTER TABLE learner ADD CONSTRAINT learner_level_ck
    CHECK (level IN ('MN', 'TH', 'THCS', 'THPT', 'GDTX', 'GDNN'));
ALTER TABLE school_staff ADD CONSTRAINT school_staff_role_ck
    CHECK (role IN ('teacher', 'principal', 'vice_principal', 'staff'));
ALTER TABLE school_facility ADD CONSTRAINT school_facility_count_ck CHECK (count >= 0);
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def run():
        for statement in SQL.split(";"):
            if statement.strip():
                await DB.run_ddl(statement)

    manager.add_raw(run)
    return manager
