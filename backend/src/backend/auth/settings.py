"""The auth section of the settings (``SUQIAN_AUTH_*``): tokens, sessions, login and SMS throttles."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

# Bounds for what an environment variable may set (``SUQIAN_AUTH_*``): these are security controls, so a
# typo or a hostile value (0, a negative, a ten-year token) is refused at start-up instead of quietly
# switching one off. Checked when the section is read from the environment (``load_settings``).
Seconds = Annotated[int, Meta(ge=1, le=365 * 86_400)]
Count = Annotated[int, Meta(ge=1, le=1_000_000)]


class AuthSettings(msgspec.Struct, frozen=True, kw_only=True):
    # RFC 9068 access tokens; the issuer is http.public_base_url.
    audience: str = "suqian-api"
    # 15 min: ASVS v5 7.x asks for a documented short lifetime; logout denylists the rest.
    access_ttl: Annotated[int, Meta(ge=60, le=3600)] = 900
    # Citizen app sessions: 7 days idle, 30 days absolute (research A.1.2 SE-1).
    refresh_idle_ttl: Seconds = 7 * 86_400
    refresh_absolute_ttl: Seconds = 30 * 86_400
    # Signing keys: a new one every 7 days, published 1 day before it signs anything so that
    # department systems caching our JWKS (typically for hours) already know it.
    signing_key_period: Seconds = 7 * 86_400
    signing_key_prepublish: Seconds = 86_400
    # Argon2id hashes in flight at once: each takes 64 MiB (argon2-cffi defaults), so 4 = 256 MiB.
    hash_concurrency: Annotated[int, Meta(ge=1, le=64)] = 4
    # Per client address limits (an IPv6 client counts by its /64: backend.ratelimit.address_key).
    # Carrier-grade NAT (RFC 6598) puts thousands of a mobile carrier's subscribers behind one IPv4,
    # so these count only what failed: a successful login, refresh or registration, and an SMS code
    # that gets used, give their unit back. What remains is what abuse produces and real users rarely do.
    # Failed logins across phones (password spraying); staff logins share this budget.
    login_failures_per_address: Count = 30
    login_failures_window: Seconds = 900
    # Rejected refresh tokens (replays, guesses): each costs a database round trip or two. A real app
    # presents a dead token once and then logs in, so 60 in 15 min leaves room for a crowded NAT.
    refresh_failures_per_address: Count = 60
    refresh_failures_window: Seconds = 900
    # Failed registrations: each may cost a population-registry query and tells whether a name matches
    # an ID number, so they are kept scarce.
    registration_failures_per_address: Count = 10
    registration_failures_window: Seconds = 3600
    # SMS codes sent and never used: the mark of SMS pumping (every text is billed to us).
    unused_sms_per_address: Count = 20
    unused_sms_window: Seconds = 3600
    # Failed SMS login codes per address, across phones: each code dies after 5 wrong tries, but one
    # address guessing at the codes of many phones is bounded only here. A budget of its own, so that
    # password failures never stand in the way of an SMS login.
    sms_login_failures_per_address: Count = 30
    sms_login_failures_window: Seconds = 900

    # Login throttles (backend.auth.throttle): delays that grow, instead of a lock a stranger could set
    # off (ASVS 5.0 6.1.1 asks that the controls "prevent malicious account lockout").
    # 5 failures from one address on one account before it waits: room for typos (the old lock's 5).
    login_free_failures: Count = 5
    # Then 30 s, doubling with each failure (NIST SP 800-63B 5.2.2's example starts at 30 s) ...
    login_first_delay: Seconds = 30
    # ... up to 15 min between guesses from that address (the old lock's length): ~100 guesses a day.
    login_max_delay: Seconds = 900
    # 10 failures on one account from all addresses: then the addresses that failed on it share one
    # turn, so spreading guesses over a few addresses gains nothing ...
    login_account_free_failures: Count = 10
    # ... and the shared wait stops at 5 min: a stranger can hold back a failing address no longer.
    login_account_max_delay: Seconds = 300
    # At most 100 failures per account in ``login_failure_memory`` (NIST SP 800-63B 5.2.2's ceiling);
    # past it only addresses where the account signed in may try a password (citizens: SMS works).
    login_account_ceiling: Count = 100
    # Accounts with no other way in (staff: no SMS login) are slowed instead past the ceiling
    # (``LoginThrottle.admit(slow_past_ceiling=True)``): new addresses share one turn, the wait
    # doubling from ``login_first_delay`` up to an hour — ~24 more guesses a day at most, while the
    # owner is told when to try again and an operator can clear the count (``LoginThrottle.clear``).
    login_ceiling_max_delay: Seconds = 3600
    # How long failures are remembered, per account and per (account, address): one day.
    login_failure_memory: Seconds = 86_400
    # An address where the account signed in, or where a code sent to the phone was used, stays known
    # for 30 days: the owner's home, office or carrier NAT, from where the account-wide (phone-wide)
    # measures never hold them back.
    login_known_address_ttl: Seconds = 30 * 86_400

    # SMS code sending (backend.auth.sms). Every code goes to the phone, so the owner loses nothing to
    # a stranger's request but the wait these impose; none of them can last a day.
    # One code a minute per (phone, purpose, address): a retry after a lost text, not a stream.
    sms_cooldown: Seconds = 60
    # 5 codes an hour per (phone, address): one address can't text a phone more (the old per-phone
    # hourly figure), and alone needs hours to reach ``sms_phone_free``.
    sms_per_phone_address: Count = 5
    sms_per_phone_address_window: Seconds = 3600
    # 10 codes a day to one phone from all addresses (the old daily cap) before codes are spaced ...
    sms_phone_free: Count = 10
    sms_phone_window: Seconds = 86_400
    # ... 60 s apart, doubling, up to 10 min: an attack from many addresses texts a phone at most ~150
    # times a day (750 guesses at a one-in-a-million code: < 0.1 %), and its owner waits at most
    # 10 min for a code however long it went on (not at all from an address where they used one).
    sms_phone_first_delay: Seconds = 60
    sms_phone_max_delay: Seconds = 600
