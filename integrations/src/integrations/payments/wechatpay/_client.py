"""WeChat Pay API v3 for a mini program (JSAPI) and a mobile app (APP): orders, query, close,
refunds and their query, notifications."""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Mapping
from datetime import date
from typing import TypeVar
from urllib.parse import parse_qsl, quote, urlsplit

import httpx
import msgspec
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from integrations.audit import AuditHook
from integrations.client import (
    ResponseClassifier,
    UpstreamClient,
    UpstreamResponse,
    classify_http_status,
)
from integrations.clock import Clock, RandomSource, SystemClock, make_nonce
from integrations.config import UpstreamConfig
from integrations.errors import SignatureRejected, UpstreamMalformed, UpstreamRejected
from integrations.payments.bills import BillLine, parse_wechat_tradebill
from integrations.payments.errors import MerchantMismatch, NotificationMalformed
from integrations.payments.wechatpay._crypto import (
    WeChatPaySigner,
    decrypt_resource,
    rsa_sign,
    verify_platform_signature,
)
from integrations.payments.wechatpay._schemas import (
    AppOrderBody,
    AppPayment,
    BillMeta,
    CloseBody,
    JsapiOrderBody,
    JsapiPayment,
    NotificationBody,
    OrderAmount,
    Payer,
    PaymentNotification,
    PrepayBody,
    Refund,
    RefundAmountBody,
    RefundNotice,
    RefundRequestBody,
    Transaction,
)

T = TypeVar("T")

SYSTEM = "wechatpay"
BASE_URL = "https://api.mch.weixin.qq.com"


def wechatpay_classifier(platform_keys: Mapping[str, RSAPublicKey], clock: Clock) -> ResponseClassifier:
    """5xx/429 are unavailability; every other answer must carry a valid platform signature
    (else :class:`UpstreamMalformed`), and a 4xx is a refusal with WeChat Pay's ``code``."""

    def classify(response: UpstreamResponse) -> None:
        status = response.status_code
        if status in (408, 429) or status >= 500:
            classify_http_status(response)
        if response.operation == "download_bill" and status == 200:
            return  # a bill's bytes carry no platform signature: their SHA-1 is checked instead
        try:
            verify_platform_signature(
                response.headers, response.content, platform_keys=platform_keys, now=clock.now()
            )
        except SignatureRejected as exc:
            raise UpstreamMalformed(
                system=response.system,
                operation=response.operation,
                detail=f"response signature: {exc.reason}",
                status_code=status,
            ) from None
        classify_http_status(response)

    return classify


class WeChatPay:
    """One merchant (``mchid``) taking payments for one mini program (``appid``) and, when
    ``app_appid`` is set, one mobile app (its Open Platform AppID, bound to the same merchant).

    Args:
        config: ``base_url`` is ``BASE_URL`` or the sandbox twin.
        merchant_serial: serial number of the merchant API certificate (``serial_no``).
        merchant_private_key: ``apiclient_key.pem``; signs requests and ``paySign``.
        platform_keys: ``Wechatpay-Serial`` → WeChat Pay public key; list both old and new
            during a platform-certificate → public-key migration.
        apiv3_key: the 32-byte APIv3 key that decrypts notification resources.
    """

    def __init__(
        self,
        config: UpstreamConfig,
        *,
        appid: str,
        mchid: str,
        merchant_serial: str,
        merchant_private_key: RSAPrivateKey,
        platform_keys: Mapping[str, RSAPublicKey],
        apiv3_key: bytes,
        app_appid: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        rng: RandomSource | None = None,
        audit: AuditHook | None = None,
    ) -> None:
        if len(apiv3_key) != 32:
            raise ValueError("the APIv3 key is 32 bytes")
        self.appid = appid
        self.app_appid = app_appid
        self.mchid = mchid
        self._merchant_key = merchant_private_key
        self._platform_keys = dict(platform_keys)
        self._apiv3_key = apiv3_key
        self._clock = clock or SystemClock()
        self._rng = rng or random.SystemRandom()
        self._http = UpstreamClient(
            config,
            system=SYSTEM,
            signer=WeChatPaySigner(mchid=mchid, serial_no=merchant_serial, private_key=merchant_private_key),
            transport=transport,
            clock=self._clock,
            rng=self._rng,
            audit=audit,
            classify=wechatpay_classifier(self._platform_keys, self._clock),
        )

    def __repr__(self) -> str:
        return f"WeChatPay(mchid={self.mchid!r}, appid={self.appid!r})"

    async def __aenter__(self) -> WeChatPay:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def create_jsapi_order(
        self,
        *,
        out_trade_no: str,
        description: str,
        amount_fen: int,
        openid: str,
        notify_url: str,
        attach: str | None = None,
    ) -> JsapiPayment:
        """Place a JSAPI order and return the signed ``wx.requestPayment`` arguments.

        ``out_trade_no`` is the idempotency key: repeating the same order returns the same
        ``prepay_id``, so the call is retried on unavailability.

        Raises:
            UpstreamRejected: ``ORDERPAID``, ``INVALID_REQUEST`` (same out_trade_no, other
                content), ``PARAM_ERROR``, ``APPID_MCHID_NOT_MATCH``...
            UpstreamMalformed: the answer's platform signature is missing or wrong.
            UpstreamUnavailable: ``SYSTEM_ERROR``, ``FREQUENCY_LIMITED``, timeouts.
        """
        if amount_fen <= 0:
            raise ValueError("amount_fen must be a positive number of fen")
        order = JsapiOrderBody(
            appid=self.appid,
            mchid=self.mchid,
            description=description,
            out_trade_no=out_trade_no,
            notify_url=notify_url,
            amount=OrderAmount(total=amount_fen),
            payer=Payer(openid=openid),
            attach=attach,
        )
        prepay = await self._http.call(
            "POST",
            "/v3/pay/transactions/jsapi",
            operation="jsapi_order",
            json=order,
            response_type=PrepayBody,
            idempotent=True,
        )
        return self.payment_arguments(prepay.prepay_id)

    def payment_arguments(self, prepay_id: str) -> JsapiPayment:
        """Sign ``wx.requestPayment`` arguments for an existing ``prepay_id``."""
        timestamp = str(int(self._clock.now()))
        nonce = make_nonce(self._rng)
        package = f"prepay_id={prepay_id}"
        return JsapiPayment(
            time_stamp=timestamp,
            nonce_str=nonce,
            package=package,
            sign_type="RSA",
            pay_sign=rsa_sign(self._merchant_key, self.appid, timestamp, nonce, package),
        )

    async def create_app_order(
        self, *, out_trade_no: str, description: str, amount_fen: int, notify_url: str,
        attach: str | None = None,
    ) -> AppPayment:  # fmt: skip
        """Place an APP order and return the signed ``PayReq`` fields for the app. Idempotent
        on ``out_trade_no``, like the JSAPI order; raises the same errors."""
        if self.app_appid is None:
            raise ValueError("no app_appid: this merchant takes no app payments here")
        if amount_fen <= 0:
            raise ValueError("amount_fen must be a positive number of fen")
        order = AppOrderBody(
            appid=self.app_appid, mchid=self.mchid, description=description, out_trade_no=out_trade_no,
            notify_url=notify_url, amount=OrderAmount(total=amount_fen), attach=attach,
        )  # fmt: skip
        prepay = await self._http.call(
            "POST", "/v3/pay/transactions/app", operation="app_order", json=order,
            response_type=PrepayBody, idempotent=True,
        )  # fmt: skip
        return self.app_payment_arguments(prepay.prepay_id)

    def app_payment_arguments(self, prepay_id: str) -> AppPayment:
        """Sign the app's ``PayReq`` for an existing APP ``prepay_id``."""
        if self.app_appid is None:
            raise ValueError("no app_appid: this merchant takes no app payments here")
        timestamp, nonce = str(int(self._clock.now())), make_nonce(self._rng)
        sign = rsa_sign(self._merchant_key, self.app_appid, timestamp, nonce, prepay_id)
        return AppPayment(
            appid=self.app_appid, partnerid=self.mchid, prepayid=prepay_id, package="Sign=WXPay",
            noncestr=nonce, timestamp=timestamp, sign=sign,
        )  # fmt: skip

    async def query_order(self, out_trade_no: str) -> Transaction:
        """The order's current state, for reconciliation when no notification arrived.

        Raises:
            UpstreamRejected: ``ORDER_NOT_EXIST``.
        """
        return await self._http.call(
            "GET",
            f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}",
            operation="query_order",
            params={"mchid": self.mchid},
            response_type=Transaction,
        )

    async def close_order(self, out_trade_no: str) -> None:
        """Close an unpaid order, so it can no longer be paid (204 from the platform).

        Close before abandoning an order (the citizen cancelled, or it timed out), then query
        it once more: a payment may have landed in between. Closing a closed order is
        accepted again, so the call is retried on unavailability.

        Raises:
            UpstreamRejected: ``ORDERPAID`` (it was paid: refund instead), ``ORDER_NOT_EXIST``.
        """
        await self._http.request(
            "POST",
            f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}/close",
            operation="close_order",
            json=CloseBody(mchid=self.mchid),
            idempotent=True,
        )

    async def refund(
        self,
        *,
        out_trade_no: str,
        out_refund_no: str,
        refund_fen: int,
        total_fen: int,
        reason: str | None = None,
        notify_url: str | None = None,
    ) -> Refund:
        """Refund ``refund_fen`` of a paid order; ``out_refund_no`` is the idempotency key.

        Raises:
            UpstreamRejected: ``RESOURCE_NOT_EXISTS``, ``INVALID_REQUEST`` (more than is
                refundable, or the same out_refund_no with other content), ``NOT_ENOUGH``.
        """
        if not 0 < refund_fen <= total_fen:
            raise ValueError("0 < refund_fen <= total_fen")
        body = RefundRequestBody(
            out_trade_no=out_trade_no,
            out_refund_no=out_refund_no,
            amount=RefundAmountBody(refund=refund_fen, total=total_fen),
            reason=reason,
            notify_url=notify_url,
        )
        return await self._http.call(
            "POST",
            "/v3/refund/domestic/refunds",
            operation="refund",
            json=body,
            response_type=Refund,
            idempotent=True,
        )

    async def query_refund(self, out_refund_no: str) -> Refund:
        """A refund's current state (``PROCESSING`` → ``SUCCESS`` / ``CLOSED`` / ``ABNORMAL``),
        for reconciliation when no refund notification arrived.

        Raises:
            UpstreamRejected: ``RESOURCE_NOT_EXISTS``.
        """
        return await self._http.call(
            "GET",
            f"/v3/refund/domestic/refunds/{quote(out_refund_no, safe='')}",
            operation="query_refund",
            response_type=Refund,
        )

    async def trade_bill(self, bill_date: date) -> list[BillLine]:
        """The day's trade bill (``GET /v3/bill/tradebill``, ``bill_type=ALL``), downloaded from the
        URL it names and checked against its SHA-1. Empty when there was no trade that day.

        Raises:
            UpstreamRejected: ``INVALID_REQUEST`` (a future day, or more than three months ago).
            UpstreamMalformed: the file's digest differs, or it is no tradebill.
        """
        try:
            meta = await self._http.call(
                "GET",
                "/v3/bill/tradebill",
                operation="trade_bill",
                params={"bill_date": bill_date.isoformat(), "bill_type": "ALL"},
                response_type=BillMeta,
            )
        except UpstreamRejected as exc:
            if exc.code == "NO_STATEMENT_EXIST":
                return []
            raise
        url = urlsplit(meta.download_url)
        downloaded = await self._http.request(
            "GET", url.path, operation="download_bill", params=dict(parse_qsl(url.query)), idempotent=True
        )
        digest = hashlib.sha1(downloaded.content).hexdigest()  # noqa: S324 (the platform's choice)
        if meta.hash_type != "SHA1" or not hmac.compare_digest(digest, meta.hash_value.lower()):
            raise UpstreamMalformed(system=SYSTEM, operation="download_bill", detail="bill digest differs")
        try:
            return parse_wechat_tradebill(downloaded.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise UpstreamMalformed(system=SYSTEM, operation="download_bill", detail=str(exc)) from None

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> PaymentNotification:
        """Verify and decrypt a payment or refund notification from its raw request.

        Pass the raw body bytes, never re-serialised JSON. Answer 200/204 only when this
        returns and the state change is stored; answer 4xx on any error (WeChat retries).

        Raises:
            SignatureRejected: ``missing_header``, ``bad_timestamp``, ``stale`` (> 300 s),
                ``unknown_key`` or ``bad_signature`` — includes WeChat's signature probes.
            ResourceUndecryptable: wrong APIv3 key, or the resource was altered.
            NotificationMalformed: verified, but not the documented shape.
            MerchantMismatch: verified, but for another ``mchid`` / ``appid``.
        """
        verify_platform_signature(headers, body, platform_keys=self._platform_keys, now=self._clock.now())
        envelope = _decode(body, NotificationBody)
        resource = envelope.resource
        if resource.algorithm != "AEAD_AES_256_GCM":
            raise NotificationMalformed(detail=f"algorithm {resource.algorithm!r}")
        plaintext = decrypt_resource(
            ciphertext=resource.ciphertext,
            nonce=resource.nonce,
            associated_data=resource.associated_data,
            apiv3_key=self._apiv3_key,
        )
        decoded: Transaction | RefundNotice
        if envelope.event_type.startswith("REFUND."):
            decoded = _decode(plaintext, RefundNotice)
        else:
            decoded = _decode(plaintext, Transaction)
            if decoded.appid not in (self.appid, self.app_appid):
                raise MerchantMismatch(field="appid", expected=self.appid, actual=decoded.appid)
        if decoded.mchid != self.mchid:
            raise MerchantMismatch(field="mchid", expected=self.mchid, actual=decoded.mchid)
        return PaymentNotification(
            id=envelope.id,
            event_type=envelope.event_type,
            create_time=envelope.create_time,
            summary=envelope.summary,
            resource=decoded,
        )


def _decode(data: bytes, type_: type[T]) -> T:
    try:
        return msgspec.json.decode(data, type=type_)
    except msgspec.DecodeError as exc:
        raise NotificationMalformed(detail=str(exc)) from None
