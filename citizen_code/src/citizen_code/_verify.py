"""The verifier: every check a scanner runs, offline, with the trust list only.

Hot path, in order (cheap refusals first, each signature verified at most once):
length limit → ``SQ1:`` prefix → strict Base45 → CBOR size limit → COSE_Sign1 shape →
claims shape → key lookup → signature → issuer, key window, time, revocation, status.
An online code in the issuer's exact layout is read in one step (``_fixed_layout``); any other
shape goes through the COSE and claims parsers, with the same checks after.
Public key objects are built once when the trust list loads; holder credentials that
verified once are cached (by their exact bytes) until they expire, so a regular's frame
costs one ECDSA verification.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from citizen_code import _claims, _cose
from citizen_code._base45 import b45decode
from citizen_code._claims import CodeClaims, Mode, Status
from citizen_code._fixed_layout import OnlineFields, read_online_code
from citizen_code._issue import MAX_HOLDER_TTL, PREFIX
from citizen_code._keys import verify_raw
from citizen_code._replay import MemoryReplayCache, ReplayCache
from citizen_code._revocation import RevocationList
from citizen_code._trust import TrustedKey, TrustList
from citizen_code._verdict import Decision, ParsedCode, Verdict
from citizen_code.errors import (
    BadSignature,
    CodeExpired,
    CodeNotYetValid,
    CodeRejected,
    CodeReplayed,
    CodeRestricted,
    CodeRevoked,
    CodeTooLarge,
    InvalidKey,
    KeyNotYetValid,
    KeyRetired,
    MalformedCode,
    UnknownKey,
    WrongIssuer,
)

# Limits applied before any parsing: a V12-M frame is ~410 characters / ~270 bytes.
MAX_TEXT_LENGTH = 1000
MAX_CBOR_BYTES = 600
# 15 s: forgives a scanner clock running behind the issuer's for iat; exp is kept exactly.
CLOCK_SKEW = 15
CREDENTIAL_CACHE_SIZE = 100_000


@dataclass(frozen=True, slots=True)
class FrameWindow:
    """How far a frame's ``iat`` may lie behind or ahead of the scanner clock.

    Defaults: frames refresh every 15 s; 45 s behind covers that plus queueing and clock
    error, 15 s ahead covers a phone clock running fast.
    """

    past: int = 45
    future: int = 15


DEFAULT_FRAME_WINDOW = FrameWindow()
DEFAULT_DENY_STATUSES = frozenset({Status.RESTRICTED})
# The records of an online scan are built with tuple.__new__ and every field in class order:
# a NamedTuple's own constructor is a Python function, ~0.1 µs a record on a ~6 µs path.
_record = tuple.__new__
# An enum member read as a class attribute costs ~0.1 µs (EnumType's lookup); a global, nothing.
_ONLINE = Mode.ONLINE


@dataclass(frozen=True, slots=True)
class _Credential:
    issuer: str
    code_id: str
    issued_at: int
    expires_at: int
    status: Status
    kid: bytes
    trusted: TrustedKey
    device_key: ec.EllipticCurvePublicKey


class Verifier:
    """Verifies both code forms against a trust list, offline.

    Example:
        >>> verifier = Verifier(trust_list, revocations=revocations)  # doctest: +SKIP
        >>> verifier.verify(scanned_text).reason  # doctest: +SKIP
        <Reason.OK: 'ok'>

    Args:
        trust_list: the verified trust list (``load_trust_list``).
        revocations: revoked code ids; empty when omitted.
        replay_cache: used by ``verify``; a fresh ``MemoryReplayCache`` when omitted.
        deny_statuses: statuses that end in ``restricted``; pass ``frozenset()`` to let
            every status through and decide on ``claims.status`` yourself.
        frame_window: acceptance window of device frames around the scanner clock.
        clock_skew: seconds an online code or credential ``iat`` may be ahead of the clock.
        clock: seconds since the epoch, used when a call passes no ``now``.
    """

    def __init__(
        self,
        trust_list: TrustList,
        *,
        revocations: RevocationList | None = None,
        replay_cache: ReplayCache | None = None,
        deny_statuses: frozenset[Status] = DEFAULT_DENY_STATUSES,
        frame_window: FrameWindow = DEFAULT_FRAME_WINDOW,
        clock_skew: int = CLOCK_SKEW,
        clock: Callable[[], float] = time.time,
        credential_cache_size: int = CREDENTIAL_CACHE_SIZE,
    ) -> None:
        self._trust_list = trust_list
        self._keys = trust_list.keys
        self._revocations = revocations if revocations is not None else RevocationList()
        self._replay_cache = replay_cache if replay_cache is not None else MemoryReplayCache()
        self._deny_statuses = deny_statuses
        self._window = frame_window
        self._skew = clock_skew
        self._clock = clock
        self._credentials: dict[bytes, _Credential] = {}
        self._credential_cache_size = credential_cache_size

    def update(
        self, *, trust_list: TrustList | None = None, revocations: RevocationList | None = None
    ) -> None:
        """Swap in a newer trust list and/or revocation list (e.g. after a sync)."""
        if trust_list is not None:
            self._trust_list = trust_list
            self._keys = trust_list.keys
            # Cached credentials were verified under the old keys.
            self._credentials = {}
        if revocations is not None:
            self._revocations = revocations

    def verify(self, code: str, *, now: int | None = None) -> Verdict:
        """Run every check, including replay against this verifier's cache."""
        if now is None:
            now = int(self._clock())
        try:
            parsed = self.inspect(code, now=now)
        except CodeRejected as exc:
            return Verdict(Decision.DENY, exc.reason, exc.claims, str(exc))
        if self._replay_cache.add(parsed.replay_key, expires_at=parsed.replay_expires_at, now=now):
            return parsed.accept()
        return parsed.replayed()

    def check(self, code: str, *, now: int | None = None) -> Verdict | ParsedCode:
        """Run every check except replay: a deny Verdict, or a ParsedCode to record."""
        try:
            return self.inspect(code, now=now)
        except CodeRejected as exc:
            return Verdict(Decision.DENY, exc.reason, exc.claims, str(exc))

    def verify_or_raise(self, code: str, *, now: int | None = None) -> CodeClaims:
        """Like ``verify``, but return the claims or raise the ``CodeRejected`` subclass."""
        if now is None:
            now = int(self._clock())
        parsed = self.inspect(code, now=now)
        if not self._replay_cache.add(parsed.replay_key, expires_at=parsed.replay_expires_at, now=now):
            error = CodeReplayed(replay_key=parsed.replay_key)
            error.claims = parsed.claims
            raise error
        return parsed.claims

    def inspect(self, code: str, *, now: int | None = None) -> ParsedCode:
        """Run every check except replay, raising on the first failure.

        Raises:
            CodeRejected: the subclass for the failed check (see ``errors``).
        """
        if now is None:
            now = int(self._clock())
        if len(code) > MAX_TEXT_LENGTH:
            raise CodeTooLarge(size=len(code), limit=MAX_TEXT_LENGTH)
        if not code.startswith(PREFIX):
            raise MalformedCode("the code does not start with SQ1:")
        raw = b45decode(code[len(PREFIX) :])
        if len(raw) > MAX_CBOR_BYTES:
            raise CodeTooLarge(size=len(raw), limit=MAX_CBOR_BYTES)
        online = read_online_code(raw)
        if online is not None:
            return self._online(online, now)
        message = _cose.parse_sign1(raw)
        claims = _claims.decode_claims(message.payload)
        kid = message.kid
        if kid is not None:
            iss, sub, iat, exp, cti, status = _claims.read_online(claims)
            return self._online(
                (kid, iss, sub, iat, exp, cti, status, message.signature, message.to_be_signed), now
            )
        if not _claims.is_frame(claims):
            raise MalformedCode("a code without a kid must be a device frame")
        return self._frame(message, claims, now)

    def _online(self, fields: OnlineFields, now: int) -> ParsedCode:
        """The checks after parsing, the same for both readers (fixed-layout and strict)."""
        kid, iss, sub, iat, exp, cti, status, signature, to_be_signed = fields
        trusted = self._keys.get(kid)
        if trusted is None:
            raise UnknownKey(kid=kid)
        if not verify_raw(trusted.public_key, signature, to_be_signed):
            raise BadSignature(kid=kid)
        claims = _record(CodeClaims, (_ONLINE, iss, sub, status, iat, exp, cti, kid, None))
        try:
            self._check_vouched(iss, sub, status, iat, exp, trusted, now)
        except CodeRejected as exc:
            exc.claims = claims
            raise
        return _record(ParsedCode, (claims, "o:" + cti.hex(), exp))

    def _frame(self, message: _cose.Sign1, claim_map: dict[object, object], now: int) -> ParsedCode:
        iat, nonce, encoded_credential = _claims.read_frame(claim_map)
        credential = self._credentials.get(encoded_credential)
        if credential is None:
            credential = self._load_credential(encoded_credential, now)
        if not verify_raw(credential.device_key, message.signature, message.to_be_signed):
            raise BadSignature(kid=None)
        claims = CodeClaims(
            Mode.DEVICE,
            credential.issuer,
            credential.code_id,
            credential.status,
            iat,
            credential.expires_at,
            nonce,
            credential.kid,
            credential.issued_at,
        )
        try:
            self._check_vouched(
                credential.issuer,
                credential.code_id,
                credential.status,
                credential.issued_at,
                credential.expires_at,
                credential.trusted,
                now,
            )
            if iat > now + self._window.future:
                raise CodeNotYetValid(valid_from=iat - self._window.future)
            if iat < now - self._window.past:
                raise CodeExpired(expired_at=iat + self._window.past)
        except CodeRejected as exc:
            exc.claims = claims
            raise
        replay_key = f"f:{credential.code_id}:{iat}:{nonce.hex()}"
        return ParsedCode(claims, replay_key, iat + self._window.past + 1)

    def _load_credential(self, encoded: bytes, now: int) -> _Credential:
        message = _cose.parse_sign1(encoded)
        kid = message.kid
        if kid is None:
            raise MalformedCode("the holder credential names no issuer key")
        iss, sub, iat, exp, status, cose_key = _claims.read_holder(_claims.decode_claims(message.payload))
        if exp - iat > MAX_HOLDER_TTL:
            raise MalformedCode("holder credential lifetime exceeds 48 h")
        trusted = self._keys.get(kid)
        if trusted is None:
            raise UnknownKey(kid=kid)
        if not verify_raw(trusted.public_key, message.signature, message.to_be_signed):
            raise BadSignature(kid=kid)
        try:
            device_key = _cose.public_key_from_cose(cose_key)
        except InvalidKey as exc:
            raise MalformedCode(f"holder credential: {exc}") from None
        credential = _Credential(iss, sub, iat, exp, status, kid, trusted, device_key)
        self._remember(encoded, credential, now)
        return credential

    def _remember(self, encoded: bytes, credential: _Credential, now: int) -> None:
        cache = self._credentials
        if len(cache) >= self._credential_cache_size:
            live = {k: c for k, c in cache.items() if c.expires_at > now}
            if len(live) >= self._credential_cache_size:
                # Still full of live credentials: drop the older half rather than grow.
                live = dict(list(live.items())[len(live) // 2 :])
            self._credentials = cache = live
        cache[encoded] = credential

    def _check_vouched(
        self,
        issuer: str,
        code_id: str,
        status: Status,
        issued_at: int,
        expires_at: int,
        trusted: TrustedKey,
        now: int,
    ) -> None:
        """Checks on what the issuer signed: issuer, key window, validity, revocation, status."""
        if issuer != self._trust_list.issuer:
            raise WrongIssuer(issuer=issuer, expected=self._trust_list.issuer)
        if now >= trusted.not_after:
            raise KeyRetired(kid=trusted.kid, retired_at=trusted.not_after)
        if trusted.retired_at is not None and issued_at > trusted.retired_at + self._skew:
            raise KeyRetired(kid=trusted.kid, retired_at=trusted.retired_at)
        if issued_at < trusted.not_before - self._skew:
            raise KeyNotYetValid(kid=trusted.kid, not_before=trusted.not_before)
        if issued_at > now + self._skew:
            raise CodeNotYetValid(valid_from=issued_at - self._skew)
        if now >= expires_at:
            raise CodeExpired(expired_at=expires_at)
        revoked_at = self._revocations.revoked_at(code_id)
        if revoked_at is not None and issued_at < revoked_at:
            raise CodeRevoked(code_id=code_id, revoked_at=revoked_at)
        if status in self._deny_statuses:
            raise CodeRestricted(code_id=code_id, status=status)
