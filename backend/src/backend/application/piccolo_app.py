import os

from piccolo.conf.apps import AppConfig

from backend.application.tables import Application, ApplicationEvent, ApplicationMaterial, ApplicationReviewer

APP_CONFIG = AppConfig(
    app_name="application",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Application, ApplicationEvent, ApplicationMaterial, ApplicationReviewer],
)
