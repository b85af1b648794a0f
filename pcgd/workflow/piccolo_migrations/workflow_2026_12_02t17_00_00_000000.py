"""The workflow tables (issue 13); a change of a unit-year's state bumps the "workflow"
cache generation (pcgd.ops.caches), so every worker forgets the rolls it saw open."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-12-02T17:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "workflow tables"

SQL = """
CREATE TABLE IF NOT EXISTS workflow_transition (
    id serial PRIMARY KEY,
    unit integer NOT NULL REFERENCES admin_unit (id),
    year integer NOT NULL,
    action varchar(20) NOT NULL,
    from_state varchar(12) NOT NULL,
    to_state varchar(12) NOT NULL,
    at timestamptz NOT NULL,
    user_id integer,
    username varchar(100) NOT NULL DEFAULT '',
    reason text NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS workflow_transition_unit ON workflow_transition (unit, year, at);
CREATE TABLE IF NOT EXISTS workflow_issue (
    id serial PRIMARY KEY,
    unit integer NOT NULL REFERENCES admin_unit (id),
    year integer NOT NULL,
    household_id integer,
    person_id integer,
    criterion varchar(40) NOT NULL DEFAULT '',
    text text NOT NULL,
    status varchar(10) NOT NULL DEFAULT 'open',
    answer text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    created_by varchar(100) NOT NULL DEFAULT '',
    answered_at timestamptz,
    answered_by varchar(100) NOT NULL DEFAULT '',
    resolved_at timestamptz,
    CONSTRAINT workflow_issue_status_ck CHECK (status IN ('open', 'answered', 'resolved'))
);
CREATE INDEX IF NOT EXISTS workflow_issue_unit ON workflow_issue (unit, year, status);
CREATE INDEX IF NOT EXISTS workflow_issue_household ON workflow_issue (household_id)
    WHERE household_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS recognition_decision (
    id serial PRIMARY KEY,
    unit integer NOT NULL REFERENCES admin_unit (id),
    year integer NOT NULL,
    number varchar(60) NOT NULL,
    decision_date date NOT NULL,
    signer varchar(200) NOT NULL,
    levels jsonb NOT NULL,
    evaluation jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    created_by varchar(100) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS recognition_decision_key ON recognition_decision (unit, year);
CREATE TABLE IF NOT EXISTS unlock_request (
    id serial PRIMARY KEY,
    unit integer NOT NULL REFERENCES admin_unit (id),
    year integer NOT NULL,
    reason text NOT NULL,
    status varchar(10) NOT NULL DEFAULT 'pending',
    requested_at timestamptz NOT NULL,
    requested_by varchar(100) NOT NULL DEFAULT '',
    decided_at timestamptz,
    decided_by varchar(100) NOT NULL DEFAULT '',
    answer text NOT NULL DEFAULT '',
    CONSTRAINT unlock_request_status_ck CHECK (status IN ('pending', 'granted', 'refused'))
);
CREATE INDEX IF NOT EXISTS unlock_request_unit ON unlock_request (unit, year);
CREATE TABLE IF NOT EXISTS workflow_period (
    id serial PRIMARY KEY,
    province integer NOT NULL REFERENCES admin_unit (id),
    year integer NOT NULL,
    entry_from date NOT NULL,
    entry_to date NOT NULL,
    commune_deadline date NOT NULL,
    district_deadline date NOT NULL,
    province_deadline date NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by varchar(100) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS workflow_period_key ON workflow_period (province, year);
INSERT INTO cache_generation (topic) VALUES ('workflow') ON CONFLICT DO NOTHING;
DROP TRIGGER IF EXISTS survey_period_cache_generation ON survey_period;
CREATE TRIGGER survey_period_cache_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON survey_period FOR EACH STATEMENT
    EXECUTE FUNCTION pcgd_bump_cache_generation('workflow')
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run():
        for statement in SQL.split(";"):
            if statement.strip():
                await DB.run_ddl(statement)

    manager.add_raw(run)
    return manager
