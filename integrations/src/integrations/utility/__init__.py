"""The utilities' billing system (公共事業繳費): water, electricity and gas accounts, their bills,
and the payment advice that settles a bill (once, under an idempotency key)."""

from integrations.utility.client import ACCOUNT_NO, UtilityClient
from integrations.utility.schemas import (
    PaymentAdvice,
    UtilityAccount,
    UtilityBill,
    UtilityKind,
    UtilityReceipt,
)
from integrations.utility.twin import sandbox_account_no

__all__ = [
    "ACCOUNT_NO",
    "PaymentAdvice",
    "UtilityAccount",
    "UtilityBill",
    "UtilityClient",
    "UtilityKind",
    "UtilityReceipt",
    "sandbox_account_no",
]
