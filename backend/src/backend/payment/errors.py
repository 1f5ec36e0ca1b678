"""The payment feature's errors.

NotFound (404)         OrderNotFound             payment.order_not_found
                       RefundNotFound            payment.refund_not_found
                       DiscrepancyNotFound       payment.discrepancy_not_found
Conflict (409)         PayerNotLinked            payment.payer_not_linked
                       OrderNotPayable           payment.order_not_payable (paid, closed or refunded)
                       OrderNotRefundable        payment.order_not_refundable
                       RefundExceedsPaid         payment.refund_exceeds_paid
                       DiscrepancyResolved       payment.discrepancy_resolved
Invalid (422)          AmountInvalid             payment.amount_invalid
                       ChannelUnavailable        payment.channel_unavailable (not configured here)
Unavailable (503)      PlatformUnavailable       payment.platform_unavailable
                       PlatformRejected          payment.platform_rejected

A notification the platforms send that we refuse (never answered as problem+json: each platform is
answered in its own format, with the code as the message):

Unauthenticated (401)  NotificationSignatureInvalid  payment.notification_signature_invalid
                       NotificationStale             payment.notification_stale
Invalid (422)          NotificationUndecryptable     payment.notification_undecryptable
                       NotificationMalformed         payment.notification_malformed
                       NotificationNotOurs           payment.notification_not_ours (app id / merchant)
                       NotificationAmountMismatch    payment.notification_amount_mismatch
NotFound (404)         NotificationOrderUnknown      payment.notification_order_unknown
"""

from __future__ import annotations

from backend.errors import Conflict, Invalid, NotFound, Unauthenticated, Unavailable
from backend.payment.records import DiscrepancyKind


class OrderNotFound(NotFound):
    code = "payment.order_not_found"
    detail = "You have no such payment order"


class RefundNotFound(NotFound):
    code = "payment.refund_not_found"
    detail = "No such refund"


class DiscrepancyNotFound(NotFound):
    code = "payment.discrepancy_not_found"
    detail = "No such payment discrepancy"


class PayerNotLinked(Conflict):
    """A mini-program channel pays as the citizen's linked platform user (its openid)."""

    code = "payment.payer_not_linked"
    detail = "Link your account on this platform's mini program before paying through it"


class OrderNotPayable(Conflict):
    code = "payment.order_not_payable"
    detail = "This order is paid, closed or refunded: it can't be paid again"


class OrderNotRefundable(Conflict):
    code = "payment.order_not_refundable"
    detail = "Only a paid order can be refunded"


class RefundExceedsPaid(Conflict):
    code = "payment.refund_exceeds_paid"
    detail = "The refunds of an order can't exceed what was paid"


class DiscrepancyResolved(Conflict):
    code = "payment.discrepancy_resolved"
    detail = "This discrepancy was resolved already"


class AmountInvalid(Invalid):
    code = "payment.amount_invalid"
    detail = "Amounts are whole fen, at least 1 and at most 10,000,000 (100,000 yuan)"


class ChannelUnavailable(Invalid):
    code = "payment.channel_unavailable"
    detail = "This payment channel is not configured"


class PlatformUnavailable(Unavailable):
    code = "payment.platform_unavailable"
    detail = "The payment platform can't be reached; nothing was charged, try again shortly"
    retry_after = 5


class PlatformRejected(Unavailable):
    """The platform refused a request we built: our configuration or a bug, not the citizen's."""

    code = "payment.platform_rejected"
    detail = "The payment platform refused the request"


class NotificationRefused(Invalid):
    """A notification that changes nothing: its code goes back to the platform as the message."""


class NotificationSignatureInvalid(Unauthenticated):
    code = "payment.notification_signature_invalid"
    detail = "The notification's signature is missing or wrong (tampered, or not from the platform)"


class NotificationStale(Unauthenticated):
    code = "payment.notification_stale"
    detail = "The notification is outside the platform's time window: a replay, not a retry"


class NotificationUndecryptable(NotificationRefused):
    code = "payment.notification_undecryptable"
    detail = "The notification's resource failed authenticated decryption"


class NotificationMalformed(NotificationRefused):
    code = "payment.notification_malformed"
    detail = "The notification is not in the platform's documented shape"


class NotificationNotOurs(NotificationRefused):
    code = "payment.notification_not_ours"
    detail = "The notification is for another merchant or app"


class NotificationAmountMismatch(NotificationRefused):
    code = "payment.notification_amount_mismatch"
    detail = "The notification's amount is not the order's: refused and raised to operators"


class NotificationOrderUnknown(NotFound):
    code = "payment.notification_order_unknown"
    detail = "The notification names no order of ours"


# What a feature's "pay" route can answer from placing its order: declared with ``*ORDER_ERRORS``.
ORDER_ERRORS = (
    PayerNotLinked,
    OrderNotPayable,
    AmountInvalid,
    ChannelUnavailable,
    PlatformUnavailable,
    PlatformRejected,
)


# Not answered to anyone: a payment the platform reports that settling can't record (PaymentService
# lists it as a discrepancy for operators and acknowledges the platform).


class Unrecorded(Exception):
    """A payment the platform reports that we can't record: listed for operators instead."""

    kind: DiscrepancyKind
    detail: str


class SecondPayment(Unrecorded):
    kind = "amount_mismatch"
    detail = "a second payment for an order that holds one"


class TransactionElsewhere(Unrecorded):
    # A platform never reuses a transaction id, so this is theirs or ours to look into.
    kind = "transaction_reused"
    detail = "the platform's transaction id is recorded on another order already"
