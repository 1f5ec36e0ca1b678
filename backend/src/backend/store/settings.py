"""The Redis store's settings (``SUQIAN_REDIS_*``), read by ``backend.settings``."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from backend.environ import SettingsError, section_from_env
from backend.store.resp import Endpoint


class RedisSettings(msgspec.Struct, frozen=True, kw_only=True):
    # None: the in-process store (a single process only; the embedded default).
    url: str | None = None
    # Seconds a command waits for its reply (or a connection to be made) before the store reports
    # itself unavailable. Each worker speaks over one pipelined connection (backend.store.resp).
    timeout: float = 2.0
    key_prefix: str = "sq:"


def redis_section(env: Mapping[str, str], url: str | None) -> RedisSettings:
    """The section from the environment; the URL is checked here, so a bad one refuses to start. The
    pool settings are gone (one pipelined connection per worker): said, not silently ignored."""
    if gone := [name for name in ("REDIS_POOL_TIMEOUT", "REDIS_MAX_CONNECTIONS") if name in env]:
        raise SettingsError(f"SUQIAN_{gone[0]} is no longer read: set SUQIAN_REDIS_TIMEOUT (seconds)")
    try:
        Endpoint.from_url(url or "redis://")
    except ValueError as exc:
        raise SettingsError(f"SUQIAN_REDIS_URL: {exc}") from None
    return section_from_env(RedisSettings, env, "REDIS", url=url, key_prefix=env.get("REDIS_KEY_PREFIX"))
