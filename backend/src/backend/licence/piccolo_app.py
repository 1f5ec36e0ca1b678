import os

from piccolo.conf.apps import AppConfig

from backend.licence.tables import (
    LicenceCard,
    LicenceKey,
    LicenceLogEntry,
    LicenceRecord,
    LicenceRequest,
    LicenceSync,
    LicenceVerifier,
)

APP_CONFIG = AppConfig(
    app_name="licence",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        LicenceRecord,
        LicenceKey,
        LicenceVerifier,
        LicenceRequest,
        LicenceLogEntry,
        LicenceSync,
        LicenceCard,
    ],
)
