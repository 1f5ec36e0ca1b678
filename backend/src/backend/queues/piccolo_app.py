import os

from piccolo.conf.apps import AppConfig

from backend.queues.tables import (
    QueueBooking,
    QueueCounter,
    QueueDayCounter,
    QueueEvent,
    QueueHall,
    QueueHallStaff,
    QueueService,
    QueueSlot,
    QueueTicket,
)

APP_CONFIG = AppConfig(
    app_name="queues",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        QueueHall,
        QueueService,
        QueueCounter,
        QueueHallStaff,
        QueueSlot,
        QueueBooking,
        QueueDayCounter,
        QueueTicket,
        QueueEvent,
    ],
)
