"""SMS gateway: send a templated message."""

from integrations.sms.client import SmsClient
from integrations.sms.schemas import BATCH_LIMIT, BatchItem, BatchResult, SmsReceipt

__all__ = ["BATCH_LIMIT", "BatchItem", "BatchResult", "SmsClient", "SmsReceipt"]
