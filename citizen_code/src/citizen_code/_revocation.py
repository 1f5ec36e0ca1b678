"""Revocation list: code ids whose credentials issued before a time are void."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping

from citizen_code.errors import CitizenCodeError

_FORMAT = "sq1-revocations/1"


class RevocationList:
    """Entries ``(code_id, revoked_at)``: codes and holder credentials for that code id
    issued before ``revoked_at`` are rejected; ones issued later (a re-enrolled phone) pass.

    Holder credentials live at most 48 h, so an entry older than that can be pruned.
    """

    __slots__ = ("_entries",)

    def __init__(self, entries: Mapping[str, int] | Iterable[tuple[str, int]] = ()) -> None:
        merged: dict[str, int] = {}
        for code_id, revoked_at in entries.items() if isinstance(entries, Mapping) else entries:
            # Two revocations of one id: the later one voids more, so it wins.
            merged[code_id] = max(revoked_at, merged.get(code_id, revoked_at))
        self._entries = merged

    def revoked_at(self, code_id: str) -> int | None:
        """When ``code_id`` was last revoked, or None."""
        return self._entries.get(code_id)

    def with_entry(self, code_id: str, revoked_at: int) -> RevocationList:
        """A copy with one more revocation."""
        return RevocationList([*self._entries.items(), (code_id, revoked_at)])

    def prune(self, *, older_than: int) -> RevocationList:
        """A copy without entries revoked before ``older_than`` (now − 48 h is safe)."""
        return RevocationList((c, t) for c, t in self._entries.items() if t >= older_than)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return iter(self._entries.items())

    def to_json(self) -> bytes:
        """Serialise as JSON ``{"format": ..., "entries": [[code_id, revoked_at], ...]}``."""
        entries = sorted(self._entries.items())
        return json.dumps({"format": _FORMAT, "entries": entries}).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> RevocationList:
        """Load what ``to_json`` wrote.

        Raises:
            CitizenCodeError: not a revocation list document.
        """
        try:
            document = json.loads(data)
            if document["format"] != _FORMAT:
                raise ValueError(document["format"])
            entries = [(str(code_id), int(at)) for code_id, at in document["entries"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise CitizenCodeError(f"malformed revocation list: {exc!r}") from None
        return cls(entries)
