import os

from piccolo.conf.apps import AppConfig

from surveys.tables import Household, Person, PersonYear, SurveyPeriod

APP_CONFIG = AppConfig(
    app_name="surveys",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Household, Person, PersonYear, SurveyPeriod],
    migration_dependencies=["pcgd.units.piccolo_app"],
)
