"""SMS gateway: send a templated message."""

from integrations.sms.client import SmsClient
from integrations.sms.schemas import SmsReceipt

__all__ = ["SmsClient", "SmsReceipt"]
