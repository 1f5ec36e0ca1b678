import os

from piccolo.conf.apps import AppConfig

from backend.citizen.tables import Citizen, ReclaimFollowUp

APP_CONFIG = AppConfig(
    app_name="citizen",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Citizen, ReclaimFollowUp],
)
