"""Auto-fill from e-licences, with provenance per field (Open Forms' ``source`` per value, research §A1).

At drafting, every form field that names a licence claim (``ui`` ``prefill``) is filled from the
citizen's usable licence of that kind through ``LicenceService.field``: the value with where it came
from — licence id, version, claim, the disclosure's digest, the status then — and a one-claim
presentation anyone can verify. Such a field is locked in the UI; if the citizen changes it anyway, it
becomes their input (``source: citizen``, naming the licence value it replaced). At submission every
field still sourced from a licence is read again: a licence revoked (or gone) since blocks the
submission with the licence's own code, and a value that no longer matches (after normalising width,
case and spaces) is refused.
"""

from __future__ import annotations

import unicodedata
import uuid
from typing import Any

from backend.application.errors import PrefillChanged
from backend.catalogue.forms import CompiledForm
from backend.licence.errors import LicenceUnusable, NotHeld
from backend.licence.model import FieldValue
from backend.licence.service import LicenceService


def normalised(value: Any) -> str:
    """Full-width and half-width alike, case folded, spaces collapsed: ``３２１３０２…x`` is ``321302…X``."""
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    return " ".join(text.split())


def set_path(data: dict[str, Any], pointer: str, value: Any) -> None:
    *parents, last = pointer.split("/")[1:]
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def get_path(data: Any, pointer: str) -> Any:
    node = data
    for part in pointer.split("/")[1:]:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _provenance(value: FieldValue) -> dict[str, Any]:
    return {
        "source": "licence",
        "licence_id": str(value.licence_id),
        "version": value.version,
        "kind": value.kind_code,
        "claim": value.claim,
        "digest": value.digest,
        "status": value.status,
        "at": value.at.isoformat(),
        "value": value.value,
        "presentation": value.presentation,
    }


class AutoFill:
    def __init__(self, licences: LicenceService) -> None:
        self._licences = licences

    async def fill(
        self, citizen_id: uuid.UUID, form: CompiledForm, *, audience: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The draft's first data and provenance: every field a usable licence can fill."""
        await self._licences.held(citizen_id)  # the first look pulls the citizen's licences
        data: dict[str, Any] = {}
        provenance: dict[str, Any] = {}
        for path, field in form.fields.items():
            if field.prefill is None:
                continue
            try:
                value = await self._licences.field(
                    citizen_id, field.prefill.kind, field.prefill.claim, audience=audience
                )
            except (NotHeld, LicenceUnusable):
                continue  # nothing to fill it from: the citizen types it
            if value.value is None:
                continue
            set_path(data, path, value.value)
            provenance[path] = _provenance(value)
        return data, provenance

    @staticmethod
    def mark_overrides(data: dict[str, Any], provenance: dict[str, Any]) -> dict[str, Any]:
        """Fields the citizen changed away from their prefilled value (a licence's, or another
        source's such as the household register) are now the citizen's input."""
        marked = dict(provenance)
        for path, source in provenance.items():
            if source.get("source") in (None, "citizen") or "value" not in source:
                continue
            if normalised(get_path(data, path)) != normalised(source["value"]):
                if source["source"] == "licence":
                    overrode = {k: source[k] for k in ("licence_id", "kind", "claim", "version")}
                else:
                    overrode = {k: v for k, v in source.items() if k != "value"}
                marked[path] = {"source": "citizen", "overrode": overrode}
        return marked

    async def recheck(
        self, citizen_id: uuid.UUID, data: dict[str, Any], provenance: dict[str, Any], *, audience: str
    ) -> dict[str, Any]:
        """Read every licence-sourced field again (``LicenceUnusable`` / ``NotHeld`` propagate with
        their codes); the provenance as of now."""
        checked = dict(provenance)
        changed: list[str] = []
        for path, source in provenance.items():
            if source.get("source") != "licence":
                continue
            value = await self._licences.field(citizen_id, source["kind"], source["claim"], audience=audience)
            if normalised(value.value) != normalised(get_path(data, path)):
                changed.append(path)
            checked[path] = _provenance(value)
        if changed:
            raise PrefillChanged(changed)
        return checked
