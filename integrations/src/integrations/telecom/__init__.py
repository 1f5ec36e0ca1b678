"""Operators' real-name check (运营商实名核验): is a mobile number registered to this person?"""

from integrations.telecom.client import TelecomClient
from integrations.telecom.schemas import Carrier, CheckOutcome, MobileCheck, carrier_of

__all__ = ["Carrier", "CheckOutcome", "MobileCheck", "TelecomClient", "carrier_of"]
