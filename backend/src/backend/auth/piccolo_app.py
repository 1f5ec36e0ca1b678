import os

from piccolo.conf.apps import AppConfig

from backend.auth.tables import RefreshToken, SigningKey

APP_CONFIG = AppConfig(
    app_name="auth",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[SigningKey, RefreshToken],
)
