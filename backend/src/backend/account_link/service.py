"""Mini-program login and account linking.

A platform login code proves an openid (WeChat) or open_id / user_id (Alipay) server-side. A linked
identity gets a citizen session at once (unless the citizen's account is frozen); an unknown one gets
a bind ticket, redeemed with a proven phone and the real name. The phone decides the account: a new
phone registers a citizen after every check a registration makes (the population registry, and the
operators' real-name check or a face verification: ``backend.citizen.proof``; a face verification is
completed by sending the same bind again with ``face_ticket``); an existing citizen must give the real
name they registered with.

Every attempt is charged to its ticket first, whatever its outcome (``BindTickets.charge``). The
ticket is redeemed — atomically, one caller wins — after every check and before anything is created,
so however many binds race on one ticket, one citizen and one link come of it. What can still fail
after the redemption (a concurrent registration of the same phone or identity, a concurrent link of
the same platform user) leaves nothing half-made that blocks the user: a new platform login gives a
new ticket, and the phone, now with an account, binds with an SMS code.

Binding to an existing account always needs an SMS code of purpose "bind" sent to its phone. A
platform's word for a phone is accepted alone only when it is fresh and only to register a new
citizen whose phone the operators say is theirs: WeChat's ``getPhoneNumber`` code (single use,
minutes long, spent server-side). Alipay's ``my.getPhoneNumber`` answer never is: it is encrypted with
a zero IV and signed deterministically, bound to no user and no time, so one captured string would
vouch for that phone forever — with the holder's name and ID number (no secret) it registered them to
the attacker's Alipay account, and with the attacker's own face it squatted their phone (issue 21
review). Where the operators can't vouch, a face verification decides who the person is, but only
after an SMS code proved the phone. ``mp.sms_required`` tells the client to fall back to SMS.
Linking a signed-in citizen to another platform is a step up too: an SMS code to their own phone in
the same request, so a stolen 15-minute access token can't become a lasting platform login.

A citizen may hold one link per platform, beside the app itself; they list and remove their own links
only.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.account_link.errors import (
    AlreadyLinked,
    BindThrottled,
    BindTicketInvalid,
    IdentityMismatch,
    LinkNotFound,
    LoginThrottled,
    PhoneNotYours,
    PhoneProofMissing,
    SmsRequired,
)
from backend.account_link.identity import Link, Platform, PlatformIdentity
from backend.account_link.platforms import Platforms
from backend.account_link.repository import LinkRepository, LinkTaken
from backend.account_link.tickets import TICKET_TTL_SECONDS, BindTickets
from backend.audit.service import AuditLog
from backend.auth.errors import SmsCodeInvalid
from backend.auth.principal import CITIZEN_SCOPES, Principal
from backend.auth.sms import SmsCodes
from backend.auth.tokens import TokenPair, TokenService
from backend.citizen.errors import FaceTicketInvalid, SmsCodeRequired
from backend.citizen.service import CitizenService
from backend.clock import Clock
from backend.database import transaction
from backend.observability.masking import mask_phone
from backend.ratelimit import RateLimit, RateLimiter

# Platform logins burn a platform API call each; a mini program logs in once per launch.
LOGIN_PER_CLIENT = RateLimit(LoginThrottled, limit=60, window=60)
# Binding may query the population registry; the ticket's own attempt limit bounds guessing per ticket.
BIND_PER_CLIENT = RateLimit(BindThrottled, limit=20, window=3600)


def client_id(platform: Platform) -> str:
    return f"{platform}-miniprogram"


class BindRequired(msgspec.Struct, frozen=True, kw_only=True):
    bind_ticket: str
    expires_in: int


class PhoneProof(msgspec.Struct, frozen=True, kw_only=True):
    """Either ``phone`` + ``sms_code`` or ``platform_proof`` (a WeChat ``getPhoneNumber`` code: enough
    only for a phone with no account that the operators say is the person's; Alipay's
    ``my.getPhoneNumber`` answer is never enough), or ``phone`` + ``face_ticket``: the ticket a previous
    attempt got with its SMS proof of that phone, completing a face verification (a phone with no
    account only)."""

    phone: str | None = None
    sms_code: str | None = None
    platform_proof: str | None = None
    face_ticket: str | None = None


class AccountLinkService:
    def __init__(
        self,
        *,
        links: LinkRepository,
        tickets: BindTickets,
        platforms: Platforms,
        citizens: CitizenService,
        sms_codes: SmsCodes,
        tokens: TokenService,
        limiter: RateLimiter,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._links = links
        self._tickets = tickets
        self._platforms = platforms
        self._citizens = citizens
        self._sms_codes = sms_codes
        self._tokens = tokens
        self._limiter = limiter
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def login(self, platform: Platform, code: str, *, client: str) -> TokenPair | BindRequired:
        """A citizen session for a linked platform identity; a bind ticket for an unknown one."""
        await self._limiter.hit(LOGIN_PER_CLIENT, client)
        identity = await self._platforms.identify(platform, code)
        link = await self._links.find_by_identity(platform, identity.subject)
        if link is None:
            ticket = await self._tickets.issue(identity)
            return BindRequired(bind_ticket=ticket, expires_in=TICKET_TTL_SECONDS)
        await self._citizens.ensure_active(link.citizen_id)
        return await self._session(link.citizen_id, platform, client=client, action="auth.login_succeeded")

    async def bind(
        self, ticket: str, *, proof: PhoneProof, name: str, id_number: str, client: str
    ) -> TokenPair:
        """Link the ticket's platform identity to the citizen the proven phone belongs to (registering
        one if the phone is new), and start their session. See the module docstring for the order."""
        await self._limiter.hit(BIND_PER_CLIENT, client)
        identity = await self._tickets.find(ticket)
        if identity is None or not await self._tickets.charge(ticket):
            raise BindTicketInvalid()
        phone, by_sms = await self._proven_phone(
            identity.platform, proof, name=name, id_number=id_number, client=client
        )
        existing = await self._citizens.find_by_phone(phone)
        if existing is None:
            try:
                registrant = await self._citizens.verify_registrant(
                    name=name,
                    id_number=id_number,
                    phone=phone,
                    face_ticket=proof.face_ticket,
                    phone_by_sms=by_sms,
                    client=client,
                )
            except SmsCodeRequired:
                # The operators can't vouch and only WeChat did: the same remedy as for an account.
                raise SmsRequired() from None
            await self._redeem(ticket)
            citizen_id = (await self._citizens.enrol(registrant, client=client)).id
        else:
            if not by_sms:
                # Before the real name is compared: a replayed platform proof must not make this an
                # oracle for someone's name and ID number.
                raise SmsRequired()
            if not await self._citizens.holds_identity(existing, name=name, id_number=id_number):
                # The caller proved they hold the phone, so saying it has an account leaks nothing.
                raise IdentityMismatch()
            await self._redeem(ticket)
            citizen_id = existing
        await self._link(citizen_id, identity, by=f"citizen:{citizen_id}", phone=phone)
        return await self._session(
            citizen_id, identity.platform, client=client, action="auth.login_succeeded"
        )

    async def _redeem(self, ticket: str) -> None:
        if not await self._tickets.redeem(ticket):
            raise BindTicketInvalid()  # a concurrent bind with this ticket won

    async def link(
        self, principal: Principal, platform: Platform, code: str, *, phone: str, sms_code: str, client: str
    ) -> Link:
        """Link the signed-in citizen to the platform identity a fresh login code proves, once an SMS
        code of purpose "bind" proves they hold their account's phone now."""
        identity = await self._platforms.identify(platform, code)
        # The platform code first: it costs the client nothing to get another, while an SMS code is
        # rate-limited, so a refused login code leaves the SMS code unspent.
        if not await self._sms_codes.consume(phone, "bind", sms_code, client=client):
            raise SmsCodeInvalid()
        if await self._citizens.find_by_phone(phone) != principal.id:
            raise PhoneNotYours()
        return await self._link(principal.id, identity, by=principal.subject, phone=phone)

    async def list(self, principal: Principal) -> list[Link]:
        return await self._links.list_for(principal.id)

    async def platform_user(self, citizen_id: uuid.UUID, platform: Platform) -> str | None:
        """The citizen's user id on ``platform`` (WeChat openid, Alipay open id): who pays in its
        mini program. None when the citizen has not linked one."""
        return next(
            (
                link.platform_user_id
                for link in await self._links.list_for(citizen_id)
                if link.platform == platform
            ),
            None,
        )

    async def platform_users(
        self, citizen_ids: Sequence[uuid.UUID], platform: Platform
    ) -> dict[uuid.UUID, str]:
        """``platform_user`` for many citizens in one query; those with no link are absent."""
        return await self._links.users_of(list(citizen_ids), platform)

    async def unlink(self, principal: Principal, link_id: uuid.UUID) -> None:
        """Remove one of the caller's own links, and log that platform's mini program out; another
        citizen's link is simply not found."""
        async with transaction(self._engine):
            row = await self._links.delete_own(principal.id, link_id)
            if row is None:
                raise LinkNotFound()
            await self._audit.append(
                actor=principal.subject,
                action="account.unlinked",
                subject=principal.subject,
                data={"platform": row.platform, "link": str(row.id)},
                chain="auth",
            )
        await self._tokens.end_client_sessions("citizen", principal.id, client_id(row.platform))

    async def _proven_phone(
        self, platform: Platform, proof: PhoneProof, *, name: str, id_number: str, client: str
    ) -> tuple[str, bool]:
        """The proven phone, and whether an SMS code proved it (the stronger proof wins when several
        are given). A face ticket vouches for the phone (and identity) it was issued with: it is
        issued only once an SMS code proved that phone."""
        if proof.phone is not None and proof.sms_code is not None:
            if not await self._sms_codes.consume(proof.phone, "bind", proof.sms_code, client=client):
                raise SmsCodeInvalid()
            return proof.phone, True
        if proof.platform_proof is not None:
            if platform != "wechat":
                # Alipay's my.getPhoneNumber answer is replayable forever (the module docstring).
                raise SmsRequired()
            return await self._platforms.wechat_phone_number(proof.platform_proof), False
        if proof.phone is not None and proof.face_ticket is not None:
            if not await self._citizens.face_ticket_vouches(
                proof.face_ticket, phone=proof.phone, name=name, id_number=id_number
            ):
                # Before the phone's account is looked up: an unproven phone learns nothing.
                raise FaceTicketInvalid()
            return proof.phone, False
        raise PhoneProofMissing()

    async def _link(
        self, citizen_id: uuid.UUID, identity: PlatformIdentity, *, by: str, phone: str | None = None
    ) -> Link:
        data: dict[str, Any] = {"platform": identity.platform, "app_id": identity.app_id}
        if phone is not None:
            data["phone"] = mask_phone(phone)
        try:
            async with transaction(self._engine):
                row = await self._links.create(citizen_id, identity, now=self._clock.now())
                data["link"] = str(row.id)
                await self._audit.append(
                    actor=by,
                    action="account.linked",
                    subject=f"citizen:{citizen_id}",
                    data=data,
                    chain="auth",
                )
        except LinkTaken:
            raise AlreadyLinked(platform=identity.platform) from None
        return row

    async def _session(
        self, citizen_id: uuid.UUID, platform: Platform, *, client: str, action: str
    ) -> TokenPair:
        pair = await self._tokens.issue_pair(
            "citizen", citizen_id, scopes=CITIZEN_SCOPES, client_id=client_id(platform)
        )
        subject = f"citizen:{citizen_id}"
        await self._audit.append(
            actor=subject,
            action=action,
            subject=subject,
            data={"grant": f"{platform}_miniprogram", "client": client},
            chain="auth",
        )
        return pair
