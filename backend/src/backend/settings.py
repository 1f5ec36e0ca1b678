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
from typing import Annotated, Literal

import msgspec

from backend.environ import SettingsError as SettingsError
from backend.environ import choice, integer, listed, networks, section_from_env
from backend.observability.tracing_settings import TracingSettings
from backend.store.settings import RedisSettings as RedisSettings
from backend.store.settings import redis_section

# "embedded": SQLite, the in-process store and the sandbox (a laptop). "production": PostgreSQL, Redis,
# real upstreams, never the sandbox. "benchmark": production's stack on the sandbox twins, for a
# throwaway load-test stack only (load_tests.stack.run); it mounts them (their SMS outbox lists every
# code sent) only when asked by name too, and only on a loopback address.
Mode = Literal["embedded", "production", "benchmark"]
MODES: tuple[Mode, ...] = ("embedded", "production", "benchmark")


class DatabaseSettings(msgspec.Struct, frozen=True, kw_only=True):
    # "sqlite:///path/file.sqlite3" (embedded default) or "postgresql://user@host:5432/db".
    url: str
    # 8 per worker: measured best on 2 cores (research/perf.md b-3); more only adds queueing in PostgreSQL.
    pool_min: int = 2
    pool_max: int = 8
    # Seconds a request waits for a pooled connection when all are busy, and for a new one to open
    # (asyncpg's own default is 60): past either the answer is 503 database.unavailable, so a stuck or
    # vanished server sheds requests instead of piling them up behind the pool.
    acquire_timeout: float = 5.0
    connect_timeout: float = 5.0

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


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
    # Open connections one granian worker serves at once. Granian counts connections, not requests
    # (measured: 64 sockets that never sent a byte stopped a worker with backpressure 64), so this is
    # sized for slow and idle clients, not for the database pool: with the read timeouts below a
    # silent socket holds its slot at most 10 s and a trickled body 40 s, so starving a worker takes
    # 512 sockets renewed that often, past the proxy's own limits; 512 stays under the common
    # 1024 open-files limit of a process.
    backpressure: Annotated[int, msgspec.Meta(ge=1)] = 512
    # Connections the kernel queues for accept() while every slot is taken: granian's default (the
    # kernel caps it at net.core.somaxconn, 4096 since Linux 5.4).
    backlog: Annotated[int, msgspec.Meta(ge=128)] = 1024
    # Seconds a connection may take to send a request's headers, counted from the accept (or from the
    # previous response on a kept-alive connection, so it is also the idle keep-alive limit). 10 s: a
    # phone on a 2G uplink sends ~1 KiB of headers in under 2 s. A proxy in front must close its idle
    # upstream connections sooner (README, Production). Granian allows at most 60 s.
    header_read_timeout: Annotated[float, msgspec.Meta(gt=0, le=60)] = 10.0
    # Seconds to receive the whole body once the app starts reading it; a trickle does not extend it.
    # 30 s: a 1 MiB body (max_body_bytes) over a 3G uplink at ~384 kbit/s takes ~22 s. Past it the
    # request answers 408 request.timeout and the connection closes.
    body_read_timeout: Annotated[float, msgspec.Meta(gt=0)] = 30.0
    # Bytes of path and query, and of all header fields together, and how many fields: past these the
    # request is refused before any route runs (414 / 431, ``backend.edge``). nginx reads an 8 KiB
    # request line, Node 16 KiB of headers; Apache and hyper (granian) 100 fields. Our own largest
    # header is an access token (~1 KiB); a query string holds a cursor and a few filters.
    max_target_bytes: Annotated[int, msgspec.Meta(ge=1024)] = 8192
    max_header_bytes: Annotated[int, msgspec.Meta(ge=4096)] = 16_384
    max_header_count: Annotated[int, msgspec.Meta(ge=16)] = 100


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
    # The twins' control routes at /_sandbox (their SMS outbox lists every code): off unless asked for.
    # load_settings asks for them in the embedded mode; create_app refuses them in production.
    mount_sandbox: bool = False
    base_urls: Mapping[str, str] = msgspec.field(default_factory=dict)
    app_keys: Mapping[str, str] = msgspec.field(default_factory=dict)
    app_secrets: Mapping[str, str] = msgspec.field(default_factory=dict)
    connect_timeout: float = 2.0
    read_timeout: float = 5.0
    # Seconds one upstream call may take in all, retries and back-off included: the bound a request
    # can count on whatever the upstream does. In sandbox mode it is the only one (an in-process
    # twin has no socket for the read timeout to watch).
    total_timeout: float = 15.0
    # Seconds a tripped breaker fails calls fast before letting one probe through (research notes: 30).
    breaker_open_seconds: float = 30.0
    # Where the sandbox's payment platforms keep their RSA keys derived from the seed, so every worker
    # and restart holds the same ones without deriving them again (most of a second each): derived
    # data, safe to delete. Default: ``<data dir>/sandbox-keys``.
    sandbox_key_cache: str = ""


class MiniProgramSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The mini programs' platform credentials, used in remote upstream mode only (the sandbox has its
    own). An empty ``wechat_appid`` / ``alipay_app_id`` leaves that platform's login switched off."""

    wechat_appid: str = ""
    wechat_secret: str = ""
    # The mini program's original id + "@app" (gh_xxx@app): card-pack cards open it.
    wechat_username: str = ""
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
    tracing: TracingSettings = TracingSettings()
    secrets: SecretSettings
    upstream: UpstreamSettings = UpstreamSettings()
    miniprogram: MiniProgramSettings = MiniProgramSettings()
    # The OpenAPI document and docs UI at /schema, and Prometheus metrics at /metrics, on the API's own
    # port. On here (the embedded default); load_settings turns both off in production unless asked
    # by name (SUQIAN_OPENAPI=1, SUQIAN_METRICS_PUBLIC=1): the route map and the traffic figures are
    # a scanner's first read, and the public port is the one the internet reaches.
    openapi: bool = True
    metrics_public: bool = True
    # Each feature's own section by feature name (``backend.feature.Feature.settings``); a feature
    # whose section is absent runs on its section's defaults.
    features: Mapping[str, msgspec.Struct] = msgspec.field(default_factory=dict)


def load_settings(
    environ: Mapping[str, str], *, sections: Mapping[str, type[msgspec.Struct]] | None = None
) -> Settings:
    """Build the settings tree from ``SUQIAN_*`` variables; call once, at an entry point.

    With no variables at all this is the embedded default: a SQLite file and generated secrets in
    ``./data``, the in-process store and the government sandbox. ``sections`` names the features'
    own sections (``backend.feature.feature_sections``): each field of section ``code`` is read from
    ``SUQIAN_CODE_<FIELD>``, and so is every field of the shared sections (``SUQIAN_REDIS_TIMEOUT``)
    beside the short names kept for the common ones (``SUQIAN_PORT``).
    """
    env = {k[len("SUQIAN_") :]: v for k, v in environ.items() if k.startswith("SUQIAN_")}
    data_dir = Path(env.get("DATA_DIR", "data"))
    database_url = env.get("DATABASE_URL") or f"sqlite:///{(data_dir / 'suqian.sqlite3').as_posix()}"
    redis_url = env.get("REDIS_URL") or None
    mode = _mode(env, is_sqlite=database_url.startswith("sqlite"), has_redis=redis_url is not None)
    http = section_from_env(
        HttpSettings,
        env,
        "HTTP",
        host=env.get("HOST"),
        port=integer(env, "PORT"),
        # One worker embedded (its store is in-process), two in production (one per core).
        workers=integer(env, "WORKERS")
        if "WORKERS" in env
        else (None if "HTTP_WORKERS" in env else 1 if mode == "embedded" else 2),
        cors_origins=listed(env, "CORS_ORIGINS"),
        # Checked under either name: a proxy list decides whose address rate limits key on.
        trusted_proxies=networks(
            env, "TRUSTED_PROXIES" if "TRUSTED_PROXIES" in env else "HTTP_TRUSTED_PROXIES"
        ),
        max_body_bytes=integer(env, "MAX_BODY_BYTES"),
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
            pool_min=integer(env, "DATABASE_POOL_MIN"),
            pool_max=integer(env, "DATABASE_POOL_MAX"),
        ),
        redis=redis_section(env, redis_url),
        http=http,
        log=section_from_env(
            LogSettings,
            env,
            "LOG",
            level=env["LOG_LEVEL"].upper() if "LOG_LEVEL" in env else None,
            access=choice(env, "LOG_ACCESS", ("off", "errors", "all")),
        ),
        tracing=section_from_env(TracingSettings, env, "TRACING"),
        secrets=_secrets(env, data_dir, mode),
        upstream=_upstream(env, mode, host=http.host, data_dir=data_dir),
        miniprogram=section_from_env(
            MiniProgramSettings,
            env,
            "MINIPROGRAM",
            **{f.name: env.get(f.name.upper()) for f in msgspec.structs.fields(MiniProgramSettings)},
        ),
        openapi=choice(env, "OPENAPI", ("0", "1"), "1" if mode == "embedded" else "0") == "1",
        metrics_public=choice(env, "METRICS_PUBLIC", ("0", "1"), "1" if mode == "embedded" else "0") == "1",
        features={name: section_from_env(kind, env, name.upper()) for name, kind in (sections or {}).items()},
    )


def _mode(env: Mapping[str, str], *, is_sqlite: bool, has_redis: bool) -> Mode:
    """The operator's choice, never a guess: a database or Redis URL without ``SUQIAN_MODE`` once
    gave the embedded mode with the sandbox mounted, whose SMS outbox lists every code. No variable
    at all is the embedded default (the README's run command)."""
    chosen = env.get("MODE")
    if not chosen:
        given = [f"SUQIAN_{name}" for name in ("DATABASE_URL", "REDIS_URL") if env.get(name)]
        if given:
            raise SettingsError(
                f"{' and '.join(given)} set without SUQIAN_MODE: choose SUQIAN_MODE=production "
                "(PostgreSQL + Redis); the embedded default takes neither URL"
            )
        return "embedded"
    if chosen not in MODES:
        raise SettingsError(f"SUQIAN_MODE must be one of {', '.join(MODES)}")
    mode: Mode = chosen
    if mode == "embedded" and not (is_sqlite and not has_redis):
        raise SettingsError(
            "SUQIAN_MODE=embedded runs on a SQLite file and the in-process store: unset "
            "SUQIAN_REDIS_URL and any PostgreSQL SUQIAN_DATABASE_URL, or choose SUQIAN_MODE=production"
        )
    if mode != "embedded" and (is_sqlite or not has_redis):
        raise SettingsError(f"{mode} mode needs SUQIAN_DATABASE_URL (PostgreSQL) and SUQIAN_REDIS_URL")
    return mode


# The government systems the backend calls; remote mode needs a base URL for each. Registration needs
# the operators' real-name check (telecom) and face verification (faceverify) as much as the registry.
GOVERNMENT_SYSTEMS = ("population", "sms", "elicence", "credit", "cases", "telecom", "faceverify")


def _upstream(env: Mapping[str, str], mode: Mode, *, host: str, data_dir: Path) -> UpstreamSettings:
    """Sandbox upstreams are the embedded default. Production talks to the real systems unless told
    ``SUQIAN_UPSTREAM_MODE=sandbox``, and never mounts the sandbox: its control routes are open by
    design (anyone could read SMS codes from its outbox or invent a resident). The benchmark's
    throwaway stack needs them mounted to seed citizens, and says so twice — a mode of its own and
    ``SUQIAN_SANDBOX_MOUNT=1`` (one variable once exposed every code: review of issue 21) — on a
    loopback ``SUQIAN_HOST`` only, where nobody but the machine's own load generator reaches it. Granian
    binds wherever it is told whatever this says, so the mount also checks each caller
    (``backend.app._mount_sandbox``)."""
    default_mode = "remote" if mode == "production" else "sandbox"
    upstream_mode = choice(env, "UPSTREAM_MODE", ("sandbox", "remote"), default_mode)
    if mode == "production" and upstream_mode == "sandbox":
        # The twins' keys derive from a public seed (every worker must agree on them): anyone could
        # sign a payment notification as the sandbox's WeChat Pay. Security review, 2026-12-03.
        raise SettingsError(
            "SUQIAN_MODE=production talks to the real systems (the sandbox twins' keys are public); "
            "a throwaway stack on the twins runs SUQIAN_MODE=benchmark"
        )
    if mode == "benchmark" and upstream_mode != "sandbox":
        raise SettingsError("SUQIAN_MODE=benchmark runs on the sandbox twins: unset SUQIAN_UPSTREAM_MODE")
    default_mount = "1" if mode == "embedded" and upstream_mode == "sandbox" else "0"
    mount = choice(env, "SANDBOX_MOUNT", ("0", "1"), default_mount) == "1"
    if mount and mode == "production":
        raise SettingsError(
            "SUQIAN_MODE=production never mounts the sandbox (its SMS outbox lists every code); "
            "a throwaway load-test stack runs SUQIAN_MODE=benchmark"
        )
    if mount and mode == "benchmark" and not _loopback(host):
        raise SettingsError(
            "SUQIAN_MODE=benchmark mounts the sandbox (its SMS outbox lists every code) on a loopback "
            "SUQIAN_HOST only (127.0.0.1, ::1, localhost)"
        )
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
        sandbox_key_cache=env.get("UPSTREAM_SANDBOX_KEY_CACHE") or str(data_dir / "sandbox-keys"),
    )


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name might resolve anywhere


def _per_system(env: Mapping[str, str], suffix: str) -> dict[str, str]:
    # SUQIAN_UPSTREAM_POPULATION_URL=https://... → {"population": "https://..."}
    return {
        k[len("UPSTREAM_") : -len(suffix)].lower(): v
        for k, v in env.items()
        if k.startswith("UPSTREAM_") and k.endswith(suffix) and k != "UPSTREAM_MODE"
    }


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
        if mode != "embedded":
            raise SettingsError(f"{mode} mode needs SUQIAN_DATA_KEY and SUQIAN_INDEX_KEY (32 bytes, base64)")
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
