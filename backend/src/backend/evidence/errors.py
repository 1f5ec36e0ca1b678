"""The evidence feature's errors.

NotFound (404)   RootNotFound    evidence.root_not_found
NotFound (404)   EntryNotFound   evidence.entry_not_found
"""

from __future__ import annotations

from backend.errors import NotFound


class RootNotFound(NotFound):
    """No sealed root for that chain and day: the day has not ended (plus the grace), the chain is
    not one sealed, or nothing had happened on it yet."""

    code = "evidence.root_not_found"
    detail = "No signed root for that chain and day (yet)"


class EntryNotFound(NotFound):
    code = "evidence.entry_not_found"
    detail = "No such entry in a sealed chain"
