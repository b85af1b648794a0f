"""Revocable server-side sessions and login throttling (issue 8)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-12-02T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "user_session, login_throttle"

SQL = """
CREATE TABLE IF NOT EXISTS user_session (
    id text PRIMARY KEY,
    user_id integer NOT NULL REFERENCES user_account (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    last_seen timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    address varchar(64) NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS user_session_user ON user_session (user_id) WHERE revoked_at IS NULL;
CREATE TABLE IF NOT EXISTS login_throttle (
    key varchar(200) PRIMARY KEY,
    failures integer NOT NULL DEFAULT 0,
    last_failure timestamptz NOT NULL,
    blocked_until timestamptz NOT NULL
)
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def run():
        for statement in SQL.split(";"):
            if statement.strip():
                await DB.run_ddl(statement)

    manager.add_raw(run)
    return manager
