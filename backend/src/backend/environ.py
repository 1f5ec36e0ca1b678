"""Reading ``SUQIAN_*`` variables into settings structs, with one-line errors that name the variable.

Only entry points call this (through ``backend.settings.load_settings``); nothing else reads the
environment.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TypeVar

import msgspec


class SettingsError(Exception):
    """A ``SUQIAN_*`` variable is missing or malformed; the message names it."""


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
        field_name = str(exc).rpartition("$.")[2].split(".")[0].split("[")[0].rstrip("`")
        raise SettingsError(f"SUQIAN_{prefix}_{field_name.upper()}: {exc}") from None


def networks(env: Mapping[str, str], name: str) -> tuple[str, ...] | None:
    if name not in env:
        return None
    raw = env[name].strip()
    try:
        # A comma-separated list, or (as every list setting may be) a JSON array.
        listed = msgspec.json.decode(raw, type=list[str]) if raw.startswith("[") else raw.split(",")
    except msgspec.DecodeError:
        raise SettingsError(f"SUQIAN_{name} must list IP addresses or CIDR networks") from None
    values = tuple(v.strip() for v in listed if v.strip())
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise SettingsError(f"SUQIAN_{name} must list IP addresses or CIDR networks") from None
    return values


def integer(env: Mapping[str, str], name: str) -> int | None:
    try:
        return int(env[name]) if name in env else None
    except ValueError:
        raise SettingsError(f"SUQIAN_{name} must be an integer") from None


def listed(env: Mapping[str, str], name: str) -> tuple[str, ...] | None:
    if name not in env:
        return None
    return tuple(item.strip() for item in env[name].split(",") if item.strip())


def choice(
    env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str | None = None
) -> str | None:
    value = env.get(name, default)
    if value is not None and value not in allowed:
        raise SettingsError(f"SUQIAN_{name} must be one of {', '.join(allowed)}")
    return value
