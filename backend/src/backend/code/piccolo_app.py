import os

from piccolo.conf.apps import AppConfig

from backend.code.tables import (
    CodeDevice,
    CodeHolder,
    CodeKey,
    CodeRevocation,
    CodeScan,
    CodeScanFlag,
    CodeTrustList,
)

APP_CONFIG = AppConfig(
    app_name="code",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[CodeKey, CodeTrustList, CodeHolder, CodeDevice, CodeRevocation, CodeScan, CodeScanFlag],
)
