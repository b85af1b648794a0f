import os

from piccolo.conf.apps import AppConfig

from surveys.tables import Household, MoverLinkProposal, Person, PersonYear, SurveyPeriod

APP_CONFIG = AppConfig(
    app_name="surveys",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Household, Person, PersonYear, SurveyPeriod, MoverLinkProposal],
    migration_dependencies=["pcgd.units.piccolo_app"],
)
