import os

from piccolo.conf.apps import AppConfig

from backend.credit.tables import CreditObjection

APP_CONFIG = AppConfig(
    app_name="credit",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[CreditObjection],
)
