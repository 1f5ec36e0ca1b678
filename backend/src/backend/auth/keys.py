"""The ES256 signing keys of access tokens: generated on first start, rotated, published as a JWKS.

Time is cut into generations of ``signing_key_period`` seconds (``generation = unix_time // period``);
every worker computes the same number, so they agree on which key signs without talking to each
other. The key of generation ``g + 1`` is created ``signing_key_prepublish`` seconds before ``g`` ends,
so it sits in ``/.well-known/jwks.json`` before it signs anything; a retired key stays published until
the last token it signed has expired. Keys live in the database (the private half sealed with the
data key) and the ``(generation)`` unique index settles races between workers creating the same key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import sqlite3
from typing import Annotated, Any

import asyncpg
import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose.backends.cryptography_backend import CryptographyECKey

from backend.auth.errors import KeysUnavailable
from backend.auth.repository import SigningKeyRepository
from backend.auth.settings import AuthSettings
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.fields import doc

log = logging.getLogger("backend.auth.keys")

_DATABASE_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, sqlite3.Error)

ALGORITHM = "ES256"
# A worker re-reads the key table at least this often, to learn keys another worker created.
_RELOAD_EVERY = 300.0
# ...but an unknown ``kid`` in a token triggers at most one reload per this many seconds, so a
# stream of forged kids can't turn into a stream of database queries.
_UNKNOWN_KID_RELOAD_EVERY = 5.0


class Jwk(msgspec.Struct, frozen=True, kw_only=True):
    kty: Annotated[str, doc("The key type (RFC 7517): always `EC`", "EC")]
    crv: Annotated[str, doc("The curve: always `P-256`", "P-256")]
    x: Annotated[
        str, doc("The public point's x coordinate, base64url", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU")
    ]
    y: Annotated[
        str, doc("The public point's y coordinate, base64url", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0")
    ]
    kid: Annotated[
        str,
        doc(
            "The key's id (its RFC 7638 thumbprint): pick the key whose `kid` a token's header names",
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
        ),
    ]
    use: Annotated[str, doc("What the key is for: always `sig` (verifying signatures)", "sig")] = "sig"
    alg: Annotated[str, doc("The signature algorithm: `ES256`", "ES256")] = ALGORITHM


class Jwks(msgspec.Struct, frozen=True):
    keys: Annotated[
        list[Jwk],
        doc("The public keys that verify the tokens, current and recently retired (RFC 7517 JWK Set)", []),
    ]


class _LoadedKey(msgspec.Struct, frozen=True):
    kid: str
    generation: int
    jwk: Jwk
    # jose key objects, built once: handing jose a PEM would re-parse it on every token.
    verifier: Any
    signer: Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _sealed_column(kid: str) -> str:
    # The sealed private key is bound to its kid: swapping two rows' ciphertexts fails to open.
    return f"auth_signing_key.private_key:{kid}"


def public_jwk(public: ec.EllipticCurvePublicKey) -> tuple[str, Jwk]:
    """The JWK of ``public`` and its ``kid``: the RFC 7638 thumbprint."""
    numbers = public.public_numbers()
    x, y = _b64(numbers.x.to_bytes(32, "big")), _b64(numbers.y.to_bytes(32, "big"))
    canonical = json.dumps({"crv": "P-256", "kty": "EC", "x": x, "y": y}, separators=(",", ":"))
    kid = _b64(hashlib.sha256(canonical.encode()).digest())
    return kid, Jwk(kty="EC", crv="P-256", x=x, y=y, kid=kid)


class SigningKeyRing:
    """This worker's view of the key table: verification keys by ``kid`` and the current signer."""

    def __init__(
        self,
        repository: SigningKeyRepository,
        *,
        cipher: PersonalDataCipher,
        settings: AuthSettings,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self._cipher = cipher
        self._settings = settings
        self._clock = clock
        self._keys: dict[str, _LoadedKey] = {}
        self._next_reload = -math.inf
        self._last_unknown_kid_reload = -math.inf
        # The last attempt to read the key table failed (cleared by the next successful reload).
        self._database_down = False

    def generation(self, at: float | None = None) -> int:
        now = self._clock.now().timestamp() if at is None else at
        return int(now // self._settings.signing_key_period)

    def verifier(self, kid: str) -> Any | None:
        key = self._keys.get(kid)
        return key.verifier if key is not None else None

    @property
    def loaded(self) -> bool:
        return bool(self._keys)

    def needs_reload(self) -> bool:
        return self._clock.monotonic() >= self._next_reload

    async def ensure_loaded(self) -> None:
        """Load (and create, rotate) keys when this worker's view may be stale; cheap otherwise.

        If the database is down, a worker that holds keys keeps verifying with them (and retries
        in a few seconds); one that holds none answers 503, never 500.
        """
        if not self.needs_reload():
            return
        try:
            await self.reload()
        except _DATABASE_ERRORS as exc:
            self._database_down = True
            if not self._keys:
                raise KeysUnavailable() from exc
            log.warning(
                "signing keys not reloaded (%s); keeping the %d loaded", type(exc).__name__, len(self._keys)
            )
            self._next_reload = self._clock.monotonic() + 5

    async def reload_for_unknown_kid(self) -> bool:
        """Reload once if enough time passed since the last such reload; True when it reloaded.

        Raises ``KeysUnavailable`` (503) while the database can't be read: the token may carry a key
        another worker just created, so "invalid" would be a guess, and a client told its token is
        invalid logs its user out.
        """
        now = self._clock.monotonic()
        if now - self._last_unknown_kid_reload < _UNKNOWN_KID_RELOAD_EVERY:
            if self._database_down:
                raise KeysUnavailable()
            return False
        self._last_unknown_kid_reload = now
        await self._reload_or_unavailable()
        return True

    async def _reload_or_unavailable(self) -> None:
        try:
            await self.reload()
        except _DATABASE_ERRORS as exc:
            self._database_down = True
            log.warning("signing keys not reloaded (%s)", type(exc).__name__)
            raise KeysUnavailable() from exc

    async def reload(self) -> None:
        settings = self._settings
        now = self._clock.now().timestamp()
        current = self.generation(now)
        wanted = [current]
        # Pre-publish the next generation's key once the current period is nearly over.
        seconds_left = (current + 1) * settings.signing_key_period - now
        if seconds_left <= settings.signing_key_prepublish:
            wanted.append(current + 1)
        rows = await self._repository.published(self._oldest_published_generation(now), current + 1)
        have = {row["generation"] for row in rows}
        missing = [g for g in wanted if g not in have]
        if missing:
            for generation in missing:
                await self._create(generation)
            rows = await self._repository.published(self._oldest_published_generation(now), current + 1)
        self._keys = {row["kid"]: self._load(row) for row in rows}
        self._database_down = False
        # Re-read before the next generation boundary (or pre-publication point), at the latest.
        next_event = (current + 1) * settings.signing_key_period - settings.signing_key_prepublish
        if next_event <= now:
            next_event = (current + 1) * settings.signing_key_period
        wait = min(_RELOAD_EVERY, max(1.0, next_event - now))
        self._next_reload = self._clock.monotonic() + wait

    def _oldest_published_generation(self, now: float) -> int:
        # A key retired at the end of its period may have signed a token just before; keep it
        # published until that token has expired (plus leeway).
        return self.generation(now - self._settings.access_ttl - 60)

    async def signer(self) -> tuple[str, Any]:
        """``(kid, jose signing key)`` of the key signing now."""
        await self.ensure_loaded()
        current = self.generation()
        key = self._of_generation(current)
        if key is None:
            # A new period began since the last load (or a database outage kept stale keys).
            await self._reload_or_unavailable()
            key = self._of_generation(current)
        if key is None:
            # reload() creates the current generation's key and reads it back, so this means the
            # table lost it under us: refuse to sign rather than sign with a key nobody publishes.
            log.error("no signing key for generation %s after a reload", current)
            raise KeysUnavailable()
        return key.kid, key.signer

    def _of_generation(self, generation: int) -> _LoadedKey | None:
        return next((k for k in self._keys.values() if k.generation == generation), None)

    def jwks(self) -> Jwks:
        return Jwks(keys=[k.jwk for k in sorted(self._keys.values(), key=lambda k: -k.generation)])

    async def _create(self, generation: int) -> None:
        private = ec.generate_private_key(ec.SECP256R1())
        kid, jwk = public_jwk(private.public_key())
        der = private.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        await self._repository.add_if_absent(
            kid=kid,
            generation=generation,
            public_jwk=msgspec.json.encode(jwk).decode(),
            private_key=self._cipher.seal_bytes(der, column=_sealed_column(kid)),
            created_at=self._clock.now(),
        )
        log.info("signing key for generation %s: created %s (unless another worker won)", generation, kid)

    def _load(self, row: dict[str, Any]) -> _LoadedKey:
        jwk = msgspec.json.decode(row["public_jwk"], type=Jwk)
        der = self._cipher.open_bytes(row["private_key"], column=_sealed_column(row["kid"]))
        private = serialization.load_der_private_key(der, password=None)
        if not isinstance(private, ec.EllipticCurvePrivateKey):
            raise TypeError("a signing key is not an EC key")
        return _LoadedKey(
            kid=row["kid"],
            generation=row["generation"],
            jwk=jwk,
            verifier=CryptographyECKey(private.public_key(), ALGORITHM),
            signer=CryptographyECKey(private, ALGORITHM),
        )
