"""Staff sign-in: the password, then — when a second factor is enrolled — a challenge answered with a code
or a recovery code, then a session (access + refresh token); or, while the account owes a password
change or a second-factor enrolment (``StaffSettings.second_factor_roles``), a short token that can
only settle that (scope ``staff:account`` alone).

The password step is throttled like citizen logins (``backend.auth.throttle``) under the lower-cased
username's blind index, and is constant-work: a known and an unknown username take the same steps up to
the answer (one SELECT, the same store operations, one Argon2 verify, one audited failure). The code
step is throttled the same way under the member's id, and its challenge takes a few codes at most.
Every session start re-reads the account after the tokens exist, so a member disabled meanwhile gets
none that live (``StaffService.set_status`` revokes after its own write).
"""

from __future__ import annotations

import logging
import uuid

import msgspec

from backend.audit.service import AuditLog
from backend.auth.errors import InvalidCredentials, RefreshTokenInvalid, TokenRevoked
from backend.auth.passwords import Passwords
from backend.auth.principal import STAFF_ACCOUNT_SCOPE, STAFF_SCOPE, Principal
from backend.auth.service import refresh_throttle
from backend.auth.sessions import SessionClient
from backend.auth.settings import AuthSettings
from backend.auth.throttle import LoginAttempt, LoginThrottle
from backend.auth.tokens import AccessToken, TokenPair, TokenService
from backend.crypto import PersonalDataCipher
from backend.ratelimit import RateLimiter
from backend.staff.challenges import Challenges
from backend.staff.errors import ChallengeInvalid, SecondFactorProofInvalid
from backend.staff.repository import Role, StaffRepository, StaffRow
from backend.staff.second_factor import Proof, SecondFactors
from backend.staff.settings import StaffSettings
from backend.staff.setup import (
    Method,
    Step,
    is_setup,
    live,
    owed_by,
    presented_factor,
    settled_by,
    setup_context,
)

log = logging.getLogger("backend.staff")

STAFF_CLIENT_ID = "staff-console"
# The blind index naming a (lower-case) username in the login throttle and in the audit of failures.
USERNAME_INDEX = "staff.username"

Requirement = Step


class Authenticated(msgspec.Struct, frozen=True, kw_only=True):
    pair: TokenPair
    role: Role


class Challenged(msgspec.Struct, frozen=True, kw_only=True):
    challenge: str
    expires_in: int


class SetupOwed(msgspec.Struct, frozen=True, kw_only=True):
    token: AccessToken
    role: Role
    required: tuple[Requirement, ...]


def password_account(cipher: PersonalDataCipher, username: str) -> tuple[str, str]:
    """The blind index of a username, and the ``LoginThrottle`` account its passwords count under."""
    handle = cipher.blind_index(username.lower(), column=USERNAME_INDEX)
    return handle, f"staff:{handle}"


def owed(row: StaffRow, *, enrolled: bool, settings: StaffSettings) -> tuple[Requirement, ...]:
    """What the account must settle before it gets a session."""
    required: list[Requirement] = []
    if row.must_change_password:
        required.append("password_change")
    if row.role in settings.second_factor_roles and not enrolled:
        required.append("second_factor_enrolment")
    return tuple(required)


class StaffLogin:
    def __init__(
        self,
        *,
        repository: StaffRepository,
        factors: SecondFactors,
        challenges: Challenges,
        passwords: Passwords,
        tokens: TokenService,
        throttle: LoginThrottle,
        limiter: RateLimiter,
        cipher: PersonalDataCipher,
        audit: AuditLog,
        settings: StaffSettings,
        auth_settings: AuthSettings,
    ) -> None:
        self._repository = repository
        self._factors = factors
        self._challenges = challenges
        self._passwords = passwords
        self._tokens = tokens
        self._throttle = throttle
        self._limiter = limiter
        self._cipher = cipher
        self._audit = audit
        self._settings = settings
        self._refresh_rule = refresh_throttle(auth_settings)

    async def password(
        self, username: str, password: str, *, client: str, user_agent: str | None = None
    ) -> Authenticated | Challenged | SetupOwed:
        """The first step: the right password answers a session, a challenge for the second factor,
        or a token that can only settle what the account owes."""
        handle, account = password_account(self._cipher, username)
        attempt = await self._throttle.admit(account, client, slow_past_ceiling=True)
        row = await self._repository.find_by_username(username.lower())
        matches = await self._passwords.verify(row.password_hash if row is not None else None, password)
        if row is None or not row.active or not matches:
            await self._failed(row, handle, attempt)
            raise InvalidCredentials()
        await self._throttle.succeeded(attempt)
        if await self._factors.enrolled(row.id):
            challenge = await self._challenges.issue(row.id)
            await self._audit.append(
                actor=f"staff:{row.id}",
                action="staff.login_challenged",
                subject=f"staff:{row.id}",
                data={"client": client},
                chain="auth",
            )
            return Challenged(challenge=challenge, expires_in=self._challenges.ttl)
        return await self._signed_in(row, factor=None, client=client, user_agent=user_agent)

    async def second_factor(
        self, challenge: str, proof: Proof, *, client: str, user_agent: str | None = None
    ) -> Authenticated | SetupOwed:
        """The second step: a code of the authenticator, or a recovery code, for a live challenge."""
        if (proof.code is None) == (proof.recovery_code is None):
            raise SecondFactorProofInvalid()  # before the challenge is charged: no code was offered
        staff_id = await self._challenges.find(challenge)
        if staff_id is None:
            raise ChallengeInvalid()
        if not await self._challenges.charge(challenge):
            await self._challenges.redeem(challenge)
            raise ChallengeInvalid()
        row = await self._repository.find(staff_id)
        if row is None or not row.active:
            raise ChallengeInvalid()
        method = await self._factors.verify(staff_id, proof, client=client)
        if not await self._challenges.redeem(challenge):
            raise ChallengeInvalid()  # a concurrent request with another code redeemed it first
        return await self._signed_in(row, factor=method, client=client, user_agent=user_agent)

    async def refresh(
        self, refresh_token: str, *, client: str, user_agent: str | None = None
    ) -> Authenticated:
        """Renew a staff session, for an account still active."""
        await self._limiter.hit(self._refresh_rule, client)
        pair = await self._tokens.refresh(
            refresh_token,
            kind="staff",
            client=SessionClient.of(client, user_agent),
            idle_ttl=self._settings.session_idle_ttl,
        )
        principal = self._tokens.verify_access(pair.access_token)
        row = await self._repository.find(principal.id)
        if row is None or not row.active:
            await self._tokens.logout(principal)
            raise RefreshTokenInvalid()
        await self._limiter.refund(self._refresh_rule, client)
        return Authenticated(pair=pair, role=row.role)

    async def account(self, principal: Principal) -> StaffRow:
        """The caller's account, active, for a token that still counts: a setup token superseded by
        a step another token settled is ``TokenRevoked`` (``backend.staff.setup``)."""
        row = await self._repository.find(principal.id)
        if row is None or not row.active:
            raise InvalidCredentials()
        if not live(principal, row):
            raise TokenRevoked()
        return row

    async def owed_by(self, staff_id: uuid.UUID) -> tuple[Requirement, ...]:
        """What the account must settle before a login gets a session."""
        row = await self._repository.find(staff_id)
        if row is None or not row.active:
            raise InvalidCredentials()
        return owed(row, enrolled=await self._factors.enrolled(row.id), settings=self._settings)

    async def settled(
        self, principal: Principal, *, client: str, user_agent: str | None = None
    ) -> tuple[tuple[Requirement, ...], Authenticated | None]:
        """After a password change or an enrolment: what the account still owes and — for a caller
        holding a setup token that itself settled everything it owed — the session it was waiting
        for (the setup token ends then). A caller already in a session keeps it. A setup token whose
        account was settled by another token, or enrolled since, gets no session: sign in again."""
        row = await self.account(principal)
        enrolled = await self._factors.enrolled(row.id)
        required = owed(row, enrolled=enrolled, settings=self._settings)
        if required or not is_setup(principal):
            return required, None
        factor = presented_factor(principal, row)
        if not owed_by(principal) <= settled_by(principal, row) or (enrolled and factor is None):
            await self._tokens.logout(principal)
            return required, None
        session = await self._signed_in(row, factor=factor, client=client, user_agent=user_agent)
        await self._tokens.logout(principal)
        assert isinstance(session, Authenticated)  # nothing is owed: a session, never another setup
        return required, session

    async def _signed_in(
        self, row: StaffRow, *, factor: Method | None, client: str, user_agent: str | None
    ) -> Authenticated | SetupOwed:
        required = owed(row, enrolled=await self._factors.enrolled(row.id), settings=self._settings)
        if required:
            token = await self._tokens.issue_access(
                "staff",
                row.id,
                scopes=(STAFF_ACCOUNT_SCOPE,),
                client_id=STAFF_CLIENT_ID,
                ttl=self._settings.setup_ttl,
                context=setup_context(row, required, factor),
            )
            await self._still_active(row, self._tokens.verify_access(token.token))
            await self._audit_login(row, factor, client, token.jti, restricted=required)
            return SetupOwed(token=token, role=row.role, required=required)
        pair = await self._tokens.issue_pair(
            "staff",
            row.id,
            scopes=(STAFF_SCOPE, STAFF_ACCOUNT_SCOPE),
            roles=(row.role,),
            client_id=STAFF_CLIENT_ID,
            client=SessionClient.of(client, user_agent),
            idle_ttl=self._settings.session_idle_ttl,
            absolute_ttl=self._settings.session_absolute_ttl,
        )
        principal = self._tokens.verify_access(pair.access_token)
        await self._still_active(row, principal)
        await self._audit_login(row, factor, client, principal.jti, restricted=())
        return Authenticated(pair=pair, role=row.role)

    async def _still_active(self, row: StaffRow, principal: Principal) -> None:
        # Disabled while signing in: the disable revoked what existed before these tokens, so these
        # end here (the account is re-read after they exist).
        current = await self._repository.find(row.id)
        if current is None or not current.active:
            await self._tokens.logout(principal)
            raise InvalidCredentials()

    async def _audit_login(
        self, row: StaffRow, factor: Method | None, client: str, jti: str, *, restricted: tuple[str, ...]
    ) -> None:
        data: dict[str, object] = {"role": row.role, "jti": jti[:8], "client": client, "factor": factor}
        if restricted:
            data["restricted_to"] = list(restricted)
        await self._audit.append(
            actor=f"staff:{row.id}", action="staff.login", subject=f"staff:{row.id}", data=data, chain="auth"
        )

    async def _failed(self, row: StaffRow | None, handle: str, attempt: LoginAttempt) -> None:
        # An unknown name is audited under its blind index: never the name itself, which may be a
        # password typed into the wrong field.
        subject = f"staff:{row.id}" if row is not None else f"staff-name:{handle[:16]}"
        await self._audit.append(
            actor="anonymous",
            action="staff.login_failed",
            subject=subject,
            data={
                "failures": attempt.failures,
                "failures_from_client": attempt.address_failures,
                "client": attempt.client,
            },
            chain="auth",
        )
        if attempt.reaches_ceiling:
            # From now on new addresses take turns, slower and slower, until the failures are
            # forgotten or an operator clears them (``StaffService.clear_login_throttle``).
            log.warning("staff login %s reached the failure ceiling", subject)
            await self._audit.append(
                actor="system",
                action="staff.login_ceiling_reached",
                subject=subject,
                data={"failures": attempt.failures},
                chain="auth",
            )
