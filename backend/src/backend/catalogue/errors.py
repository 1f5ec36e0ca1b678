"""The catalogue's errors.

NotFound (404)   ItemNotFound       catalogue.item_not_found     (unknown, or never published)
Conflict (409)   VersionPublished   catalogue.version_published  (a published version never changes)
Conflict (409)   DraftExists        catalogue.draft_exists
Invalid (422)    FormInvalid        catalogue.form_invalid
Invalid (422)    CodeMismatch       catalogue.code_mismatch
"""

from __future__ import annotations

from backend.errors import Conflict, Invalid, NotFound


class ItemNotFound(NotFound):
    """No such service item (or version), or none published yet: a draft is the operators' only."""

    code = "catalogue.item_not_found"
    detail = "No such service item"


class VersionPublished(Conflict):
    """A published version is immutable: applications were checked against it. Draft a new one."""

    code = "catalogue.version_published"
    detail = "This version is published and can't change; draft a new version"


class DraftExists(Conflict):
    code = "catalogue.draft_exists"
    detail = "This item already has a draft; edit or publish it"


class FormInvalid(Invalid):
    """The form's schema is not valid JSON Schema 2020-12, refers outside itself, or a UI rule
    names no field of the form (``detail`` says which)."""

    code = "catalogue.form_invalid"
    detail = "The form is not valid"

    def __init__(self, reason: str) -> None:
        super().__init__(detail=f"The form is not valid: {reason}")


class CodeMismatch(Invalid):
    code = "catalogue.code_mismatch"
    detail = "The definition's code is not the item's code in the path"
