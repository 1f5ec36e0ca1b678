"""The auth section of the settings (``SUQIAN_AUTH_*``): tokens, sessions, lockout, throttles."""

from __future__ import annotations

import msgspec


class AuthSettings(msgspec.Struct, frozen=True, kw_only=True):
    # RFC 9068 access tokens; the issuer is http.public_base_url.
    audience: str = "suqian-api"
    # 15 min: ASVS v5 7.x asks for a documented short lifetime; logout denylists the rest.
    access_ttl: int = 900
    # Citizen app sessions: 7 days idle, 30 days absolute (research A.1.2 SE-1).
    refresh_idle_ttl: int = 7 * 86_400
    refresh_absolute_ttl: int = 30 * 86_400
    # Signing keys: a new one every 7 days, published 1 day before it signs anything so that
    # department systems caching our JWKS (typically for hours) already know it.
    signing_key_period: int = 7 * 86_400
    signing_key_prepublish: int = 86_400
    # Lockout: 5 consecutive failures lock the account for 15 minutes (issue 4; MLPS 8.1.4.1 b).
    lockout_threshold: int = 5
    lockout_seconds: int = 900
    # Argon2id hashes in flight at once: each takes 64 MiB (argon2-cffi defaults), so 4 = 256 MiB.
    hash_concurrency: int = 4
    # Per client address limits (an IPv6 client counts by its /64: backend.ratelimit.address_key).
    # Carrier-grade NAT (RFC 6598) puts thousands of a mobile carrier's subscribers behind one IPv4,
    # so these count only what failed: a successful login, refresh or registration, and an SMS code
    # that gets used, give their unit back. What remains is what abuse produces and real users rarely do.
    # Failed logins across phones (password spraying); staff logins share this budget.
    login_failures_per_address: int = 30
    login_failures_window: int = 900
    # Rejected refresh tokens (replays, guesses): each costs a database round trip or two. A real app
    # presents a dead token once and then logs in, so 60 in 15 min leaves room for a crowded NAT.
    refresh_failures_per_address: int = 60
    refresh_failures_window: int = 900
    # Failed registrations: each may cost a population-registry query and tells whether a name matches
    # an ID number, so they are kept scarce.
    registration_failures_per_address: int = 10
    registration_failures_window: int = 3600
    # SMS codes sent and never used: the mark of SMS pumping (every text is billed to us).
    unused_sms_per_address: int = 20
    unused_sms_window: int = 3600
