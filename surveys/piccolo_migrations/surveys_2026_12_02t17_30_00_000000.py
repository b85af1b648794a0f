"""The counts the forms need of the workbook's new fields (issue 10): by disability type,
repeaters, MN two sessions, Vietnamese preparation, relapse by level.

Appended to commune_age_count in the order of surveys.rollup.sql.CONDITIONS (the save function
builds rows of the table's type from that order). Every stored row predates the fields, so 0 is
the right value for all of them: no rebuild needed."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-12-02T17:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "commune_age_count: counts of the workbook's fields"

COLUMNS = (
    "disabled_type_mobility", "disabled_type_hearing_speech", "disabled_type_vision",
    "disabled_type_neuro_mental", "disabled_type_intellectual", "disabled_type_learning",
    "disabled_type_autism", "disabled_type_other", "repeaters", "mn_two_sessions", "mn_vn_prep",
    "relapse_lit1", "relapse_lit2",
)
SQL = "ALTER TABLE commune_age_count " + ", ".join(
    f"ADD COLUMN IF NOT EXISTS {c} integer NOT NULL DEFAULT 0" for c in COLUMNS
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="surveys", description=DESCRIPTION)

    async def run():
        await DB.run_ddl(SQL)

    manager.add_raw(run)
    return manager
