import os

from piccolo.conf.apps import AppConfig

from backend.utility.tables import UtilityAccountLink, UtilityPayment

APP_CONFIG = AppConfig(
    app_name="utility",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[UtilityAccountLink, UtilityPayment],
)
