"""The platforms' notifications: verified (signature, time window), decrypted, checked against our
order (app id and merchant by the adapter; amount here), and settled idempotently by the platform's
transaction id. Each refusal is a distinct error and changes nothing; a replay inside the window is
acknowledged (the platform's contract: a redelivery after success must be answered as a success, or
it is retried for a day) and changes nothing either."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Literal
from urllib.parse import parse_qsl

from backend.payment.errors import (
    NotificationAmountMismatch,
    NotificationMalformed,
    NotificationNotOurs,
    NotificationOrderUnknown,
    NotificationSignatureInvalid,
    NotificationStale,
    NotificationUndecryptable,
)
from backend.payment.platforms import PlatformRefund
from backend.payment.refunds import RefundService
from backend.payment.repository import OrderRow
from backend.payment.service import PaymentService
from integrations import SignatureRejected
from integrations.payments import MerchantMismatch, ResourceUndecryptable
from integrations.payments import NotificationMalformed as Malformed
from integrations.payments.wechatpay import RefundNotice

log = logging.getLogger("backend.payment")

Outcome = Literal["paid", "late", "duplicate", "refunded", "ignored", "not_payable"]


class PaymentNotifications:
    def __init__(self, *, payments: PaymentService, refunds: RefundService) -> None:
        self._payments = payments
        self._refunds = refunds

    async def wechatpay(self, headers: Mapping[str, str], body: bytes) -> Outcome:
        """A WeChat Pay v3 notification (``TRANSACTION.*`` or ``REFUND.*``), from its raw request."""
        wechat = self._payments.platforms.wechatpay
        if wechat is None:
            raise NotificationNotOurs()
        try:
            notification = wechat.parse_notification(headers, body)
        except (SignatureRejected, ResourceUndecryptable, Malformed, MerchantMismatch) as exc:
            await self._refused("wechatpay", exc)
            raise AssertionError("unreachable") from None
        resource = notification.resource
        if isinstance(resource, RefundNotice):
            status: Literal["succeeded", "failed"] = (
                "succeeded" if resource.refund_status == "SUCCESS" else "failed"
            )
            if resource.refund_status == "PROCESSING":
                return "ignored"
            changed = await self._refunds.settle(
                resource.out_refund_no,
                PlatformRefund(status=status, refund_id=resource.refund_id),
                source="notification",
            )
            return self._counted("wechatpay", "refunded" if changed else "duplicate")
        if resource.trade_state != "SUCCESS" or resource.transaction_id is None:
            return self._counted("wechatpay", "ignored")
        order = await self._order("wechatpay", resource.out_trade_no)
        amount = resource.amount.total if resource.amount is not None else None
        return await self._paid(order, resource.transaction_id, amount)

    async def alipay(self, body: bytes) -> Outcome:
        """An Alipay ``trade_status_sync`` notification, from its raw form body (decoded once)."""
        alipay = self._payments.platforms.alipay
        if alipay is None:
            raise NotificationNotOurs()
        try:
            params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
            notification = alipay.parse_notification(params)
        except UnicodeDecodeError:
            self._log_refused("alipay", NotificationMalformed.code)
            raise NotificationMalformed() from None
        except (SignatureRejected, Malformed, MerchantMismatch) as exc:
            await self._refused("alipay", exc)
            raise AssertionError("unreachable") from None
        if not notification.paid:
            # TRADE_CLOSED after a full refund, WAIT_BUYER_PAY: our own records say more.
            return self._counted("alipay", "ignored")
        order = await self._order("alipay", notification.out_trade_no)
        return await self._paid(order, notification.trade_no, notification.total_fen)

    async def _order(self, platform: str, out_trade_no: str) -> OrderRow:
        order = await self._payments.find_by_trade(out_trade_no)
        if order is None or order.platform != platform:
            self._log_refused(platform, NotificationOrderUnknown.code)
            raise NotificationOrderUnknown()
        return order

    async def _paid(self, order: OrderRow, transaction_id: str, amount_fen: int | None) -> Outcome:
        if amount_fen != order.amount_fen:
            await self._payments.raise_discrepancy(
                "amount_mismatch",
                order=order,
                reference=transaction_id,
                ours_fen=order.amount_fen,
                theirs_fen=amount_fen,
                detail="notification amount differs from the order's",
            )
            self._log_refused(order.platform, NotificationAmountMismatch.code)
            raise NotificationAmountMismatch()
        settled = await self._payments.settle_paid_safely(
            order, transaction_id=transaction_id, amount_fen=amount_fen, source="notification"
        )
        return self._counted(order.platform, settled)

    async def _refused(self, platform: str, exc: Exception) -> None:
        if isinstance(exc, SignatureRejected):
            error: Exception = (
                NotificationStale() if exc.reason == "stale" else NotificationSignatureInvalid()
            )
        elif isinstance(exc, ResourceUndecryptable):
            error = NotificationUndecryptable()
        elif isinstance(exc, MerchantMismatch):
            await self._payments.raise_discrepancy(
                "not_ours",
                order=None,
                platform=platform,
                reference=exc.actual,
                ours_fen=None,
                theirs_fen=None,
                detail=f"notification {exc.field} {exc.actual} is not ours",
            )
            error = NotificationNotOurs()
        else:
            error = NotificationMalformed()
        log.warning(
            "payment notification from %s refused: %s (%s)", platform, getattr(error, "code", ""), exc
        )
        raise error

    def _log_refused(self, platform: str, code: str) -> None:
        log.warning("payment notification from %s refused: %s", platform, code)

    def _counted(self, platform: str, outcome: Outcome) -> Outcome:
        if outcome == "duplicate":
            log.info("payment notification from %s replayed: acknowledged, nothing changed", platform)
        return outcome
