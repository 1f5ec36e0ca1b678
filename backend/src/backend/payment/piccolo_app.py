import os

from piccolo.conf.apps import AppConfig

from backend.payment.tables import (
    PaymentDiscrepancy,
    PaymentEvent,
    PaymentOrder,
    PaymentReconciliation,
    PaymentRefund,
)

APP_CONFIG = AppConfig(
    app_name="payment",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        PaymentOrder,
        PaymentEvent,
        PaymentRefund,
        PaymentDiscrepancy,
        PaymentReconciliation,
    ],
)
