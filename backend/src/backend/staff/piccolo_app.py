import os

from piccolo.conf.apps import AppConfig

from backend.staff.tables import StaffAccount, StaffRecoveryCode, StaffTotp

APP_CONFIG = AppConfig(
    app_name="staff",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[StaffAccount, StaffTotp, StaffRecoveryCode],
)
