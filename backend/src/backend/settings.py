"""One frozen settings tree, read once from ``SUQIAN_*`` variables at the entry point.

Nothing else in the code base reads the environment: ``create_app(settings)`` and everything below it
receive these values as arguments.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, TypeVar

import msgspec

Mode = Literal["embedded", "production"]


class DatabaseSettings(msgspec.Struct, frozen=True, kw_only=True):
    # "sqlite:///path/file.sqlite3" (embedded default) or "postgresql://user@host:5432/db".
    url: str
    # 8 per worker: measured best on 2 cores (research/perf.md b-3); more only adds queueing in PostgreSQL.
    pool_min: int = 2
    pool_max: int = 8

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


class RedisSettings(msgspec.Struct, frozen=True, kw_only=True):
    # None: the in-process store (a single process only; the embedded default).
    url: str | None = None
    max_connections: int = 64
    # Seconds a request waits for a free connection before the store reports itself unavailable.
    pool_timeout: float = 2.0
    key_prefix: str = "sq:"


class HttpSettings(msgspec.Struct, frozen=True, kw_only=True):
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    cors_origins: tuple[str, ...] = ()
    # 1 MiB: the largest legitimate body is a form with inline licence references; uploads go elsewhere.
    max_body_bytes: int = 1_048_576
    public_base_url: str = "http://127.0.0.1:8000"
    # Load balancers whose X-Forwarded-For we believe (IPs or CIDRs). Rate limits and lockouts key on
    # the client address, so without this every caller behind a proxy would share one budget.
    trusted_proxies: tuple[str, ...] = ()


class LogSettings(msgspec.Struct, frozen=True, kw_only=True):
    level: str = "INFO"
    # "errors": one line per 4xx/5xx or slow request; "all": one line per request (costs ~10 µs each).
    access: Literal["off", "errors", "all"] = "errors"
    slow_request_ms: float = 1000.0


class SecretSettings(msgspec.Struct, frozen=True, kw_only=True):
    # AES-256-GCM key for personal data at rest, and the HMAC key for its blind indexes.
    data_key: bytes
    index_key: bytes
    bootstrap_admin_password: str | None = None


class UpstreamSettings(msgspec.Struct, frozen=True, kw_only=True):
    # "sandbox": talk in-process to the sandbox twins mounted at /_sandbox; "remote": real base URLs.
    mode: Literal["sandbox", "remote"] = "sandbox"
    mount_sandbox: bool = True
    base_urls: Mapping[str, str] = msgspec.field(default_factory=dict)
    app_keys: Mapping[str, str] = msgspec.field(default_factory=dict)
    app_secrets: Mapping[str, str] = msgspec.field(default_factory=dict)
    connect_timeout: float = 2.0
    read_timeout: float = 5.0


class MiniProgramSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The mini programs' platform credentials, used in remote upstream mode only (the sandbox has its
    own). An empty ``wechat_appid`` / ``alipay_app_id`` leaves that platform's login switched off."""

    wechat_appid: str = ""
    wechat_secret: str = ""
    alipay_app_id: str = ""
    # The app's RSA2 private key (PEM or bare base64 PKCS#8) and *Alipay's* public key from the console.
    alipay_private_key: str = ""
    alipay_public_key: str = ""
    # The 接口内容加密 AES key (base64) that phone numbers arrive encrypted with.
    alipay_aes_key: str = ""

    def __repr__(self) -> str:
        return (
            f"MiniProgramSettings(wechat_appid={self.wechat_appid!r}, alipay_app_id={self.alipay_app_id!r})"
        )


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    mode: Mode = "embedded"
    data_dir: Path = Path("data")
    database: DatabaseSettings
    redis: RedisSettings = RedisSettings()
    http: HttpSettings = HttpSettings()
    log: LogSettings = LogSettings()
    secrets: SecretSettings
    upstream: UpstreamSettings = UpstreamSettings()
    miniprogram: MiniProgramSettings = MiniProgramSettings()
    openapi: bool = True
    # Each feature's own section by feature name (``backend.feature.Feature.settings``); a feature
    # whose section is absent runs on its section's defaults.
    features: Mapping[str, msgspec.Struct] = msgspec.field(default_factory=dict)


class SettingsError(Exception):
    """A ``SUQIAN_*`` variable is missing or malformed; the message names it."""


def load_settings(
    environ: Mapping[str, str], *, sections: Mapping[str, type[msgspec.Struct]] | None = None
) -> Settings:
    """Build the settings tree from ``SUQIAN_*`` variables; call once, at an entry point.

    With no variables at all this is the embedded default: a SQLite file and generated secrets in
    ``./data``, the in-process store and the government sandbox. ``sections`` names the features'
    own sections (``backend.feature.feature_sections``): each field of section ``code`` is read from
    ``SUQIAN_CODE_<FIELD>``, and so is every field of the shared sections (``SUQIAN_REDIS_POOL_TIMEOUT``)
    beside the short names kept for the common ones (``SUQIAN_PORT``).
    """
    env = {k[len("SUQIAN_") :]: v for k, v in environ.items() if k.startswith("SUQIAN_")}
    data_dir = Path(env.get("DATA_DIR", "data"))
    database_url = env.get("DATABASE_URL") or f"sqlite:///{(data_dir / 'suqian.sqlite3').as_posix()}"
    redis_url = env.get("REDIS_URL") or None
    mode: Mode = "production" if redis_url and not database_url.startswith("sqlite") else "embedded"
    if env.get("MODE"):
        if env["MODE"] not in ("embedded", "production"):
            raise SettingsError("SUQIAN_MODE must be 'embedded' or 'production'")
        mode = "production" if env["MODE"] == "production" else "embedded"
    if mode == "production" and (redis_url is None or database_url.startswith("sqlite")):
        raise SettingsError("production mode needs SUQIAN_DATABASE_URL (PostgreSQL) and SUQIAN_REDIS_URL")
    http = section_from_env(
        HttpSettings,
        env,
        "HTTP",
        host=env.get("HOST"),
        port=_int(env, "PORT"),
        # One worker embedded (its store is in-process), two in production (one per core).
        workers=_int(env, "WORKERS") if "WORKERS" in env else (1 if mode == "embedded" else 2),
        cors_origins=_list(env, "CORS_ORIGINS"),
        trusted_proxies=_networks(env, "TRUSTED_PROXIES"),
        max_body_bytes=_int(env, "MAX_BODY_BYTES"),
        public_base_url=env.get("PUBLIC_BASE_URL"),
    )
    if "PUBLIC_BASE_URL" not in env and "HTTP_PUBLIC_BASE_URL" not in env:
        http = msgspec.structs.replace(http, public_base_url=f"http://{http.host}:{http.port}")
    return Settings(
        mode=mode,
        data_dir=data_dir,
        database=section_from_env(
            DatabaseSettings,
            env,
            "DATABASE",
            url=database_url,
            pool_min=_int(env, "DATABASE_POOL_MIN"),
            pool_max=_int(env, "DATABASE_POOL_MAX"),
        ),
        redis=section_from_env(
            RedisSettings,
            env,
            "REDIS",
            url=redis_url,
            max_connections=_int(env, "REDIS_MAX_CONNECTIONS"),
            key_prefix=env.get("REDIS_KEY_PREFIX"),
        ),
        http=http,
        log=section_from_env(
            LogSettings,
            env,
            "LOG",
            level=env["LOG_LEVEL"].upper() if "LOG_LEVEL" in env else None,
            access=_choice(env, "LOG_ACCESS", ("off", "errors", "all")),
        ),
        secrets=_secrets(env, data_dir, mode),
        upstream=_upstream(env, mode),
        miniprogram=section_from_env(
            MiniProgramSettings,
            env,
            "MINIPROGRAM",
            **{f.name: env.get(f.name.upper()) for f in msgspec.structs.fields(MiniProgramSettings)},
        ),
        openapi=env.get("OPENAPI", "1") == "1",
        features={name: section_from_env(kind, env, name.upper()) for name, kind in (sections or {}).items()},
    )


S = TypeVar("S", bound=msgspec.Struct)


def section_from_env(kind: type[S], env: Mapping[str, str], prefix: str, **given: object) -> S:
    """``kind`` with each field taken from ``given`` (values the caller already parsed and checked,
    e.g. under a shorter name), else from ``SUQIAN_<PREFIX>_<FIELD>``, else the field's own default.

    The defaults are written once, on the struct. Scalars are written as they are (``30``, ``0.5``,
    ``true``); lists and mappings as JSON.
    """
    values: dict[str, object] = {}
    for field in msgspec.structs.fields(kind):
        name = f"{prefix}_{field.name.upper()}"
        if name not in env:
            continue
        raw: object = env[name]
        if isinstance(raw, str) and raw[:1] in ("[", "{"):
            try:
                raw = msgspec.json.decode(raw)
            except msgspec.DecodeError:
                raise SettingsError(f"SUQIAN_{name} is not valid JSON") from None
        values[field.name] = raw
    # What the entry point parsed itself wins: it may have checked more than the type.
    values.update((name, value) for name, value in given.items() if value is not None)
    try:
        return msgspec.convert(values, kind, strict=False)
    except msgspec.ValidationError as exc:
        # "Expected `int`, got `str` - at `$.port`" → name the variable, not the field path.
        field_name = str(exc).rpartition("$.")[2].split(".")[0].split("[")[0]
        raise SettingsError(f"SUQIAN_{prefix}_{field_name.upper()}: {exc}") from None


# The government systems the backend calls; remote mode needs a base URL for each. Registration needs
# the operators' real-name check (telecom) and face verification (faceverify) as much as the registry.
GOVERNMENT_SYSTEMS = ("population", "sms", "elicence", "credit", "cases", "telecom", "faceverify")


def _upstream(env: Mapping[str, str], mode: Mode) -> UpstreamSettings:
    """Sandbox upstreams are the embedded default only. Production talks to the real systems unless
    told otherwise, and mounts the sandbox only when asked by name: its control routes are open by
    design (anyone could read SMS codes from its outbox or invent a resident), so a production
    deployment that forgot a variable must not get it."""
    default_mode = "sandbox" if mode == "embedded" else "remote"
    upstream_mode = _choice(env, "UPSTREAM_MODE", ("sandbox", "remote"), default_mode)
    default_mount = "1" if mode == "embedded" and upstream_mode == "sandbox" else "0"
    mount = _choice(env, "SANDBOX_MOUNT", ("0", "1"), default_mount) == "1"
    if mount and upstream_mode != "sandbox":
        raise SettingsError("SUQIAN_SANDBOX_MOUNT=1 needs SUQIAN_UPSTREAM_MODE=sandbox")
    base_urls = _per_system(env, "_URL")
    if upstream_mode == "remote":
        missing = [s for s in GOVERNMENT_SYSTEMS if not base_urls.get(s)]
        if missing:
            names = ", ".join(f"SUQIAN_UPSTREAM_{s.upper()}_URL" for s in missing)
            raise SettingsError(f"remote upstreams need {names} (or SUQIAN_UPSTREAM_MODE=sandbox)")
    return section_from_env(
        UpstreamSettings,
        env,
        "UPSTREAM",
        mode="sandbox" if upstream_mode == "sandbox" else "remote",
        mount_sandbox=mount,
        base_urls=base_urls,
        app_keys=_per_system(env, "_APP_KEY"),
        app_secrets=_per_system(env, "_APP_SECRET"),
    )


def _per_system(env: Mapping[str, str], suffix: str) -> dict[str, str]:
    # SUQIAN_UPSTREAM_POPULATION_URL=https://... → {"population": "https://..."}
    return {
        k[len("UPSTREAM_") : -len(suffix)].lower(): v
        for k, v in env.items()
        if k.startswith("UPSTREAM_") and k.endswith(suffix) and k != "UPSTREAM_MODE"
    }


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...] | None:
    if name not in env:
        return None
    values = tuple(v.strip() for v in env[name].split(",") if v.strip())
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise SettingsError(f"SUQIAN_{name} must list IP addresses or CIDR networks") from None
    return values


def _int(env: Mapping[str, str], name: str) -> int | None:
    try:
        return int(env[name]) if name in env else None
    except ValueError:
        raise SettingsError(f"SUQIAN_{name} must be an integer") from None


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...] | None:
    if name not in env:
        return None
    return tuple(item.strip() for item in env[name].split(",") if item.strip())


def _choice(
    env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str | None = None
) -> str | None:
    value = env.get(name, default)
    if value is not None and value not in allowed:
        raise SettingsError(f"SUQIAN_{name} must be one of {', '.join(allowed)}")
    return value


def _key(env: Mapping[str, str], name: str) -> bytes | None:
    if name not in env:
        return None
    try:
        key = base64.b64decode(env[name], validate=True)
    except ValueError:
        raise SettingsError(f"SUQIAN_{name} must be base64") from None
    if len(key) != 32:
        raise SettingsError(f"SUQIAN_{name} must decode to 32 bytes")
    return key


def _secrets(env: Mapping[str, str], data_dir: Path, mode: Mode) -> SecretSettings:
    data_key, index_key = _key(env, "DATA_KEY"), _key(env, "INDEX_KEY")
    if data_key is None or index_key is None:
        if mode == "production":
            raise SettingsError(
                "production mode needs SUQIAN_DATA_KEY and SUQIAN_INDEX_KEY (32 bytes, base64)"
            )
        stored = _embedded_secrets(data_dir)
        data_key = data_key or stored["data_key"]
        index_key = index_key or stored["index_key"]
    return SecretSettings(
        data_key=data_key,
        index_key=index_key,
        bootstrap_admin_password=env.get("BOOTSTRAP_ADMIN_PASSWORD") or None,
    )


def _embedded_secrets(data_dir: Path) -> dict[str, bytes]:
    """Keys for the embedded default, generated on first run and kept beside the SQLite file.

    Losing this file makes the stored personal data unreadable, exactly as losing the production keys
    would; it is created with mode 0600.
    """
    path = data_dir / "secrets.json"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fresh = {
            name: base64.b64encode(secrets.token_bytes(32)).decode() for name in ("data_key", "index_key")
        }
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(fresh, fh)
    stored = json.loads(path.read_text())
    return {name: base64.b64decode(stored[name]) for name in ("data_key", "index_key")}
