"""The per-commune, per-age indicator counts (see surveys/rollup/sql.py, which generated it)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-11-22T16:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "commune_age_count summary table"

SQL = """
CREATE TABLE commune_age_count (
    commune integer NOT NULL REFERENCES admin_unit (id) ON DELETE RESTRICT,
    year integer NOT NULL,
    age smallint NOT NULL,
    roll integer NOT NULL DEFAULT 0,
    ppc integer NOT NULL DEFAULT 0,
    ppc_d integer NOT NULL DEFAULT 0,
    mn_attending integer NOT NULL DEFAULT 0,
    mn_enrolled integer NOT NULL DEFAULT 0,
    mn_completed integer NOT NULL DEFAULT 0,
    grade1_plus integer NOT NULL DEFAULT 0,
    th_completed integer NOT NULL DEFAULT 0,
    th_completed_or_enrolled integer NOT NULL DEFAULT 0,
    lit1 integer NOT NULL DEFAULT 0,
    lit2 integer NOT NULL DEFAULT 0,
    thcs_graduated integer NOT NULL DEFAULT 0,
    studying integer NOT NULL DEFAULT 0,
    mn_group_ge3 integer NOT NULL DEFAULT 0,
    mn_group_ge4 integer NOT NULL DEFAULT 0,
    mn_group_ge5 integer NOT NULL DEFAULT 0,
    mn_attending_d integer NOT NULL DEFAULT 0,
    mn_enrolled_d integer NOT NULL DEFAULT 0,
    mn_completed_d integer NOT NULL DEFAULT 0,
    grade1_plus_d integer NOT NULL DEFAULT 0,
    th_completed_d integer NOT NULL DEFAULT 0,
    th_completed_or_enrolled_d integer NOT NULL DEFAULT 0,
    lit1_d integer NOT NULL DEFAULT 0,
    lit2_d integer NOT NULL DEFAULT 0,
    thcs_graduated_d integer NOT NULL DEFAULT 0,
    studying_d integer NOT NULL DEFAULT 0,
    mn_group_ge3_d integer NOT NULL DEFAULT 0,
    mn_group_ge4_d integer NOT NULL DEFAULT 0,
    mn_group_ge5_d integer NOT NULL DEFAULT 0,
    roll_female integer NOT NULL DEFAULT 0,
    roll_minority integer NOT NULL DEFAULT 0,
    roll_disabled integer NOT NULL DEFAULT 0,
    roll_disabled_able integer NOT NULL DEFAULT 0,
    roll_disabled_enrolled integer NOT NULL DEFAULT 0,
    roll_tam_tru integer NOT NULL DEFAULT 0,
    moved_in integer NOT NULL DEFAULT 0,
    moved_out integer NOT NULL DEFAULT 0,
    deceased integer NOT NULL DEFAULT 0,
    ppc_female integer NOT NULL DEFAULT 0,
    ppc_minority integer NOT NULL DEFAULT 0,
    enrolled integer NOT NULL DEFAULT 0,
    enrolled_here integer NOT NULL DEFAULT 0,
    enrolled_elsewhere integer NOT NULL DEFAULT 0,
    PRIMARY KEY (commune, year, age)
)
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="surveys", description=DESCRIPTION)

    async def run():
        await DB.run_ddl(SQL)

    manager.add_raw(run)
    return manager
