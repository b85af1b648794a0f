"""The approval workflow's tables (the state column itself is surveys' survey_period)."""

import os

from piccolo.conf.apps import AppConfig

from pcgd.workflow.tables import (
    RecognitionDecision,
    UnlockRequest,
    WorkflowIssue,
    WorkflowPeriod,
    WorkflowTransition,
)

APP_CONFIG = AppConfig(
    app_name="workflow",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        WorkflowTransition, WorkflowIssue, RecognitionDecision, UnlockRequest, WorkflowPeriod,
    ],
    migration_dependencies=[
        "surveys.piccolo_app", "pcgd.units.piccolo_app", "pcgd.ops.piccolo_app",
    ],
)
