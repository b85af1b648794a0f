"""Cache generations: triggers bump a topic's counter whenever the tables behind it change."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pcgd.piccolo_conf import DB

ID = "2026-12-01T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "cache_generation table and the triggers that bump it"

# topic → tables whose changes make the cached copies of that topic stale (pcgd.ops.caches).
TOPICS = {
    "users": ("user_account",),
    "units": ("admin_unit", "unit_succession"),
    "schools": ("school",),
}

SQL = [
    """
    CREATE TABLE IF NOT EXISTS cache_generation (
        topic varchar(40) PRIMARY KEY,
        generation bigint NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE OR REPLACE FUNCTION pcgd_bump_cache_generation() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO cache_generation AS g (topic, generation) VALUES (TG_ARGV[0], 1)
        ON CONFLICT (topic) DO UPDATE SET generation = g.generation + 1;
        RETURN NULL;
    END
    $$
    """,
]
for topic, tables in TOPICS.items():
    SQL.append(
        f"INSERT INTO cache_generation (topic) VALUES ('{topic}') ON CONFLICT DO NOTHING"
    )
    for table in tables:
        SQL.append(f"DROP TRIGGER IF EXISTS {table}_cache_generation ON {table}")
        SQL.append(
            f"CREATE TRIGGER {table}_cache_generation AFTER INSERT OR UPDATE OR DELETE OR"
            f" TRUNCATE ON {table} FOR EACH STATEMENT"
            f" EXECUTE FUNCTION pcgd_bump_cache_generation('{topic}')"
        )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ops", description=DESCRIPTION)

    async def run():
        for statement in SQL:
            await DB.run_ddl(statement)

    manager.add_raw(run)
    return manager
