"""survey_period holds the approval-workflow state of a unit-year (issue 13).

One definition of the state: `draft` (was `open`), `submitted`, `returned`, `approved`,
`locked`. The column `commune` names the unit: a commune, or a district for the district's own
step in 3-tier years. The workflow domain sets it; surveys.gate reads it before every write.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-12-02T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "survey_period: workflow states"

SQL = """
UPDATE survey_period SET status = 'draft' WHERE status NOT IN
    ('draft', 'submitted', 'returned', 'approved', 'locked');
ALTER TABLE survey_period ALTER COLUMN status SET DEFAULT 'draft';
ALTER TABLE survey_period ADD COLUMN IF NOT EXISTS updated_by integer;
ALTER TABLE survey_period DROP CONSTRAINT IF EXISTS survey_period_status_ck;
ALTER TABLE survey_period ADD CONSTRAINT survey_period_status_ck
    CHECK (status IN ('draft', 'submitted', 'returned', 'approved', 'locked'))
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="surveys", description=DESCRIPTION)

    async def run():
        for statement in SQL.split(";"):
            if statement.strip():
                await DB.run_ddl(statement)

    manager.add_raw(run)
    return manager
