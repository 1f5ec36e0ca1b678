import os

from piccolo.conf.apps import AppConfig

from backend.datarights.tables import DataClosure, DataExport

APP_CONFIG = AppConfig(
    app_name="datarights",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[DataExport, DataClosure],
)
