import os

from piccolo.conf.apps import AppConfig

from backend.guidance.tables import GuidanceAlias, GuidanceFaq, GuidanceMiss

APP_CONFIG = AppConfig(
    app_name="guidance",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[GuidanceAlias, GuidanceFaq, GuidanceMiss],
)
