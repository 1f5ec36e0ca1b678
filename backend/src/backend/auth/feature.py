"""The auth feature: access and refresh tokens, citizen logins and the login throttle staff logins share,
SMS codes, the published keys."""

from __future__ import annotations

from backend.auth.controller import AuthController, JwksController
from backend.auth.guards import TOKENS_STATE
from backend.auth.keys import SigningKeyRing
from backend.auth.passwords import Passwords
from backend.auth.privacy import PERSONAL_DATA
from backend.auth.repository import RefreshTokenRepository, SigningKeyRepository
from backend.auth.service import AuthService
from backend.auth.settings import AuthSettings
from backend.auth.sms import SmsCodes
from backend.auth.throttle import LoginThrottle
from backend.auth.tokens import TokenService
from backend.background import Job, Periodic
from backend.citizen.service import APP_CLIENT_ID, CitizenService
from backend.feature import Feature
from backend.wiring import Wiring


def _tokens(w: Wiring) -> TokenService:
    infra, settings = w.infra, w.section(AuthSettings)
    return TokenService(
        settings=settings,
        issuer=infra.settings.http.public_base_url,
        keys=SigningKeyRing(
            SigningKeyRepository(infra.engine), cipher=infra.cipher, settings=settings, clock=infra.clock
        ),
        refresh_tokens=RefreshTokenRepository(infra.engine),
        store=infra.store,
        audit=infra.audit,
        clock=infra.clock,
    )


def _sms_codes(w: Wiring) -> SmsCodes:
    infra = w.infra
    return SmsCodes(
        store=infra.store,
        limiter=infra.limiter,
        sms=infra.upstreams.sms,
        cipher=infra.cipher,
        settings=w.section(AuthSettings),
    )


def _auth(w: Wiring) -> AuthService:
    infra = w.infra
    return AuthService(
        citizens=w.get(CitizenService),
        tokens=w.get(TokenService),
        passwords=w.get(Passwords),
        sms_codes=w.get(SmsCodes),
        limiter=infra.limiter,
        throttle=w.get(LoginThrottle),
        audit=infra.audit,
        settings=w.section(AuthSettings),
        client_id=APP_CLIENT_ID,
    )


def _background(w: Wiring) -> list[Job]:
    revocations = w.get(TokenService).revocations
    # Immediately: a worker starts out knowing the current revocation epoch.
    return [
        Periodic(
            "token revocation epoch",
            every=revocations.poll_interval,
            step=revocations.poll_once,
            immediately=True,
        )
    ]


FEATURE = Feature(
    name="auth",
    routes=(JwksController, AuthController),
    piccolo_app="backend.auth.piccolo_app",
    settings=AuthSettings,
    services={
        TokenService: _tokens,
        Passwords: lambda w: Passwords(concurrency=w.section(AuthSettings).hash_concurrency),
        SmsCodes: _sms_codes,
        LoginThrottle: lambda w: LoginThrottle(
            store=w.infra.store, limiter=w.infra.limiter, settings=w.section(AuthSettings)
        ),
        AuthService: _auth,
    },
    dependencies={"tokens": TokenService, "auth": AuthService, "sms_codes": SmsCodes},
    state={TOKENS_STATE: TokenService},
    background=_background,
    personal_data=PERSONAL_DATA,
)
