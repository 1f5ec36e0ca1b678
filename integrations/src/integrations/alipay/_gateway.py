"""The Alipay open-platform gateway (``gateway.do``): signed requests, verified responses.

Every API is one ``method`` on one URL. The request carries the common parameters plus the
API's own, RSA2-signed over the sorted ``k=v`` string; the answer is
``{"<method>_response": {...}, "sign": "..."}`` with ``code == "10000"`` on success.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar, Self, TypedDict, TypeVar, Unpack
from urllib.parse import parse_qsl, urlencode

import httpx
import msgspec
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from integrations.alipay._sign import response_node, rsa2_sign, rsa2_verify, sign_content
from integrations.audit import AuditHook
from integrations.client import (
    ResponseClassifier,
    UpstreamClient,
    UpstreamResponse,
    classify_http_status,
)
from integrations.clock import Clock, RandomSource, SystemClock
from integrations.config import UpstreamConfig
from integrations.errors import (
    SignatureRejected,
    UpstreamMalformed,
    UpstreamRejected,
    UpstreamUnavailable,
)
from integrations.signing import OutboundRequest

T = TypeVar("T")

SYSTEM = "alipay"
BASE_URL = "https://openapi.alipay.com"
GATEWAY_PATH = "/gateway.do"
SUCCESS = "10000"
_UNAVAILABLE = "20000"  # 服务不可用: the one code that says "try again"
_BEIJING = timezone(timedelta(hours=8))


def gateway_timestamp(unix_seconds: float) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in Beijing time, the gateway's ``timestamp`` format."""
    return datetime.fromtimestamp(unix_seconds, tz=UTC).astimezone(_BEIJING).strftime("%Y-%m-%d %H:%M:%S")


class AlipaySigner:
    """Adds the common parameters and the RSA2 ``sign`` to a gateway request's query string.

    A ``RequestSigner`` for the core client, so each retry carries a fresh ``timestamp``.
    """

    def __init__(self, *, app_id: str, private_key: RSAPrivateKey) -> None:
        self._app_id = app_id
        self._private_key = private_key

    def __repr__(self) -> str:
        return f"AlipaySigner(app_id={self._app_id!r})"

    def sign(self, request: OutboundRequest, *, timestamp: int, nonce: str) -> OutboundRequest:
        """Return ``request`` with ``app_id``, ``timestamp``, ``sign`` etc. in its query."""
        path, _, query = request.target.partition("?")
        params = dict(parse_qsl(query, keep_blank_values=True))
        params.update(
            {
                "app_id": self._app_id,
                "format": "JSON",
                "charset": "utf-8",
                "sign_type": "RSA2",
                "version": "1.0",
                "timestamp": gateway_timestamp(timestamp),
            }
        )
        params["sign"] = rsa2_sign(sign_content(params), self._private_key)
        return OutboundRequest(
            method=request.method,
            target=f"{path}?{urlencode(params)}",
            headers=request.headers,
            body=request.body,
        )


class _Status(msgspec.Struct):
    code: str = SUCCESS
    msg: str = ""
    sub_code: str | None = None
    sub_msg: str | None = None


# ``isp.`` sub-codes that are answers (a day with no bill), not unavailability.
_ISP_ANSWERS = frozenset({"isp.bill_not_exist"})


def alipay_classifier(alipay_public_key: RSAPublicKey) -> ResponseClassifier:
    """Check HTTP status, slice the response node, verify its signature, map its ``code``.

    Success must be signed by Alipay; a refusal is verified when signed (Alipay cannot sign
    every error, e.g. for an unknown app_id) and only ever makes the call fail.
    ``operation`` must be the API method name (``alipay.system.oauth.token``).
    """

    def classify(response: UpstreamResponse) -> None:
        classify_http_status(response)
        node, sign = response_node(_text(response), response.operation)
        status = _decode(response, node, _Status)
        if sign is not None:
            try:
                rsa2_verify(node, sign, alipay_public_key)
            except SignatureRejected:
                raise _malformed(response, "response signature invalid") from None
        elif status.code == SUCCESS:
            raise _malformed(response, "success answer is unsigned")
        if status.code == SUCCESS:
            return
        sub_code = status.sub_code or ""
        # ``isp.*`` is Alipay's side failing, but a missing bill is a fact about the day, not a fault.
        if status.code == _UNAVAILABLE or (sub_code.startswith("isp.") and sub_code not in _ISP_ANSWERS):
            raise UpstreamUnavailable(
                system=response.system,
                operation=response.operation,
                reason=status.sub_code or f"code_{status.code}",
                status_code=response.status_code,
            )
        raise UpstreamRejected(
            system=response.system,
            operation=response.operation,
            code=status.sub_code or status.code,
            message=status.sub_msg or status.msg,
            status_code=response.status_code,
        )

    return classify


def _text(response: UpstreamResponse) -> str:
    try:
        return response.content.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed(response, "answer is not UTF-8") from None


def _decode(response: UpstreamResponse, node: str, type_: type[T]) -> T:
    try:
        return msgspec.json.decode(node, type=type_)
    except msgspec.DecodeError as exc:
        raise _malformed(response, str(exc)) from None


def _malformed(response: UpstreamResponse, detail: str) -> UpstreamMalformed:
    return UpstreamMalformed(
        system=response.system,
        operation=response.operation,
        detail=detail,
        status_code=response.status_code,
    )


class AlipayGateway:
    """One app's signed channel to the gateway; the Alipay adapters are built on it.

    Args:
        config: ``base_url`` is the gateway host (``BASE_URL``, or the sandbox twin).
        app_id: the mini program's APPID.
        app_private_key: the app's RSA-2048 private key (signs requests).
        alipay_public_key: *Alipay's* public key, not the app's own (the classic mistake,
            fzlee/alipay#21): it verifies every answer and notification.
        system: name in errors and audit events (``alipay``, ``alipay_pay``).
    """

    def __init__(
        self,
        config: UpstreamConfig,
        *,
        app_id: str,
        app_private_key: RSAPrivateKey,
        alipay_public_key: RSAPublicKey,
        system: str = SYSTEM,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        rng: RandomSource | None = None,
        audit: AuditHook | None = None,
    ) -> None:
        self.app_id = app_id
        self.alipay_public_key = alipay_public_key
        self.client = UpstreamClient(
            config,
            system=system,
            signer=AlipaySigner(app_id=app_id, private_key=app_private_key),
            transport=transport,
            clock=clock,
            rng=rng,
            audit=audit,
            classify=alipay_classifier(alipay_public_key),
        )

    def __repr__(self) -> str:
        return f"AlipayGateway(app_id={self.app_id!r}, system={self.client.system!r})"

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()

    async def execute(
        self,
        method: str,
        *,
        response_type: type[T],
        params: Mapping[str, str] | None = None,
        biz_content: Any = None,
        idempotent: bool = False,
    ) -> T:
        """Call API ``method`` and decode its verified response node into ``response_type``.

        ``params`` are top-level business parameters (``grant_type``, ``code``);
        ``biz_content`` is JSON-encoded into the ``biz_content`` parameter.

        Raises:
            UpstreamRejected: the refusal's ``sub_code`` (or ``code``).
            UpstreamMalformed: unsigned, badly signed or unparseable answer.
            UpstreamUnavailable: ``20000``/``isp.*``, timeouts, 5xx.
        """
        query = {"method": method, **(params or {})}
        if biz_content is not None:
            query["biz_content"] = msgspec.json.encode(biz_content).decode()
        response = await self.client.request(
            "POST", GATEWAY_PATH, operation=method, params=query, idempotent=idempotent
        )
        node, _ = response_node(_text(response), method)
        return _decode(response, node, response_type)


class GatewayOptions(TypedDict, total=False):
    """The optional collaborators every Alipay adapter passes to the core client."""

    transport: httpx.AsyncBaseTransport | None
    clock: Clock | None
    rng: RandomSource | None
    audit: AuditHook | None


class AlipayAdapter:
    """Owns one :class:`AlipayGateway` (``self.gateway``); subclasses add typed operations."""

    system: ClassVar[str] = SYSTEM

    def __init__(
        self,
        config: UpstreamConfig,
        *,
        app_id: str,
        app_private_key: RSAPrivateKey,
        alipay_public_key: RSAPublicKey,
        **options: Unpack[GatewayOptions],
    ) -> None:
        self._clock = options.get("clock") or SystemClock()
        self.gateway = AlipayGateway(
            config,
            app_id=app_id,
            app_private_key=app_private_key,
            alipay_public_key=alipay_public_key,
            system=self.system,
            transport=options.get("transport"),
            clock=self._clock,
            rng=options.get("rng"),
            audit=options.get("audit"),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(app_id={self.gateway.app_id!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.gateway.aclose()
