"""Hotels' property-management systems (酒店PMS): self check-in, answered with a room and the door's
key code (once per booking, under an idempotency key)."""

from integrations.hotelpms.client import HOTEL_CODE, HotelPmsClient
from integrations.hotelpms.schemas import CheckIn, RoomKey
from integrations.hotelpms.twin import SANDBOX_HOTELS

__all__ = ["HOTEL_CODE", "SANDBOX_HOTELS", "CheckIn", "HotelPmsClient", "RoomKey"]
