"""Cross-commune mover links as proposals the other commune confirms (issue 8)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-12-02T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "mover_link_proposal"

SQL = """
CREATE TABLE IF NOT EXISTS mover_link_proposal (
    id serial PRIMARY KEY,
    year integer NOT NULL,
    out_row integer NOT NULL REFERENCES person_year (id) ON DELETE CASCADE,
    in_row integer NOT NULL REFERENCES person_year (id) ON DELETE CASCADE,
    out_commune integer NOT NULL REFERENCES admin_unit (id),
    in_commune integer NOT NULL REFERENCES admin_unit (id),
    awaiting_commune integer NOT NULL REFERENCES admin_unit (id),
    match varchar(20) NOT NULL DEFAULT 'name',
    status varchar(10) NOT NULL DEFAULT 'pending',
    created_at timestamptz NOT NULL,
    created_by integer,
    decided_at timestamptz,
    decided_by integer,
    CONSTRAINT mover_link_proposal_status_ck
        CHECK (status IN ('pending', 'confirmed', 'refused'))
);
CREATE UNIQUE INDEX IF NOT EXISTS mover_link_proposal_pair
    ON mover_link_proposal (out_row, in_row);
CREATE INDEX IF NOT EXISTS mover_link_proposal_out_commune
    ON mover_link_proposal (out_commune, year);
CREATE INDEX IF NOT EXISTS mover_link_proposal_in_commune
    ON mover_link_proposal (in_commune, year);
CREATE INDEX IF NOT EXISTS mover_link_proposal_in_row ON mover_link_proposal (in_row)
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="surveys", description=DESCRIPTION)

    async def run():
        for statement in SQL.split(";"):
            if statement.strip():
                await DB.run_ddl(statement)

    manager.add_raw(run)
    return manager
