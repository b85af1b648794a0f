"""Stored unit boundaries (imported or schematic) and the version counter map caches follow."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-12-02T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "geo_shape and geo_version"

STATEMENTS = [
    """
    CREATE TABLE IF NOT EXISTS geo_shape (
        id serial PRIMARY KEY,
        unit integer NOT NULL UNIQUE REFERENCES admin_unit (id) ON DELETE CASCADE,
        geom bytea NOT NULL,
        schematic boolean NOT NULL,
        source text NOT NULL DEFAULT '',
        updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX IF NOT EXISTS geo_shape_schematic ON geo_shape (schematic)",
    """
    CREATE TABLE IF NOT EXISTS geo_version (
        id integer PRIMARY KEY CHECK (id = 1),
        version bigint NOT NULL DEFAULT 0
    )
    """,
    "INSERT INTO geo_version (id, version) VALUES (1, 0) ON CONFLICT DO NOTHING",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="geo", description=DESCRIPTION)

    async def run():
        for sql in STATEMENTS:
            await DB.run_ddl(sql)

    manager.add_raw(run)
    return manager
