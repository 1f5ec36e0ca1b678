"""Alipay mini-program login (``alipay.system.oauth.token``) and phone-number decryption."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Unpack

import msgspec
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from integrations.alipay._gateway import AlipayAdapter, GatewayOptions
from integrations.alipay._phone import decrypt_phone_number
from integrations.config import UpstreamConfig
from integrations.errors import UpstreamMalformed

OAUTH_METHOD = "alipay.system.oauth.token"
SEND_METHOD = "alipay.open.app.mini.templatemessage.send"
# The refusal of a subscribe message with no authorisation left (our reading; unverified).
NO_SUBSCRIPTION = "USER_UNSUBSCRIBED"


class _Sent(msgspec.Struct):
    code: str = ""


class _OAuthBody(msgspec.Struct):
    access_token: str
    expires_in: int | str
    refresh_token: str
    re_expires_in: int | str
    user_id: str | None = None
    open_id: str | None = None
    auth_start: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AlipayToken:
    """Who logged in, and the user-scoped token Alipay issued.

    New apps get ``open_id``; older ones ``user_id`` (``2088...``). Key identities by
    ``(alipay, app_id, subject)``. The tokens are the user's grant to *us*: keep them on the
    server (they are left out of ``repr``).
    """

    subject: str
    open_id: str | None
    user_id: str | None
    access_token: str = field(repr=False)
    expires_in: int
    refresh_token: str = field(repr=False)
    re_expires_in: int


def _seconds(value: int | str) -> int:
    if isinstance(value, int):
        return value
    if not value.isdigit():
        raise UpstreamMalformed(system="alipay", operation=OAUTH_METHOD, detail="bad expires_in")
    return int(value)


class AlipayMiniProgram(AlipayAdapter):
    """One Alipay mini program: login code exchange and ``my.getPhoneNumber`` decryption.

    Args:
        config, app_id, app_private_key, alipay_public_key: see :class:`AlipayGateway`;
            ``options`` (``transport``, ``clock``, ``rng``, ``audit``) go to the core client.
            ``options``: ``transport``, ``clock``, ``rng``, ``audit`` for the core client.
        aes_key: the base64 接口内容加密 key, for phone numbers.
    """

    def __init__(
        self,
        config: UpstreamConfig,
        *,
        app_id: str,
        app_private_key: RSAPrivateKey,
        alipay_public_key: RSAPublicKey,
        aes_key: str,
        **options: Unpack[GatewayOptions],
    ) -> None:
        super().__init__(
            config,
            app_id=app_id,
            app_private_key=app_private_key,
            alipay_public_key=alipay_public_key,
            **options,
        )
        self._aes_key = aes_key

    async def oauth_token(
        self,
        code: str,
        *,
        grant_type: Literal["authorization_code", "refresh_token"] = ("authorization_code"),
    ) -> AlipayToken:
        """Exchange a ``my.getAuthCode`` code (or a refresh token) for the user's identity.

        Raises:
            UpstreamRejected: ``isv.code-invalid`` (used/expired/foreign code),
                ``isv.refresh-token-invalid``, ``isv.unmatched-app-id``...
            UpstreamMalformed: the answer is unsigned, badly signed, or names nobody.
            UpstreamUnavailable: ``isp.unknow-error``, timeouts, 5xx.
        """
        key = "code" if grant_type == "authorization_code" else "refresh_token"
        body = await self.gateway.execute(
            OAUTH_METHOD, params={"grant_type": grant_type, key: code}, response_type=_OAuthBody
        )
        subject = body.open_id or body.user_id
        if not subject:
            raise UpstreamMalformed(
                system=self.gateway.client.system,
                operation=OAUTH_METHOD,
                detail="neither open_id nor user_id",
            )
        return AlipayToken(
            subject=subject,
            open_id=body.open_id,
            user_id=body.user_id,
            access_token=body.access_token,
            expires_in=_seconds(body.expires_in),
            refresh_token=body.refresh_token,
            re_expires_in=_seconds(body.re_expires_in),
        )

    def phone_number(self, payload: str) -> str:
        """Verify and decrypt the ``res.response`` string of ``my.getPhoneNumber``.

        See :func:`decrypt_phone_number` for the errors.
        """
        return decrypt_phone_number(
            payload, aes_key=self._aes_key, alipay_public_key=self.gateway.alipay_public_key
        )

    async def send_subscribe_message(
        self, *, user_id: str, template_id: str, data: Mapping[str, str], page: str | None = None
    ) -> None:
        """Send one subscribe message to ``user_id`` (a ``2088`` user id, or the app's open_id); a
        one-time template's "allow" grants exactly one send.

        Not retried on unavailability (Alipay takes no idempotency key: a retry could deliver twice);
        deliver through an outbox instead.

        Raises:
            UpstreamRejected: ``USER_UNSUBSCRIBED`` no authorisation left (``NO_SUBSCRIPTION``),
                ``USER_TEMPLATE_ILLEGAL`` unknown template, ``DATA_ILLEGAL`` a value too long.
            UpstreamUnavailable: ``isp.*`` / 20000, timeouts, 5xx.
        """
        biz: dict[str, str] = {
            "to_user_id" if user_id.startswith("2088") else "to_open_id": user_id,
            "user_template_id": template_id,
            "data": msgspec.json.encode({k: {"value": v} for k, v in data.items()}).decode(),
        }
        if page is not None:
            biz["page"] = page
        await self.gateway.execute(SEND_METHOD, biz_content=biz, response_type=_Sent)
