import os

from piccolo.conf.apps import AppConfig

from pcgd.units.tables import AdminUnit, CommuneYearFlag, Hamlet, UnitSuccession

APP_CONFIG = AppConfig(
    app_name="units",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[AdminUnit, UnitSuccession, Hamlet, CommuneYearFlag],
)
