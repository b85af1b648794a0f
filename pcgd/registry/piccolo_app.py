import os

from piccolo.conf.apps import AppConfig

from pcgd.registry.tables import Facility, Learner, School, SchoolClass, Staff

APP_CONFIG = AppConfig(
    app_name="registry",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[School, SchoolClass, Staff, Facility, Learner],
    migration_dependencies=["pcgd.units.piccolo_app"],
)
