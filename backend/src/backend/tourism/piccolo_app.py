import os

from piccolo.conf.apps import AppConfig

from backend.tourism.tables import (
    TourismGateScan,
    TourismHold,
    TourismProduct,
    TourismSlot,
    TourismSpot,
    TourismStock,
    TourismTicket,
    TourismVisitor,
    TourismWaiter,
)

APP_CONFIG = AppConfig(
    app_name="tourism",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        TourismSpot,
        TourismProduct,
        TourismSlot,
        TourismStock,
        TourismVisitor,
        TourismHold,
        TourismTicket,
        TourismGateScan,
        TourismWaiter,
    ],
)
