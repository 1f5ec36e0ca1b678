import os

from piccolo.conf.apps import AppConfig

from backend.notification.tables import NotificationGrant, NotificationMessage, NotificationPreference

APP_CONFIG = AppConfig(
    app_name="notification",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[NotificationMessage, NotificationGrant, NotificationPreference],
)
