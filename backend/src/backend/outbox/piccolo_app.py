import os

from piccolo.conf.apps import AppConfig

from backend.outbox.tables import OutboxJob

APP_CONFIG = AppConfig(
    app_name="outbox",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[OutboxJob],
)
