"""The application feature's errors.

NotFound (404)         ApplicationNotFound        application.not_found (also another citizen's)
Conflict (409)         TransitionInvalid          application.transition_invalid
Conflict (409)         NotEditable                application.not_editable
Invalid (422)          FormDataInvalid            application.form_invalid (extra.errors: every field)
Conflict (409)         PrefillChanged             application.prefill_changed
Unauthenticated (401)  CallbackSignatureInvalid   application.callback_signature_invalid
"""

from __future__ import annotations

from collections.abc import Sequence

from backend.errors import Conflict, Invalid, NotFound, Unauthenticated


class ApplicationNotFound(NotFound):
    code = "application.not_found"
    detail = "No such application"


class TransitionInvalid(Conflict):
    """The move is not one the lifecycle allows from the application's current status."""

    code = "application.transition_invalid"
    detail = "The application can't make this move from its current status"

    def __init__(self, current: str, target: str) -> None:
        super().__init__(
            detail=f"An application that is {current} can't become {target}",
            extra={"status": current, "target": target},
        )


class NotEditable(Conflict):
    """The form changes only while the application is a draft or returned for correction (补正)."""

    code = "application.not_editable"
    detail = "The form can only change while the application is a draft or returned for correction"


class PrefillChanged(Conflict):
    """A field filled from a licence no longer matches the licence (it was re-issued with other data
    since): ``extra.paths`` names them; refresh the draft's licence data or type them yourself."""

    code = "application.prefill_changed"
    detail = "Fields filled from your licences no longer match them"

    def __init__(self, paths: Sequence[str]) -> None:
        super().__init__(extra={"paths": list(paths)})


class FormDataInvalid(Invalid):
    """The form data fails the item's published form: ``extra.errors`` lists every field error
    (``path``: a JSON Pointer, ``message``: Chinese, ``kind``)."""

    code = "application.form_invalid"
    detail = "表单填写有误"

    def __init__(self, errors: Sequence[dict[str, str]]) -> None:
        super().__init__(extra={"errors": list(errors)})


class CallbackSignatureInvalid(Unauthenticated):
    """A department callback without a valid signature, stale, or replayed."""

    code = "application.callback_signature_invalid"
    detail = "The callback's signature is missing, wrong or stale"
