from __future__ import annotations

import base64
from pathlib import Path

import pytest

from backend.app import FEATURES
from backend.auth.settings import AuthSettings
from backend.code.settings import CodeSettings
from backend.feature import feature_sections
from backend.settings import GOVERNMENT_SYSTEMS, SettingsError, load_settings


def test_no_variables_give_the_embedded_default(tmp_path: Path) -> None:
    settings = load_settings({"SUQIAN_DATA_DIR": str(tmp_path)})
    assert settings.mode == "embedded"
    assert settings.database.is_sqlite
    assert settings.redis.url is None
    assert settings.upstream.mode == "sandbox"
    assert settings.upstream.mount_sandbox is True
    assert (settings.http.host, settings.http.port, settings.http.workers) == ("127.0.0.1", 8000, 1)


def test_embedded_secrets_are_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings({"SUQIAN_DATA_DIR": str(tmp_path)})
    second = load_settings({"SUQIAN_DATA_DIR": str(tmp_path)})
    assert first.secrets.data_key == second.secrets.data_key
    assert len(first.secrets.data_key) == 32
    assert first.secrets.data_key != first.secrets.index_key
    assert (tmp_path / "secrets.json").stat().st_mode & 0o077 == 0


def test_production_mode_is_chosen_by_name() -> None:
    key = base64.b64encode(b"k" * 32).decode()
    settings = load_settings(
        {
            "SUQIAN_MODE": "production",
            "SUQIAN_DATABASE_URL": "postgresql://app@db/suqian",
            "SUQIAN_REDIS_URL": "redis://cache:6379/0",
            "SUQIAN_DATA_KEY": key,
            "SUQIAN_INDEX_KEY": key,
            "SUQIAN_WORKERS": "4",
            **{
                f"SUQIAN_UPSTREAM_{name.upper()}_URL": f"https://{name}.gov.example"
                for name in GOVERNMENT_SYSTEMS
            },
            "SUQIAN_CORS_ORIGINS": "https://app.suqian.gov.cn,https://m.suqian.gov.cn",
        }
    )
    assert settings.mode == "production"
    assert settings.upstream.mode == "remote"
    assert settings.upstream.mount_sandbox is False
    assert settings.upstream.base_urls["population"] == "https://population.gov.example"
    assert settings.http.workers == 4
    assert settings.http.cors_origins == ("https://app.suqian.gov.cn", "https://m.suqian.gov.cn")


@pytest.mark.parametrize(
    "urls",
    [
        {"SUQIAN_DATABASE_URL": "postgresql://app@db/suqian"},
        {"SUQIAN_REDIS_URL": "redis://cache:6379/0"},
        {"SUQIAN_DATABASE_URL": "postgresql://app@db/suqian", "SUQIAN_REDIS_URL": "redis://cache:6379/0"},
        {"SUQIAN_DATABASE_URL": "sqlite:///elsewhere.sqlite3"},
    ],
)
def test_a_database_or_redis_url_without_a_mode_refuses_to_start(
    tmp_path: Path, urls: dict[str, str]
) -> None:
    # A PostgreSQL URL alone once gave the embedded mode with the sandbox (and its SMS outbox) mounted.
    with pytest.raises(SettingsError, match="without SUQIAN_MODE: choose SUQIAN_MODE=production"):
        load_settings({"SUQIAN_DATA_DIR": str(tmp_path), **urls})


def test_an_unknown_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SUQIAN_MODE must be one of embedded, production, benchmark"):
        load_settings({"SUQIAN_DATA_DIR": str(tmp_path), "SUQIAN_MODE": "prod"})


@pytest.mark.parametrize(
    "url", [("SUQIAN_DATABASE_URL", "postgresql://app@db/suqian"), ("SUQIAN_REDIS_URL", "redis://cache")]
)
def test_embedded_mode_refuses_shared_servers(tmp_path: Path, url: tuple[str, str]) -> None:
    with pytest.raises(SettingsError, match="SUQIAN_MODE=embedded runs on a SQLite file"):
        load_settings({"SUQIAN_DATA_DIR": str(tmp_path), "SUQIAN_MODE": "embedded", url[0]: url[1]})


def test_production_refuses_to_start_without_its_keys() -> None:
    with pytest.raises(SettingsError, match="SUQIAN_DATA_KEY"):
        load_settings(
            {
                "SUQIAN_MODE": "production",
                "SUQIAN_DATABASE_URL": "postgresql://app@db/suqian",
                "SUQIAN_REDIS_URL": "redis://cache",
            }
        )


def test_production_mode_needs_postgres_and_redis(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="production mode needs"):
        load_settings({"SUQIAN_MODE": "production", "SUQIAN_DATA_DIR": str(tmp_path)})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SUQIAN_PORT", "eighty", "SUQIAN_PORT must be an integer"),
        ("SUQIAN_LOG_ACCESS", "verbose", "SUQIAN_LOG_ACCESS must be one of"),
        ("SUQIAN_DATA_KEY", "not base64!", "SUQIAN_DATA_KEY must be base64"),
        ("SUQIAN_DATA_KEY", base64.b64encode(b"short").decode(), "32 bytes"),
    ],
)
def test_malformed_variables_name_themselves(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({"SUQIAN_DATA_DIR": str(tmp_path), name: value})


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"SUQIAN_REDIS_POOL_TIMEOUT": "0.5"}, "SUQIAN_REDIS_POOL_TIMEOUT is no longer read"),
        ({"SUQIAN_REDIS_MAX_CONNECTIONS": "64"}, "SUQIAN_REDIS_MAX_CONNECTIONS is no longer read"),
        ({"SUQIAN_REDIS_URL": "rediss://cache?ssl_certreqs=none"}, "SUQIAN_REDIS_URL: .*not understood"),
        ({"SUQIAN_REDIS_URL": "http://cache:6379"}, "SUQIAN_REDIS_URL: not a Redis URL"),
    ],
)
def test_redis_settings_that_would_do_nothing_or_something_else_are_refused(
    extra: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(_production(**extra))


def _production(**extra: str) -> dict[str, str]:
    key = base64.b64encode(b"k" * 32).decode()
    return {
        "SUQIAN_MODE": "production",
        "SUQIAN_DATABASE_URL": "postgresql://app@db/suqian",
        "SUQIAN_REDIS_URL": "redis://cache:6379/0",
        "SUQIAN_DATA_KEY": key,
        "SUQIAN_INDEX_KEY": key,
        **extra,
    }


def test_production_never_falls_back_to_the_sandbox() -> None:
    with pytest.raises(SettingsError, match="SUQIAN_UPSTREAM_POPULATION_URL"):
        load_settings(_production())


def test_production_never_runs_on_the_sandbox() -> None:
    # The twins' keys derive from a public seed: production on them would take forged notifications.
    for extra in ({}, {"SUQIAN_SANDBOX_MOUNT": "1"}):
        with pytest.raises(SettingsError, match="SUQIAN_MODE=production talks to the real systems"):
            load_settings(_production(SUQIAN_UPSTREAM_MODE="sandbox", **extra))


def test_benchmark_mode_is_the_production_stack_on_the_sandbox_twins() -> None:
    settings = load_settings(_production(SUQIAN_MODE="benchmark"))
    assert settings.mode == "benchmark"
    assert settings.upstream.mode == "sandbox"
    assert settings.http.workers == 2
    assert (settings.openapi, settings.metrics_public) == (False, False)
    with pytest.raises(SettingsError, match="benchmark mode needs SUQIAN_DATABASE_URL"):
        load_settings({"SUQIAN_MODE": "benchmark", "SUQIAN_REDIS_URL": "redis://cache"})
    with pytest.raises(SettingsError, match="benchmark runs on the sandbox twins"):
        load_settings(_production(SUQIAN_MODE="benchmark", SUQIAN_UPSTREAM_MODE="remote"))


def test_benchmark_mode_alone_never_mounts_the_sandbox() -> None:
    # Review of issue 21: one variable exposed /_sandbox/sms/outbox, every SMS code sent.
    assert load_settings(_production(SUQIAN_MODE="benchmark")).upstream.mount_sandbox is False


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_benchmark_mode_mounts_the_sandbox_when_asked_and_on_loopback_only(host: str) -> None:
    asked = _production(SUQIAN_MODE="benchmark", SUQIAN_SANDBOX_MOUNT="1", SUQIAN_HOST=host)
    assert load_settings(asked).upstream.mount_sandbox is True


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "api.suqian.example"])  # noqa: S104
def test_benchmark_mode_refuses_the_sandbox_on_an_address_others_reach(host: str) -> None:
    asked = _production(SUQIAN_MODE="benchmark", SUQIAN_SANDBOX_MOUNT="1", SUQIAN_HOST=host)
    with pytest.raises(SettingsError, match="loopback"):
        load_settings(asked)


def test_sandbox_mount_needs_sandbox_upstreams(tmp_path: Path) -> None:
    urls = {f"SUQIAN_UPSTREAM_{name.upper()}_URL": "https://x.example" for name in GOVERNMENT_SYSTEMS}
    with pytest.raises(SettingsError, match="SUQIAN_SANDBOX_MOUNT=1 needs"):
        load_settings(
            {
                "SUQIAN_DATA_DIR": str(tmp_path),
                "SUQIAN_UPSTREAM_MODE": "remote",
                "SUQIAN_SANDBOX_MOUNT": "1",
                **urls,
            }
        )


def test_every_field_of_every_section_can_be_set_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "SUQIAN_DATA_DIR": str(tmp_path),
            "SUQIAN_REDIS_TIMEOUT": "0.5",
            "SUQIAN_LOG_SLOW_REQUEST_MS": "250",
            "SUQIAN_UPSTREAM_READ_TIMEOUT": "3",
            "SUQIAN_HTTP_TRUSTED_PROXIES": '["10.0.0.0/8"]',
            "SUQIAN_AUTH_ACCESS_TTL": "600",
            "SUQIAN_CODE_ONLINE_TTL": "30",
        },
        sections=feature_sections(FEATURES),
    )
    assert settings.redis.timeout == 0.5
    assert settings.log.slow_request_ms == 250
    assert settings.upstream.read_timeout == 3
    assert settings.http.trusted_proxies == ("10.0.0.0/8",)
    auth, code = settings.features["auth"], settings.features["code"]
    assert isinstance(auth, AuthSettings)
    assert isinstance(code, CodeSettings)
    assert (auth.access_ttl, code.online_ttl) == (600, 30)
    # The rest keep the defaults written once, on the structs.
    assert auth.refresh_idle_ttl == AuthSettings().refresh_idle_ttl


def test_a_malformed_section_variable_names_itself(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SUQIAN_CODE_ONLINE_TTL"):
        load_settings(
            {"SUQIAN_DATA_DIR": str(tmp_path), "SUQIAN_CODE_ONLINE_TTL": "a minute"},
            sections=feature_sections(FEATURES),
        )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SUQIAN_CODE_REFRESH_EVERY", "inf"),
        ("SUQIAN_CODE_REFRESH_EVERY", "nan"),
        ("SUQIAN_CODE_REFRESH_EVERY", "0"),
        ("SUQIAN_CODE_CLONE_WINDOW", "0"),
        ("SUQIAN_CODE_CLONE_WINDOW", "-1"),
        ("SUQIAN_CODE_ONLINE_TTL", "315360000"),
    ],
)
def test_security_settings_outside_their_bounds_are_refused(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({"SUQIAN_DATA_DIR": str(tmp_path), name: value}, sections=feature_sections(FEATURES))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SUQIAN_AUTH_ACCESS_TTL", "315360000"),
        ("SUQIAN_AUTH_HASH_CONCURRENCY", "0"),
        ("SUQIAN_AUTH_HASH_CONCURRENCY", "-1"),
        ("SUQIAN_AUTH_LOGIN_FREE_FAILURES", "0"),
        ("SUQIAN_AUTH_LOGIN_ACCOUNT_CEILING", "1000000000000"),
    ],
)
def test_auth_settings_outside_their_bounds_are_refused(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({"SUQIAN_DATA_DIR": str(tmp_path), name: value}, sections=feature_sections(FEATURES))


def test_production_keeps_schema_and_metrics_off_the_public_port_unless_asked(tmp_path: Path) -> None:
    embedded = load_settings({"SUQIAN_DATA_DIR": str(tmp_path)})
    assert (embedded.openapi, embedded.metrics_public) == (True, True)
    urls = {f"SUQIAN_UPSTREAM_{s.upper()}_URL": f"https://{s}.gov.example" for s in GOVERNMENT_SYSTEMS}
    production = load_settings(_production(**urls))
    assert (production.openapi, production.metrics_public) == (False, False)
    asked = load_settings(_production(SUQIAN_OPENAPI="1", SUQIAN_METRICS_PUBLIC="1", **urls))
    assert (asked.openapi, asked.metrics_public) == (True, True)
    with pytest.raises(SettingsError, match="SUQIAN_METRICS_PUBLIC must be one of 0, 1"):
        load_settings({"SUQIAN_DATA_DIR": str(tmp_path), "SUQIAN_METRICS_PUBLIC": "yes"})


def test_slow_client_limits_are_read_from_the_environment(tmp_path: Path) -> None:
    defaults = load_settings({"SUQIAN_DATA_DIR": str(tmp_path)}).http
    assert (defaults.backpressure, defaults.backlog) == (512, 1024)
    assert (defaults.header_read_timeout, defaults.body_read_timeout) == (10.0, 30.0)
    http = load_settings(
        {
            "SUQIAN_DATA_DIR": str(tmp_path),
            "SUQIAN_HTTP_BACKPRESSURE": "256",
            "SUQIAN_HTTP_BACKLOG": "2048",
            "SUQIAN_HTTP_HEADER_READ_TIMEOUT": "2.5",
            "SUQIAN_HTTP_BODY_READ_TIMEOUT": "5",
        }
    ).http
    assert (http.backpressure, http.backlog, http.header_read_timeout, http.body_read_timeout) == (
        256,
        2048,
        2.5,
        5.0,
    )
    # Granian takes at most 60 s for headers; a zero would fail every request at once.
    for name, value in (("HEADER_READ_TIMEOUT", "61"), ("BODY_READ_TIMEOUT", "0"), ("BACKPRESSURE", "0")):
        with pytest.raises(SettingsError, match=f"SUQIAN_HTTP_{name}"):
            load_settings({"SUQIAN_DATA_DIR": str(tmp_path), f"SUQIAN_HTTP_{name}": value})


@pytest.mark.parametrize("name", ["SUQIAN_TRUSTED_PROXIES", "SUQIAN_HTTP_TRUSTED_PROXIES"])
def test_trusted_proxies_are_checked_under_either_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(SettingsError, match="IP addresses or CIDR networks"):
        load_settings({"SUQIAN_DATA_DIR": str(tmp_path), name: '["not-an-ip"]'})
    good = load_settings({"SUQIAN_DATA_DIR": str(tmp_path), name: '["10.0.0.0/8", "192.0.2.1"]'})
    assert good.http.trusted_proxies == ("10.0.0.0/8", "192.0.2.1")


def test_the_long_name_of_workers_is_honoured(tmp_path: Path) -> None:
    assert load_settings({"SUQIAN_DATA_DIR": str(tmp_path), "SUQIAN_HTTP_WORKERS": "3"}).http.workers == 3
