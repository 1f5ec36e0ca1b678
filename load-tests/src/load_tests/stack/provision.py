"""A fresh PostgreSQL database and a private Redis key space for one bench run.

A bench run never touches test or development data: it creates ``suqian_bench_<hex>`` through the
admin URL and drops it at the end, and every Redis key it causes lives under ``bench:<hex>:``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
from dataclasses import dataclass

import asyncpg
import redis.asyncio as redis_asyncio

# The same defaults as the test fixtures (tests/conftest.py); a fresh Debian cluster set up by
# scripts/lib.sh wants the password it was given, hence the second candidate.
DEFAULT_PG_ADMIN_URLS = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://postgres:postgres@127.0.0.1:5432/postgres",
)
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
REFERENCE_VALUE = "Hello, World!"


class ProvisionError(Exception):
    """PostgreSQL or Redis is not reachable; the message says where we looked."""


@dataclass(frozen=True, slots=True)
class Provisioned:
    database_url: str
    admin_url: str
    database: str
    redis_url: str
    redis_prefix: str
    postgres_version: str = "unknown"
    redis_version: str = "unknown"

    @property
    def reference_key(self) -> str:
        return f"{self.redis_prefix}reference:greeting"


def with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _create(admin_urls: tuple[str, ...], redis_url: str) -> Provisioned:
    token = secrets.token_hex(4)
    name = f"suqian_bench_{token}"
    problems = []
    for admin_url in admin_urls:
        try:
            admin = await asyncpg.connect(admin_url, timeout=5)
        except (OSError, asyncpg.PostgresError) as exc:
            problems.append(f"{_redact(admin_url)}: {exc}")
            continue
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
            server = admin.get_server_version()
            # asyncpg reads "15.18" as major 15, micro 18 (minor is 0 since PostgreSQL 10)
            postgres_version = f"{server.major}.{server.micro if server.major >= 10 else server.minor}"
        finally:
            await admin.close()
        break
    else:
        raise ProvisionError("PostgreSQL is not reachable: " + "; ".join(problems))
    provisioned = Provisioned(
        database_url=with_database(admin_url, name),
        admin_url=admin_url,
        database=name,
        redis_url=redis_url,
        redis_prefix=f"bench:{token}:",
        postgres_version=postgres_version,
    )
    client = redis_asyncio.Redis.from_url(redis_url)
    try:
        await client.set(provisioned.reference_key, REFERENCE_VALUE)
        info = await client.info("server")
        provisioned = dataclasses.replace(provisioned, redis_version=str(info.get("redis_version")))
    except (OSError, redis_asyncio.RedisError) as exc:
        await _drop(provisioned)
        raise ProvisionError(f"Redis is not reachable at {redis_url}: {exc}") from exc
    finally:
        await client.aclose()
    return provisioned


async def _drop(provisioned: Provisioned) -> None:
    admin = await asyncpg.connect(provisioned.admin_url, timeout=5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{provisioned.database}" WITH (FORCE)')
    finally:
        await admin.close()
    client = redis_asyncio.Redis.from_url(provisioned.redis_url)
    try:
        keys = [k async for k in client.scan_iter(match=provisioned.redis_prefix + "*", count=1000)]
        for start in range(0, len(keys), 1000):
            await client.delete(*keys[start : start + 1000])
    except (OSError, redis_asyncio.RedisError):
        pass  # the database is gone already; leftover keys under a random prefix harm nobody
    finally:
        await client.aclose()


def _redact(url: str) -> str:
    scheme, _, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    return f"{scheme}://{userinfo.split(':')[0]}{at}{host}" if at else url


def create(admin_urls: tuple[str, ...], redis_url: str) -> Provisioned:
    """Create the run's database and seed the reference app's Redis key."""
    return asyncio.run(_create(admin_urls, redis_url))


def drop(provisioned: Provisioned) -> None:
    """Drop the run's database and delete every key under its prefix."""
    asyncio.run(_drop(provisioned))
