import os

from piccolo.conf.apps import AppConfig

from backend.scanner.tables import ScannerDevice

APP_CONFIG = AppConfig(
    app_name="scanner",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[ScannerDevice],
)
