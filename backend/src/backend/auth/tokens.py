"""Access and refresh tokens: the one module that speaks JOSE (python-jose, wrapped here only).

Access tokens are RFC 9068 JWTs: header ``{"alg": "ES256", "typ": "at+jwt", "kid": ...}``, claims
``iss aud sub exp iat jti client_id scope`` (+ ``roles`` for staff, ``sid`` = the session). Verifying
pins the algorithm, requires every claim, checks ``typ``, ``aud``, ``iss`` and expiry, picks the key
by ``kid`` from our own key ring only (``jku``/``x5u``/``jwk`` headers are refused, RFC 8725 §3.10),
and refuses tokens over 4 KiB before parsing them. A token has one spelling: its signature must be the
canonical base64url of a low-S ``r || s`` (we sign only those), so nobody can mint a second valid
string of a token someone holds. A verified token is cached until it expires: its signature is checked
once per token per worker, not once per request.

Revocation is a separate, async step on the store (``revocation_check`` + ``revoked_by`` let a hot
path batch it with its own reads): a logged-out token's ``jti``, a whole session (``sid``), or every
token of a principal issued up to a moment (a disabled device or staff member); the writes that end
tokens, and the session list, are ``backend.auth.sessions``.

Refresh tokens are opaque (256 random bits), kept only as SHA-256, single use: each use rotates it
within its family; presenting a rotated one again revokes the family (RFC 9700 §4.14.2).
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

import msgspec
from jose import jwt
from jose.exceptions import ExpiredSignatureError, JWTError

from backend.audit.service import AuditLog
from backend.auth.errors import (
    RefreshTokenInvalid,
    RefreshTokenReused,
    TokenExpired,
    TokenInvalid,
    TokenRevoked,
    UnknownSigningKey,
)
from backend.auth.formats import REFRESH_TOKEN, canonical_signature, hash_refresh, low_s
from backend.auth.keys import ALGORITHM, SigningKeyRing
from backend.auth.principal import PRINCIPAL_KINDS, Principal, PrincipalKind, principal_from_claims
from backend.auth.repository import NewRefreshToken, RefreshRecord, RefreshTokenRepository
from backend.auth.revocation import (
    RevocationCheck,
    RevocationView,
    deny_jti_key,
    deny_session_key,
    deny_subject_key,
)
from backend.auth.sessions import LEEWAY, SessionClient, Sessions
from backend.auth.settings import AuthSettings
from backend.clock import Clock
from backend.store import KeyValueStore

log = logging.getLogger("backend.auth.tokens")

ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 (a media type, RFC 9068)
# RFC 8725 §3.4/§3.10 and CVE-2024-33664: size is checked before any decoding. Our tokens are ~600 B.
MAX_TOKEN_BYTES = 4096
# Verified tokens kept per worker; ~1 KiB each. A full cache drops its oldest entry.
_CACHE_SIZE = 20_000
_FORBIDDEN_HEADERS = frozenset({"jku", "jwk", "x5u", "x5c", "crit"})
_DECODE_OPTIONS = {
    "require_iat": True,
    "require_exp": True,
    "require_iss": True,
    "require_aud": True,
    "require_sub": True,
    "require_jti": True,
    "verify_at_hash": False,
    "leeway": LEEWAY,
}


class AccessToken(msgspec.Struct, frozen=True, kw_only=True):
    token: str
    jti: str
    exp: int
    expires_in: int


class TokenPair(msgspec.Struct, frozen=True, kw_only=True):
    """The token endpoint's answer (RFC 6749 §5.1)."""

    access_token: str
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 (RFC 6750)
    expires_in: int


class TokenService:
    """Issues, verifies, rotates and revokes tokens for citizens, staff and devices alike."""

    def __init__(
        self,
        *,
        settings: AuthSettings,
        issuer: str,
        keys: SigningKeyRing,
        refresh_tokens: RefreshTokenRepository,
        store: KeyValueStore,
        audit: AuditLog,
        clock: Clock,
    ) -> None:
        self._settings = settings
        self._issuer = issuer
        self._keys = keys
        self._refresh = refresh_tokens
        self._store = store
        self._audit = audit
        self._clock = clock
        self._cache: dict[str, Principal] = {}
        self.revocations = RevocationView(store, clock)
        self.sessions = Sessions(
            refresh_tokens=refresh_tokens,
            store=store,
            revocations=self.revocations,
            access_ttl=settings.access_ttl,
            clock=clock,
        )

    @property
    def keys(self) -> SigningKeyRing:
        return self._keys

    async def issue_access(
        self,
        kind: PrincipalKind,
        principal_id: uuid.UUID,
        *,
        scopes: Iterable[str] = (),
        roles: Iterable[str] = (),
        client_id: str,
        sid: str | None = None,
        ttl: int | None = None,
        context: Mapping[str, str] | None = None,
    ) -> AccessToken:
        """Sign an access token for ``kind:principal_id``. ``ttl`` may only shorten the default;
        ``context`` (short strings: a device's scene and venue) rides along as claim ``ctx`` and
        comes back as ``Principal.context``, so a hot path needs no lookup for it."""
        if kind not in PRINCIPAL_KINDS:
            raise ValueError(f"unknown principal kind {kind!r}")
        lifetime = min(ttl or self._settings.access_ttl, self._settings.access_ttl)
        kid, key = await self._keys.signer()
        now = int(self._clock.now().timestamp())
        jti = secrets.token_urlsafe(16)
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "aud": self._settings.audience,
            "sub": f"{kind}:{principal_id}",
            "iat": await self.sessions.issued_at(f"{kind}:{principal_id}"),
            "exp": now + lifetime,
            "jti": jti,
            "client_id": client_id,
            "scope": " ".join(sorted(set(scopes))),
        }
        role_list = sorted(set(roles))
        if role_list:
            claims["roles"] = role_list
        if sid is not None:
            claims["sid"] = sid
        if context:
            claims["ctx"] = dict(context)
        token = low_s(
            jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid, "typ": ACCESS_TOKEN_TYPE})
        )
        return AccessToken(token=token, jti=jti, exp=now + lifetime, expires_in=lifetime)

    async def issue_pair(
        self,
        kind: PrincipalKind,
        principal_id: uuid.UUID,
        *,
        scopes: Iterable[str] = (),
        roles: Iterable[str] = (),
        client_id: str,
        client: SessionClient | None = None,
        idle_ttl: int | None = None,
        absolute_ttl: int | None = None,
    ) -> TokenPair:
        """Start a new session (refresh-token family) and return its first access + refresh token.
        ``idle_ttl`` / ``absolute_ttl`` may only shorten the settings' (a staff console's work day);
        ``client`` is what the session list will show."""
        now = self._clock.now()
        cap = self._settings.refresh_absolute_ttl
        absolute = min(absolute_ttl or cap, cap)
        record = RefreshRecord(
            family_id=secrets.token_hex(16),
            principal_kind=kind,
            principal_id=principal_id,
            scopes=tuple(sorted(set(scopes))),
            roles=tuple(sorted(set(roles))),
            client_id=client_id,
            family_expires_at=now + timedelta(seconds=absolute),
            started_at=now,
        )
        refresh, new = self._new_refresh(idle_ttl, client)
        await self._refresh.add(record, new)
        return await self._pair(record, refresh)

    async def refresh(
        self,
        refresh_token: str,
        *,
        kind: PrincipalKind | None = None,
        client: SessionClient | None = None,
        idle_ttl: int | None = None,
    ) -> TokenPair:
        """Spend ``refresh_token`` for a new pair in the same session (with ``kind``, only a session of
        that kind: another kind's token is not live here and stays unspent). Raises
        ``RefreshTokenReused`` when the token was already spent (the whole session is revoked then, and
        audited the first time only), ``RefreshTokenInvalid`` otherwise (unknown, expired, revoked,
        malformed)."""
        if not REFRESH_TOKEN.fullmatch(refresh_token):
            raise RefreshTokenInvalid()
        token_hash = hash_refresh(refresh_token)
        successor, new = self._new_refresh(idle_ttl, client)
        record = await self._refresh.rotate(token_hash, new, now=self._clock.now(), kind=kind)
        if record is None:
            spent = await self._refresh.find_spent(token_hash)
            if spent is not None:
                await self._revoke_reused(spent)
                raise RefreshTokenReused()
            raise RefreshTokenInvalid()
        return await self._pair(record, successor)

    def _new_refresh(self, idle_ttl: int | None, client: SessionClient | None) -> tuple[str, NewRefreshToken]:
        """A fresh refresh token; its idle expiry is capped by its family's absolute one on insert."""
        token = "rt_" + secrets.token_urlsafe(32)
        now = self._clock.now()
        idle = min(idle_ttl or self._settings.refresh_idle_ttl, self._settings.refresh_idle_ttl)
        seen = client or SessionClient()
        expires_at = now + timedelta(seconds=idle)
        new = NewRefreshToken(token_hash=hash_refresh(token), issued_at=now, expires_at=expires_at)
        return token, msgspec.structs.replace(new, client=seen.address, user_agent=seen.user_agent)

    async def _pair(self, record: RefreshRecord, refresh_token: str) -> TokenPair:
        kind = record.principal_kind
        if kind not in PRINCIPAL_KINDS:
            raise RefreshTokenInvalid()
        access = await self.issue_access(
            kind,  # type: ignore[arg-type]
            record.principal_id,
            scopes=record.scopes,
            roles=record.roles,
            client_id=record.client_id,
            sid=record.family_id,
        )
        return TokenPair(access_token=access.token, refresh_token=refresh_token, expires_in=access.expires_in)

    async def _revoke_reused(self, record: RefreshRecord) -> None:
        subject = f"{record.principal_kind}:{record.principal_id}"
        revoked = await self._refresh.revoke_family(record.family_id, now=self._clock.now())
        if revoked == 0:
            # Replayed again, or after the session ended anyway: nothing changes, so nothing is
            # written. Otherwise every replay would append to the ``auth`` chain, whose lock every
            # login's audit row waits on. Of concurrent replays, the revoking UPDATE lets one through.
            log.info("refresh token reuse: session of %s was already revoked", subject)
            return
        await self.sessions.deny_session(record.family_id)
        log.warning("refresh token reuse: session of %s revoked", subject)
        await self._audit.append(
            actor=subject,
            action="auth.refresh_token_reused",
            subject=subject,
            data={"session": record.family_id[:8], "client_id": record.client_id},
            chain="auth",
        )

    def verify_access(self, token: str) -> Principal:
        """Verify an access token's signature and claims (no I/O); raises ``TokenRejected``, or
        ``UnknownSigningKey`` when its ``kid`` isn't loaded here (``authenticate`` reloads and retries).
        """
        cached = self._cache.get(token)
        now = self._clock.now().timestamp()
        if cached is not None:
            if cached.exp > now:
                return cached
            del self._cache[token]
            raise TokenExpired()
        if len(token) > MAX_TOKEN_BYTES:
            raise TokenInvalid()
        principal = self._decode(token)
        if principal.exp <= now:
            raise TokenExpired()
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[token] = principal
        return principal

    def _decode(self, token: str) -> Principal:
        invalid = TokenInvalid()
        try:
            header = jwt.get_unverified_header(token)
        except JWTError:
            raise invalid from None
        if (
            header.get("alg") != ALGORITHM
            or header.get("typ") != ACCESS_TOKEN_TYPE
            or not isinstance(header.get("kid"), str)
            or _FORBIDDEN_HEADERS.intersection(header)
        ):
            log.info("access token refused: header alg=%r typ=%r", header.get("alg"), header.get("typ"))
            raise invalid
        key = self._keys.verifier(header["kid"])
        if key is None:
            raise UnknownSigningKey(header["kid"])
        if not canonical_signature(token):
            log.info("access token refused: signature not in its one canonical low-S form")
            raise invalid
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._settings.audience,
                issuer=self._issuer,
                options=_DECODE_OPTIONS,
            )
        except ExpiredSignatureError:
            raise TokenExpired() from None
        except JWTError as exc:
            log.info("access token refused: %s", type(exc).__name__)
            raise invalid from None
        try:
            return principal_from_claims(claims)
        except (ValueError, TypeError, KeyError):
            log.info("access token refused: malformed claims")
            raise invalid from None

    async def authenticate(self, token: str, *, check_revocation: bool = True) -> Principal:
        """``verify_access`` with key-ring upkeep, then (unless told not to) the revocation check.
        While the key table can't be read, a token with a ``kid`` we don't hold is 503
        ``auth.keys_unavailable``, not a verdict."""
        await self._keys.ensure_loaded()
        try:
            principal = self.verify_access(token)
        except UnknownSigningKey:
            # Another worker may have created a key since we last looked; one throttled reload.
            await self._keys.reload_for_unknown_kid()
            try:
                principal = self.verify_access(token)
            except UnknownSigningKey:
                raise TokenInvalid() from None
        if check_revocation and await self.is_revoked(principal):
            raise TokenRevoked()
        return principal

    def revocation_check(self, principal: Principal) -> RevocationCheck:
        """The store keys whose values decide ``revoked_by`` — none when this worker already knows the
        token is live (``backend.auth.revocation``). A hot path reads them in its own round trip."""
        if self.revocations.knows_live(principal):
            return RevocationCheck(keys=[], generation=self.revocations.generation)
        keys = [deny_jti_key(principal.jti), deny_subject_key(principal.subject)]
        if principal.sid is not None:
            keys.append(deny_session_key(principal.sid))
        return RevocationCheck(keys=keys, generation=self.revocations.generation)

    def revoked_by(self, principal: Principal, check: RevocationCheck, values: list[bytes | None]) -> bool:
        """Given the values of ``check.keys`` (same order): is the token revoked?"""
        if not check.keys:
            return False
        jti, subject, *session = values
        # A subject denial holds the moment it was made: tokens issued up to then are dead.
        revoked = (
            jti is not None
            or any(v is not None for v in session)
            or (subject is not None and principal.iat <= int(subject))
        )
        if not revoked:
            self.revocations.remember_live(principal, check.generation)
        return revoked

    async def is_revoked(self, principal: Principal) -> bool:
        check = self.revocation_check(principal)
        values = await self._store.get_many(check.keys) if check.keys else []
        return self.revoked_by(principal, check, values)

    # Shorthands for ``self.sessions`` (``backend.auth.sessions``), where the ways tokens end live.
    async def logout(self, principal: Principal) -> None:
        await self.sessions.logout(principal)

    async def revoke_subject(self, kind: PrincipalKind, principal_id: uuid.UUID) -> None:
        await self.sessions.revoke_subject(kind, principal_id)

    async def end_sessions(self, kind: PrincipalKind, principal_id: uuid.UUID) -> None:
        """``revoke_subject``'s database half, in the caller's transaction; its access tokens live on."""
        await self.sessions.end_families(kind, principal_id)

    async def end_client_sessions(self, kind: PrincipalKind, principal_id: uuid.UUID, client_id: str) -> None:
        await self.sessions.end_all(kind, principal_id, client_id=client_id)

    async def end_other_sessions(
        self, kind: PrincipalKind, principal_id: uuid.UUID, *, keep_session: str | None
    ) -> None:
        await self.sessions.end_all(kind, principal_id, keep=keep_session)
