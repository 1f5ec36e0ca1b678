"""The per-citizen disclosure log: a hash chain of rows (paths, never values) with a signed head.

Canonical encoding (what a third party recomputes with nothing but SHA-256 and a JWS library):

* A **row** is a JSON object with exactly these members: ``seq`` (integer, 1 for the first row,
  +1 each row), ``time`` (integer Unix seconds), ``event`` (``issued`` / ``disclosed`` /
  ``declined`` / ``refused``), ``verifier_id``, ``verifier_name``, ``purpose``, ``licence_type``
  (string or null), ``requested`` and ``disclosed`` (arrays of claim paths; a path is an array of
  strings and integers), ``outcome`` (string).
* ``canonical(row)`` is RFC 8785 (JCS) of that object. For this value domain (ASCII member names,
  strings, integers, null, arrays) it is exactly Python's
  ``json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")``:
  members sorted by name, no whitespace, strings as UTF-8 with only ``"``, ``\\`` and control
  characters escaped (``\\n``-style short forms where JSON has them, else ``\\u00xx``).
* ``row_hash[1] = sha256(32 zero bytes || canonical(row[1]))`` and
  ``row_hash[k] = sha256(row_hash[k-1] || canonical(row[k]))``. The genesis is 32 zero bytes for
  every citizen: the signed head, not the chain, names the citizen.
* The **head** is a compact JWS, ES256, header ``{"alg":"ES256","typ":"log-head+jwt","kid":...}``,
  payload ``{"sub": citizen reference, "n": number of rows, "head": hex of row_hash[n] (64
  lowercase hex digits; n = 0 gives the genesis), "iat": Unix seconds}``.
* The **export** is a JSON object ``{"format": "suqian-disclosure-log/1", "rows": [row + its
  "row_hash" as lowercase hex, ...], "head": "<head JWS>"}``; ``row_hash`` is not part of
  ``canonical(row)``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from wallet._disclosure import ClaimPath
from wallet._encoding import is_int, json_dumps, json_object
from wallet._jws import check_typ, parse_jws, sign_jws
from wallet._keys import SigningKey
from wallet.errors import (
    LogExtended,
    LogHeadMismatch,
    LogOutOfOrder,
    LogRowAltered,
    LogTruncated,
    Malformed,
    MissingClaim,
    WrongSubject,
)

GENESIS = bytes(32)
HEAD_TYP = "log-head+jwt"
EXPORT_FORMAT = "suqian-disclosure-log/1"
_OPTIONAL_TEXT = ("verifier_id", "verifier_name", "purpose", "licence_type")
_MEMBERS = frozenset({"seq", "time", "event", "outcome", "requested", "disclosed", *_OPTIONAL_TEXT})


class LogEvent(StrEnum):
    """What happened: a credential was issued, disclosed, declined by the citizen, or refused by policy."""

    ISSUED = "issued"
    DISCLOSED = "disclosed"
    DECLINED = "declined"
    REFUSED = "refused"


def _utf8(text: str, what: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Malformed(f"{what} is not valid Unicode text") from None
    return text


def _paths(value: object, what: str) -> tuple[ClaimPath, ...]:
    if not isinstance(value, list | tuple):
        raise Malformed(f"{what} must be an array of paths")
    paths = []
    for path in value:
        if not isinstance(path, list | tuple) or not all(
            is_int(step) or isinstance(step, str) for step in path
        ):
            raise Malformed(f"{what} holds a path that is not an array of strings and integers")
        paths.append(tuple(_utf8(s, what) if isinstance(s, str) else s for s in path))
    return tuple(paths)


@dataclass(frozen=True, slots=True)
class LogRow:
    """One log row: who asked what, for which purpose, and what was disclosed; never a value."""

    seq: int
    time: int
    event: str
    verifier_id: str | None
    verifier_name: str | None
    purpose: str | None
    licence_type: str | None
    requested: tuple[ClaimPath, ...]
    disclosed: tuple[ClaimPath, ...]
    outcome: str

    def to_json(self) -> dict[str, Any]:
        """The row as a JSON object (paths as arrays)."""
        return {
            "seq": self.seq,
            "time": self.time,
            "event": self.event,
            "verifier_id": self.verifier_id,
            "verifier_name": self.verifier_name,
            "purpose": self.purpose,
            "licence_type": self.licence_type,
            "requested": [list(p) for p in self.requested],
            "disclosed": [list(p) for p in self.disclosed],
            "outcome": self.outcome,
        }

    def canonical(self) -> bytes:
        """RFC 8785 bytes of ``to_json()`` (see the module docstring)."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, obj: object) -> LogRow:
        """Read a row; unknown or missing members are refused (they would escape the hash).

        Raises:
            Malformed: not exactly a row as the module docstring defines it.
        """
        if not isinstance(obj, dict) or set(obj) != _MEMBERS:
            raise Malformed("a log row has exactly the members " + ", ".join(sorted(_MEMBERS)))
        if not (is_int(obj["seq"]) and is_int(obj["time"])):
            raise Malformed("seq and time must be integers")
        for name in ("event", "outcome"):
            if not isinstance(obj[name], str):
                raise Malformed(f"{name} must be a string")
            _utf8(obj[name], name)
        for name in _OPTIONAL_TEXT:
            if obj[name] is not None and not isinstance(obj[name], str):
                raise Malformed(f"{name} must be a string or null")
            if obj[name] is not None:
                _utf8(obj[name], name)
        return cls(
            seq=obj["seq"],
            time=obj["time"],
            event=obj["event"],
            verifier_id=obj["verifier_id"],
            verifier_name=obj["verifier_name"],
            purpose=obj["purpose"],
            licence_type=obj["licence_type"],
            requested=_paths(obj["requested"], "requested"),
            disclosed=_paths(obj["disclosed"], "disclosed"),
            outcome=obj["outcome"],
        )


def chain_hash(prev: bytes, row: LogRow) -> bytes:
    """``sha256(prev || canonical(row))``: the row's hash given the previous one (or ``GENESIS``)."""
    return hashlib.sha256(prev + row.canonical()).digest()


@dataclass(frozen=True, slots=True)
class LogEntry:
    """A row with the hash the chain gave it when it was appended."""

    row: LogRow
    row_hash: bytes


class DisclosureLog:
    """An in-memory chain: append rows, read the head, sign it. The backend persists the entries
    (and may rebuild the log from them) and keeps only ``head``/``length`` to append more."""

    def __init__(self, entries: Iterable[LogEntry] = ()) -> None:
        self.entries: list[LogEntry] = list(entries)

    @property
    def head(self) -> bytes:
        """The last row's hash, or ``GENESIS`` for an empty log."""
        return self.entries[-1].row_hash if self.entries else GENESIS

    def append(
        self,
        *,
        time: int,
        event: LogEvent | str,
        outcome: str,
        verifier_id: str | None = None,
        verifier_name: str | None = None,
        purpose: str | None = None,
        licence_type: str | None = None,
        requested: Iterable[ClaimPath] = (),
        disclosed: Iterable[ClaimPath] = (),
    ) -> LogEntry:
        """Add the next row (``seq`` = length + 1) and return it with its hash.

        Raises:
            Malformed: a field the canonical encoding cannot carry.
        """
        row = LogRow.from_json(
            {
                "seq": len(self.entries) + 1,
                "time": time,
                "event": str(event),
                "verifier_id": verifier_id,
                "verifier_name": verifier_name,
                "purpose": purpose,
                "licence_type": licence_type,
                "requested": [list(p) for p in requested],
                "disclosed": [list(p) for p in disclosed],
                "outcome": outcome,
            }
        )
        entry = LogEntry(row, chain_hash(self.head, row))
        self.entries.append(entry)
        return entry

    def sign_head(self, key: SigningKey, *, sub: str, iat: int) -> str:
        """The signed head over every row so far."""
        return sign_log_head(key, sub=sub, n=len(self.entries), head=self.head, iat=iat)


@dataclass(frozen=True, slots=True)
class LogHead:
    """A verified head: the citizen, how many rows it covers, the last hash, when it was signed."""

    sub: str
    n: int
    head: bytes
    iat: int


def sign_log_head(key: SigningKey, *, sub: str, n: int, head: bytes, iat: int) -> str:
    """JWS ES256 over ``{"sub", "n", "head": hex, "iat"}`` with ``typ: log-head+jwt``."""
    payload = {"sub": sub, "n": n, "head": head.hex(), "iat": iat}
    return sign_jws(key, {"alg": "ES256", "typ": HEAD_TYP, "kid": key.kid}, payload)


def _read_head(head_jws: object, public_key: ec.EllipticCurvePublicKey, sub: str | None) -> LogHead:
    if not isinstance(head_jws, str) or not head_jws.isascii():
        raise Malformed("a log head is an ASCII compact JWS")
    jws = parse_jws(head_jws, what="log head")
    jws.verify_with(public_key)
    check_typ(jws, HEAD_TYP)
    claims = jws.payload
    if sub is not None and claims.get("sub") != sub:
        raise WrongSubject(expected=sub, got=claims.get("sub"))
    n, head, iat = claims.get("n"), claims.get("head"), claims.get("iat")
    if not isinstance(claims.get("sub"), str):
        raise MissingClaim(claim="sub")
    if not (is_int(n) and n >= 0):
        raise MissingClaim(claim="n")
    if not (isinstance(head, str) and len(head) == 64 and all(c in "0123456789abcdef" for c in head)):
        raise MissingClaim(claim="head")
    if not is_int(iat):
        raise MissingClaim(claim="iat")
    return LogHead(claims["sub"], n, bytes.fromhex(head), iat)


def verify_log(
    entries: Sequence[LogEntry | LogRow],
    head_jws: str,
    public_key: ec.EllipticCurvePublicKey,
    *,
    sub: str | None = None,
) -> LogHead:
    """Recompute the chain and check it ends in the signed head.

    Entries with a recorded ``row_hash`` localise an edit to its row; bare ``LogRow`` s are only
    checked as a whole against the head.

    Raises:
        LogRowAltered(seq=): the first row whose content no longer matches its recorded hash.
        LogOutOfOrder(seq=): the first position holding the wrong ``seq`` (deleted or reordered).
        LogExtended(seq=): rows past the ``n`` the head covers (``seq`` = the first of them).
        LogTruncated(seq=): fewer rows than ``n`` (``seq`` = the first missing one).
        LogHeadMismatch: the chain does not end in the signed head (hashes were rewritten).
        Malformed, BadSignature, WrongType, WrongSubject, MissingClaim: the head itself is bad.
    """
    head = _read_head(head_jws, public_key, sub)
    prev = GENESIS
    for position, entry in enumerate(entries, start=1):
        row = entry.row if isinstance(entry, LogEntry) else entry
        if position > head.n:
            raise LogExtended(f"rows after {head.n} are not covered by the signed head", seq=position)
        if row.seq != position:
            raise LogOutOfOrder(f"row {position} holds seq {row.seq}", seq=position)
        prev = chain_hash(prev, row)
        if isinstance(entry, LogEntry) and entry.row_hash != prev:
            raise LogRowAltered(f"row {position} does not hash to its recorded row_hash", seq=position)
    if len(entries) < head.n:
        raise LogTruncated(f"the head covers {head.n} rows, {len(entries)} given", seq=len(entries) + 1)
    if prev != head.head:
        raise LogHeadMismatch("the recomputed chain does not end in the signed head", seq=None)
    return head


def export_log(entries: Iterable[LogEntry], head_jws: str) -> bytes:
    """The export file (UTF-8 JSON, format in the module docstring)."""
    rows = [{**entry.row.to_json(), "row_hash": entry.row_hash.hex()} for entry in entries]
    return json_dumps({"format": EXPORT_FORMAT, "rows": rows, "head": head_jws})


def load_log_export(data: bytes | str) -> tuple[list[LogEntry], str]:
    """Read an export into entries and the head JWS, for ``verify_log``.

    Raises:
        Malformed: not an export of this format.
    """
    document = json_object(data, what="log export")
    rows, head = document.get("rows"), document.get("head")
    if document.get("format") != EXPORT_FORMAT or not isinstance(rows, list) or not isinstance(head, str):
        raise Malformed(f"not a {EXPORT_FORMAT} export")
    entries = []
    for obj in rows:
        if not isinstance(obj, dict):
            raise Malformed("an exported row is an object")
        recorded = obj.get("row_hash")
        if not (
            isinstance(recorded, str)
            and len(recorded) == 64
            and all(c in "0123456789abcdef" for c in recorded)
        ):
            raise Malformed("an exported row carries its row_hash as 64 lowercase hex digits")
        entries.append(
            LogEntry(
                LogRow.from_json({k: v for k, v in obj.items() if k != "row_hash"}), bytes.fromhex(recorded)
            )
        )
    return entries, head
