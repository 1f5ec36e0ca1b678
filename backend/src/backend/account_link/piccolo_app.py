import os

from piccolo.conf.apps import AppConfig

from backend.account_link.tables import PlatformLink

APP_CONFIG = AppConfig(
    app_name="account_link",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[PlatformLink],
)
