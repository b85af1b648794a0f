import os

from piccolo.conf.apps import AppConfig

from geo.tables import GeoShape, GeoVersion

APP_CONFIG = AppConfig(
    app_name="geo",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[GeoShape, GeoVersion],
    migration_dependencies=["pcgd.units.piccolo_app"],
)
