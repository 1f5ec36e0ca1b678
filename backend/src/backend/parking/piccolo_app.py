import os

from piccolo.conf.apps import AppConfig

from backend.parking.tables import (
    ParkingBay,
    ParkingBucket,
    ParkingFeed,
    ParkingGateEvent,
    ParkingLot,
    ParkingPayment,
    ParkingPlate,
    ParkingReservation,
    ParkingStay,
)

APP_CONFIG = AppConfig(
    app_name="parking",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        ParkingLot,
        ParkingBay,
        ParkingBucket,
        ParkingPlate,
        ParkingReservation,
        ParkingStay,
        ParkingPayment,
        ParkingGateEvent,
        ParkingFeed,
    ],
)
