"""Schema-valid example values for any msgspec type, and the scalar leaves inside them.

The catalogue and the privacy sweep build every request from a route's own declared types, so a
feature that lands later is exercised the day it does: an example satisfies the declared
constraints (lengths, bounds, patterns, tags, literals), so that a mutated leaf is the one thing
wrong with a request and the answer speaks about that leaf.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec
from msgspec import inspect as mi

with warnings.catch_warnings():
    # Deprecated as a public module since 3.11, still the stdlib's typed regex parser.
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_constants as sc
    import sre_parse

Path = tuple[str | int, ...]


class NoExample(Exception):
    """A declared type this generator can't satisfy: teach it the new shape."""


@dataclass(frozen=True)
class Leaf:
    """A scalar inside an example body: where it is, its declared type and its example value."""

    path: Path
    type: mi.Type
    value: Any

    @property
    def name(self) -> str:
        names = [p for p in self.path if isinstance(p, str)]
        return names[-1] if names else ""

    @property
    def where(self) -> str:
        return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.path) or "(body)"


def _unwrap(t: mi.Type) -> tuple[mi.Type, dict[str, Any]]:
    extra: dict[str, Any] = {}
    while isinstance(t, mi.Metadata):
        extra.update(t.extra_json_schema or {})
        t = t.type
    return t, extra


def _class_char(items: list[Any]) -> str:
    negate = any(op is sc.NEGATE for op, _ in items)
    allowed: set[str] = set()
    for op, arg in items:
        if op is sc.LITERAL:
            allowed.add(chr(arg))
        elif op is sc.RANGE:
            allowed.update(chr(c) for c in range(arg[0], min(arg[1], arg[0] + 64) + 1))
        elif op is sc.CATEGORY:
            allowed.update({sc.CATEGORY_DIGIT: "0", sc.CATEGORY_WORD: "a", sc.CATEGORY_SPACE: " "}[arg])
    for char in "a0A_-.":
        if (char in allowed) != negate:
            return char
    if negate or not allowed:
        raise NoExample(f"character class {items!r}")
    return min(allowed)


def _emit(items: Any, extra: list[int]) -> str:
    """The shortest text matching ``items``; the first unbounded repeat takes ``extra[0]`` more."""
    out: list[str] = []
    for op, arg in items:
        if op is sc.LITERAL:
            out.append(chr(arg))
        elif op is sc.NOT_LITERAL:
            out.append("a" if arg != ord("a") else "b")
        elif op is sc.ANY:
            out.append("a")
        elif op is sc.IN:
            out.append(_class_char(arg))
        elif op in (sc.MAX_REPEAT, sc.MIN_REPEAT):
            low, high, sub = arg
            unit = _emit(sub, [0])
            count = low
            if extra[0] and unit:
                more = min(extra[0] // len(unit), high - low)
                count += more
                extra[0] -= more * len(unit)
            out.append(unit * count)
        elif op is sc.SUBPATTERN:
            out.append(_emit(arg[-1], extra))
        elif op is sc.BRANCH:
            out.append(_emit(arg[1][0], extra))
        elif op in (sc.AT, sc.ASSERT, sc.ASSERT_NOT):
            continue
        else:
            raise NoExample(f"regex construct {op}")
    return "".join(out)


def text_matching(pattern: str, *, min_length: int = 0, max_length: int | None = None) -> str:
    parsed = sre_parse.parse(pattern)
    text = _emit(parsed, [0])
    if len(text) < min_length:
        text = _emit(parsed, [min_length - len(text)])
    if not re.search(pattern, text) or len(text) < min_length or (max_length and len(text) > max_length):
        raise NoExample(f"no example for pattern {pattern!r} within [{min_length}, {max_length}]")
    return text


def _number(t: mi.IntType | mi.FloatType, one: int) -> int | float:
    if t.ge is not None:
        return t.ge
    if t.gt is not None:
        return t.gt + one
    if t.le is not None and t.le < one:
        return t.le
    if t.lt is not None and t.lt <= one:
        return t.lt - one
    return one


def example(t: mi.Type) -> Any:
    """A JSON value valid for ``t`` (the first member of a union, the first literal)."""
    t, extra = _unwrap(t)
    if extra.get("examples"):
        return extra["examples"][0]
    if isinstance(t, mi.StrType):
        if t.pattern:
            return text_matching(t.pattern, min_length=t.min_length or 0, max_length=t.max_length)
        return "a" * max(t.min_length or 0, 1)
    if isinstance(t, mi.BoolType):
        return False
    if isinstance(t, mi.IntType | mi.FloatType):
        return _number(t, 1)
    if isinstance(t, mi.UUIDType):
        return str(uuid.uuid4())
    if isinstance(t, mi.DateTimeType):
        return dt.datetime.now(dt.UTC).isoformat()
    if isinstance(t, mi.DateType):
        return dt.date.today().isoformat()
    if isinstance(t, mi.LiteralType):
        return t.values[0]
    if isinstance(t, mi.EnumType):
        return next(iter(t.cls)).value
    if isinstance(t, mi.NoneType):
        return None
    if isinstance(t, mi.AnyType):
        return "a"
    if isinstance(t, mi.BytesType | mi.ByteArrayType | mi.MemoryViewType):
        return "AAAA"
    if isinstance(t, mi.UnionType):
        members = [m for m in t.types if not isinstance(m, mi.NoneType)] or list(t.types)
        return example(members[0])
    if isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        return [example(t.item_type) for _ in range(max(t.min_length or 0, 1))]
    if isinstance(t, mi.TupleType):
        return [example(item) for item in t.item_types]
    if isinstance(t, mi.DictType):
        return {}
    if isinstance(t, mi.StructType | mi.TypedDictType | mi.DataclassType):
        body: dict[str, Any] = {}
        if isinstance(t, mi.StructType) and t.tag_field is not None:
            body[t.tag_field] = t.tag
        for field in t.fields:
            body[field.encode_name] = example(field.type)
        return body
    raise NoExample(f"type {t!r}")


def variants(annotation: Any) -> list[tuple[str, Any, mi.Type]]:
    """One example body per member of a top-level union of objects (each grant of a token request),
    else one: ``(label, body, type)``."""
    t, _ = _unwrap(mi.type_info(annotation))
    members = (
        [m for m in t.types if not isinstance(_unwrap(m)[0], mi.NoneType)]
        if isinstance(t, mi.UnionType)
        else [t]
    )
    found = []
    for member in members:
        inner, _ = _unwrap(member)
        label = getattr(inner, "tag", None) or getattr(getattr(inner, "cls", None), "__name__", "body")
        found.append((str(label), example(member), member))
    return found


def leaves(value: Any, t: mi.Type, path: Path = ()) -> Iterator[Leaf]:
    """The scalars of ``value`` (an ``example(t)``), each with its declared type."""
    t, _ = _unwrap(t)
    if isinstance(t, mi.UnionType):
        for member in t.types:
            inner, _ = _unwrap(member)
            if not isinstance(inner, mi.NoneType):
                yield from leaves(value, member, path)
                return
    if isinstance(t, mi.StructType | mi.TypedDictType | mi.DataclassType) and isinstance(value, dict):
        if isinstance(t, mi.StructType) and t.tag_field is not None:
            yield Leaf((*path, t.tag_field), mi.StrType(), value[t.tag_field])
        for field in t.fields:
            if field.encode_name in value:  # an optional field a documented example may leave out
                yield from leaves(value[field.encode_name], field.type, (*path, field.encode_name))
    elif isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType) and value:
        yield from leaves(value[0], t.item_type, (*path, 0))
    elif not isinstance(value, dict | list):
        yield Leaf(path, t, value)


def replaced(body: Any, path: Path, value: Any) -> Any:
    """A deep copy of ``body`` with the leaf at ``path`` set to ``value``."""
    copy = msgspec.json.decode(msgspec.json.encode(body))
    if not path:
        return value
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy
