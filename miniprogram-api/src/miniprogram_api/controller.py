"""The ``/mp/v1`` routes: platform login, binding, and the citizen's own platform links."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, Router, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from backend.access import ANYONE
from backend.account_link.errors import (
    AlreadyLinked,
    BindThrottled,
    BindTicketInvalid,
    IdentityMismatch,
    LinkNotFound,
    LoginCodeInvalid,
    LoginThrottled,
    PhoneNotYours,
    PhoneProofInvalid,
    PhoneProofMissing,
    PhoneUnsupported,
    PlatformDisabled,
    PlatformRateLimited,
    PlatformUnavailable,
    PlatformUserBlocked,
    SmsRequired,
)
from backend.account_link.identity import Link, Platform
from backend.account_link.service import AccountLinkService, PhoneProof
from backend.account_link.service import BindRequired as BindTicket
from backend.auth.errors import KeysUnavailable, PhoneInvalid, SmsCodeInvalid
from backend.auth.guards import CITIZEN
from backend.auth.principal import Principal
from backend.auth.tokens import TokenPair
from backend.citizen.errors import REGISTRATION_REFUSALS, AccountFrozen
from backend.fields import doc
from backend.web import client_address
from miniprogram_api.schemas import (
    AlipayLink,
    AlipayLogin,
    Authenticated,
    BindRequest,
    BindRequired,
    LinkList,
    LinkRead,
    LoginResult,
    WeChatLink,
    WeChatLogin,
)

# RFC 6749 §5.1: answers carrying tokens must not be cached.
_NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


# What a platform call can refuse (each code's meaning: the table in backend/README.md).
_PLATFORM = (
    LoginCodeInvalid,
    PlatformUserBlocked,
    PlatformRateLimited,
    PlatformUnavailable,
    PlatformDisabled,
)
_LOGIN = (*_PLATFORM, LoginThrottled, AccountFrozen, KeysUnavailable)
_PHONE = (
    PhoneProofMissing,
    PhoneProofInvalid,
    PhoneUnsupported,
    PhoneNotYours,
    PhoneInvalid,
    SmsCodeInvalid,
    SmsRequired,
)
_BIND = (
    *_PHONE,
    BindTicketInvalid,
    BindThrottled,
    IdentityMismatch,
    AlreadyLinked,
    AccountFrozen,
    KeysUnavailable,
    *REGISTRATION_REFUSALS,
)
_LINK = (*_PLATFORM, *_PHONE, AlreadyLinked)


class EdgeInfo(msgspec.Struct, frozen=True):
    platforms: Annotated[
        list[Literal["wechat", "alipay"]],
        doc("The mini-program platforms this edge serves: `wechat`, `alipay`", ["wechat", "alipay"]),
    ]


@get("/", sync_to_thread=False, summary="Which mini-program platforms this edge serves", access=ANYONE)
def edge_info() -> EdgeInfo:
    return EdgeInfo(platforms=["wechat", "alipay"])


def _authenticated(pair: TokenPair) -> Response[LoginResult]:
    return Response(
        Authenticated(
            access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
        ),
        headers=_NO_STORE,
    )


async def _platform_login(
    account_links: AccountLinkService, request: Request[Any, Any, Any], platform: Platform, code: str
) -> Response[LoginResult]:
    outcome = await account_links.login(platform, code, client=client_address(request))
    if isinstance(outcome, BindTicket):
        return Response(
            BindRequired(bind_ticket=outcome.bind_ticket, expires_in=outcome.expires_in), headers=_NO_STORE
        )
    return _authenticated(outcome)


def _link(row: Link) -> LinkRead:
    return LinkRead(id=row.id, platform=row.platform, linked_at=row.created_at)


class LoginController(Controller):
    tags = ("mini-program",)

    @post(
        "/wechat/login",
        status_code=200,
        summary="Log in with a wx.login code: a session if linked, else a bind ticket",
        errors=_LOGIN,
        access=ANYONE,
    )
    async def wechat_login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[WeChatLogin],
        account_links: NamedDependency[AccountLinkService],
    ) -> Response[LoginResult]:
        return await _platform_login(account_links, request, "wechat", data.code)

    @post(
        "/alipay/login",
        status_code=200,
        summary="Log in with a my.getAuthCode code: a session if linked, else a bind ticket",
        errors=_LOGIN,
        access=ANYONE,
    )
    async def alipay_login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[AlipayLogin],
        account_links: NamedDependency[AccountLinkService],
    ) -> Response[LoginResult]:
        return await _platform_login(account_links, request, "alipay", data.auth_code)

    @post(
        "/bind",
        status_code=200,
        summary="Redeem a bind ticket with a proven phone and the real name; starts a session",
        description="A new phone registers a citizen after the same checks as `/api/v1/auth/register`: "
        "where the operators can't say the phone is the person's, 409 `citizen.face_verification_required` "
        "(then the same bind with `phone` + `face_ticket`). Each attempt counts against the ticket (5); "
        "the ticket is redeemed after every check and before the citizen is created.",
        errors=_BIND,
        access=ANYONE,
    )
    async def bind(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[BindRequest],
        account_links: NamedDependency[AccountLinkService],
    ) -> Response[LoginResult]:
        pair = await account_links.bind(
            data.bind_ticket,
            proof=PhoneProof(
                phone=data.phone,
                sms_code=data.sms_code,
                platform_proof=data.platform_phone_proof,
                face_ticket=data.face_ticket,
            ),
            name=data.name,
            id_number=data.id_number,
            client=client_address(request),
        )
        return _authenticated(pair)


class LinkController(Controller):
    path = "/links"
    tags = ("mini-program",)
    opt = {"access": CITIZEN}  # noqa: RUF012 (Litestar's declaration style)

    @get("/", summary="The caller's own platform links")
    async def list(
        self, account_links: NamedDependency[AccountLinkService], principal: NamedDependency[Principal]
    ) -> LinkList:
        return LinkList(items=[_link(row) for row in await account_links.list(principal)])

    @post(
        "/wechat",
        summary="Link the signed-in citizen to the WeChat user of a fresh wx.login code",
        description="Needs an SMS code of purpose `bind`, sent to the citizen's own phone.",
        errors=_LINK,
    )
    async def link_wechat(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[WeChatLink],
        account_links: NamedDependency[AccountLinkService],
        principal: NamedDependency[Principal],
    ) -> LinkRead:
        row = await account_links.link(
            principal,
            "wechat",
            data.code,
            phone=data.phone,
            sms_code=data.sms_code,
            client=client_address(request),
        )
        return _link(row)

    @post(
        "/alipay",
        summary="Link the signed-in citizen to the Alipay user of a fresh auth code",
        description="Needs an SMS code of purpose `bind`, sent to the citizen's own phone.",
        errors=_LINK,
    )
    async def link_alipay(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[AlipayLink],
        account_links: NamedDependency[AccountLinkService],
        principal: NamedDependency[Principal],
    ) -> LinkRead:
        row = await account_links.link(
            principal,
            "alipay",
            data.auth_code,
            phone=data.phone,
            sms_code=data.sms_code,
            client=client_address(request),
        )
        return _link(row)

    @delete(
        "/{link_id:uuid}",
        summary="Remove one of the caller's own platform links",
        description="The link is gone: unlinking it again, or another citizen's link, answers 404.",
        owns={"link_id": "mp.link"},
        errors=(LinkNotFound,),
    )
    async def unlink(
        self,
        link_id: FromPath[uuid.UUID],
        account_links: NamedDependency[AccountLinkService],
        principal: NamedDependency[Principal],
    ) -> None:
        await account_links.unlink(principal, link_id)


def build_router() -> Router:
    return Router(
        path="/mp/v1", route_handlers=[edge_info, LoginController, LinkController], tags=["mini-program"]
    )


__all__ = ["build_router"]
