"""The application feature's errors.

NotFound (404)         ApplicationNotFound        application.not_found (also another citizen's)
Conflict (409)         TransitionInvalid          application.transition_invalid
Conflict (409)         NotEditable                application.not_editable
Invalid (422)          FormDataInvalid            application.form_invalid (extra.errors: every field)
Conflict (409)         PrefillChanged             application.prefill_changed
Unauthenticated (401)  CallbackSignatureInvalid   application.callback_signature_invalid

Reviewers (an operator binds a reviewer account to departments):
NotFound (404)         ReviewerNotFound           application.reviewer_not_found (no such staff account)
NotFound (404)         BindingNotFound            application.reviewer_binding_not_found
Invalid (422)          NotAReviewer               application.not_a_reviewer (another role)
Invalid (422)          DepartmentUnknown          application.department_unknown (no catalogue item names it)
Conflict (409)         ReviewerBound              application.reviewer_bound (bound to it already)

Materials (材料):
NotFound (404)         MaterialNotFound           application.material_not_found (also another citizen's)
Invalid (422)          SlotUnknown                application.material_slot_unknown
Invalid (422)          MaterialsMissing           application.materials_missing (extra.slots)
Invalid (422)          KindNotAccepted            application.material_kind_not_accepted (a licence kind)
Invalid → 413          MaterialTooLarge           application.material_too_large (extra.limit)
Invalid → 415          MaterialTypeUnsupported    application.material_type_unsupported (extra.reason)
Invalid → 415          MaterialTypeNotAccepted    application.material_type_not_accepted (by the slot)
Conflict (409)         SlotFull                   application.material_slot_full (extra.limit)
Conflict (409)         MaterialLocked             application.material_locked (removed from drafts only)
Unavailable (503)      MaterialStoreUnavailable   application.material_store_unavailable
"""

from __future__ import annotations

from collections.abc import Sequence

from backend.errors import Conflict, Invalid, NotFound, Unauthenticated, Unavailable


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


class MaterialNotFound(NotFound):
    code = "application.material_not_found"
    detail = "No such material"


class SlotUnknown(Invalid):
    """The item declares no material of this key (``GET /api/v1/catalogue/items/{code}`` lists them)."""

    code = "application.material_slot_unknown"
    detail = "The service item asks for no material of this name"


class MaterialsMissing(Invalid):
    """Submission needs every required material: ``extra.slots`` names the ones still empty."""

    code = "application.materials_missing"
    detail = "材料不齐全"

    def __init__(self, slots: Sequence[str]) -> None:
        super().__init__(extra={"slots": list(slots)})


class KindNotAccepted(Invalid):
    """The slot takes no licence of this kind (``extra.accepted``: the kinds it takes)."""

    code = "application.material_kind_not_accepted"
    detail = "This material can't be given by a licence of this kind"

    def __init__(self, kind: str, accepted: Sequence[str]) -> None:
        super().__init__(extra={"kind": kind, "accepted": list(accepted)})


class MaterialTooLarge(Invalid):
    """The file is larger than the limit (``extra.limit`` bytes); refused while it arrives."""

    status = 413
    title = "Content too large"
    code = "application.material_too_large"
    detail = "The file is too large"

    def __init__(self, limit: int) -> None:
        super().__init__(detail=f"A material may be at most {limit} bytes", extra={"limit": limit})


class MaterialTypeUnsupported(Invalid):
    """The bytes are no PDF, JPEG or PNG (``reason: unknown``), could be read as something else too
    (``reason: polyglot``), or are a PDF that would act when opened — JavaScript, actions, embedded
    files, XFA — or is encrypted (``reason: active``). The file's name and Content-Type are not
    looked at."""

    status = 415
    title = "Unsupported media type"
    code = "application.material_type_unsupported"
    detail = "Upload a PDF, JPEG or PNG file"

    def __init__(self, reason: str) -> None:
        super().__init__(extra={"reason": reason})


class MaterialTypeNotAccepted(Invalid):
    """A PDF, JPEG or PNG, but not one of the types this material takes (``extra.accepted``)."""

    status = 415
    title = "Unsupported media type"
    code = "application.material_type_not_accepted"
    detail = "This material takes files of other types"

    def __init__(self, detected: str, accepted: Sequence[str]) -> None:
        super().__init__(extra={"detected": detected, "accepted": list(accepted)})


class SlotFull(Conflict):
    code = "application.material_slot_full"
    detail = "This material holds as many files as it may; remove one first"

    def __init__(self, limit: int) -> None:
        super().__init__(extra={"limit": limit})


class MaterialLocked(Conflict):
    """A material is removed only from a draft: once submitted, the department has it."""

    code = "application.material_locked"
    detail = "Materials can only be removed from a draft"


class MaterialStoreUnavailable(Unavailable):
    code = "application.material_store_unavailable"
    detail = "Materials can't be stored or read right now; try again shortly"


class ReviewerNotFound(NotFound):
    code = "application.reviewer_not_found"
    detail = "No such staff account"


class BindingNotFound(NotFound):
    code = "application.reviewer_binding_not_found"
    detail = "No such reviewer binding"


class NotAReviewer(Invalid):
    code = "application.not_a_reviewer"
    detail = "Only a staff account with the reviewer role can be bound to a department"


class DepartmentUnknown(Invalid):
    code = "application.department_unknown"
    detail = "No service item of the catalogue names this department"


class ReviewerBound(Conflict):
    code = "application.reviewer_bound"
    detail = "The account is bound to this department already"
