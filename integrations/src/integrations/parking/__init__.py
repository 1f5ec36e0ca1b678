"""The city's parking gate platform (智慧停车): the lots' entry and exit events by cursor, exit
clearances for paid stays (once, under an idempotency key), and Chinese plate numbers."""

from integrations.parking.client import ParkingGateClient
from integrations.parking.plates import is_valid_plate, mask_plate, normalise_plate
from integrations.parking.schemas import Clearance, ClearanceAnswer, GateEvent, GateEventKind
from integrations.parking.twin import SANDBOX_LOTS

__all__ = [
    "SANDBOX_LOTS",
    "Clearance",
    "ClearanceAnswer",
    "GateEvent",
    "GateEventKind",
    "ParkingGateClient",
    "is_valid_plate",
    "mask_plate",
    "normalise_plate",
]
