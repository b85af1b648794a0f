"""Piccolo's configuration: the engine (its DSN is set at start-up by pcgd.db) and the apps."""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine

DB = PostgresEngine(config={}, extensions=())

APP_REGISTRY = AppRegistry(
    apps=[
        "pcgd.units.piccolo_app",
        "pcgd.accounts.piccolo_app",
        "pcgd.registry.piccolo_app",
        "surveys.piccolo_app",
        "pcgd.audit.piccolo_app",
        "geo.piccolo_app",
        "pcgd.ops.piccolo_app",
        "pcgd.workflow.piccolo_app",
    ]
)
