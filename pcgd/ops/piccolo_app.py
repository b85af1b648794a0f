import os

from piccolo.conf.apps import AppConfig

from pcgd.ops.tables import CacheGeneration

APP_CONFIG = AppConfig(
    app_name="ops",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[CacheGeneration],
    migration_dependencies=[
        "pcgd.units.piccolo_app",
        "pcgd.accounts.piccolo_app",
        "pcgd.registry.piccolo_app",
    ],
)
