import os

from piccolo.conf.apps import AppConfig

from pcgd.accounts.tables import LoginThrottle, UserAccount, UserSession

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[UserAccount, UserSession, LoginThrottle],
    migration_dependencies=["pcgd.units.piccolo_app"],
)
