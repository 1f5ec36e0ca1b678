import os

from piccolo.conf.apps import AppConfig

from backend.warning.tables import (
    WarningDelivery,
    WarningFanout,
    WarningPublisher,
    WarningSubscription,
    WarningWarning,
)

APP_CONFIG = AppConfig(
    app_name="warning",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[WarningPublisher, WarningWarning, WarningSubscription, WarningFanout, WarningDelivery],
)
