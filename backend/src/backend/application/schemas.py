from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from backend.application.lifecycle import StaffMove, Status
from backend.application.service import Delivery
from backend.catalogue.definition import ItemCode
from backend.fields import doc, plain_text


class ApplicationCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    item_code: Annotated[
        ItemCode,
        doc(
            "The service item to apply for (事项编码, from the catalogue): a draft of its "
            "current published version, prefilled from your licences",
            "SQ-GA-0001",
        ),
    ]


class ApplicationData(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The form as the citizen has it now (autosave): checked in full at submission."""

    data: Annotated[
        dict[str, Any],
        doc(
            "The whole form data as the citizen has it now, shaped by the item's form "
            "schema; saved as is, checked in full at submission",
            {
                "details": {
                    "address": "宿迁市宿城区幸福中路88号",
                    "residence_type": "租赁住房",
                    "since": "2026-03-01",
                }
            },
        ),
    ]


class Withdrawal(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, plain_text(min_length=0, max_length=400)] = ""


class FieldErrorRead(msgspec.Struct, frozen=True, kw_only=True):
    path: Annotated[str, doc("Which field, a JSON Pointer into the form data", "/details/since")]
    message: Annotated[
        str,
        doc(
            "What is wrong, for a person: the field's label and the problem, in Chinese",
            "来宿居住起始日期：此项为必填项",
        ),
    ]
    kind: Annotated[
        str,
        doc(
            "The kind of failure (`Required`, `Pattern`, `Format`, `Enum`…, `Hidden` "
            "for a value in a field the rules hide): for clients that word their own "
            "message",
            "Required",
        ),
    ]


class ApplicationRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    item_code: Annotated[str, doc("The service item applied for (事项编码)", "SQ-GA-0001")]
    item_name: Annotated[str, doc("The item's name", "居住证办理")]
    item_version: Annotated[int, doc("The version of the item's definition the application follows", 3)]
    status: Annotated[
        Status,
        doc(
            "Where the application is: `draft`, `submitted`, `accepted`, "
            "`intake_refused`, `in_review`, `correction_requested`, `resubmitted`, "
            "`approved`, `refused`, `completed` or `withdrawn`",
            "in_review",
        ),
    ]
    # The forwarding to the department: "forwarding" while it is retried (never "failed"), "held"
    # when it needs the operators (they are on it), "delivered" with ``case_id``.
    delivery: Annotated[
        Delivery,
        doc(
            "The forwarding to the department: `not_sent` (a draft), `forwarding` "
            "(being sent and retried; never `failed`), `held` (the operators are on "
            "it), `delivered` (with `case_id`)",
            "delivered",
        ),
    ]
    case_id: str | None
    data: Annotated[
        dict[str, Any], doc("The form data as saved", {"details": {"address": "宿迁市宿城区幸福中路88号"}})
    ]
    provenance: Annotated[
        dict[str, Any],
        doc(
            "Where prefilled values came from, by field (a JSON Pointer): a licence "
            "(`source` `licence` with its id, kind, claim, version and digest) or "
            "another source; `source` `citizen` with `overrode` once the citizen "
            "changed it",
            {
                "/details/address": {
                    "source": "licence",
                    "licence_id": "3f2b8c1e-7a4d-4e9b-8c21-5d6e7f809a1b",
                    "version": 2,
                    "kind": "BDCQZS",
                    "claim": "location",
                    "status": "valid",
                }
            },
        ),
    ]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None


class ApplicationSaved(msgspec.Struct, frozen=True, kw_only=True):
    application: ApplicationRead
    # What submission would refuse now (autosave never refuses).
    errors: Annotated[
        list[FieldErrorRead],
        doc(
            "What submission would refuse now, field by field (autosave never "
            "refuses); empty: ready to submit",
            [],
        ),
    ]


class ApplicationSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    item_code: Annotated[str, doc("The service item applied for (事项编码)", "SQ-GA-0001")]
    item_name: Annotated[str, doc("The item's name", "居住证办理")]
    status: Annotated[
        Status,
        doc(
            "Where the application is: `draft`, `submitted`, `accepted`, "
            "`intake_refused`, `in_review`, `correction_requested`, `resubmitted`, "
            "`approved`, `refused`, `completed` or `withdrawn`",
            "submitted",
        ),
    ]
    case_id: str | None
    updated_at: datetime


class ApplicationList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ApplicationSummary]


class EventRead(msgspec.Struct, frozen=True, kw_only=True):
    seq: Annotated[int, doc("The event's number in the application's history, from 1", 4)]
    action: Annotated[
        str,
        doc(
            "What happened: `create`, `submit`, `resubmit`, `withdraw`, `delivered`, "
            "`supplement_delivered`, `withdrawal_delivered`, or `department.<status>` "
            "for a department's decision",
            "department.in_review",
        ),
    ]
    from_status: Annotated[
        str,
        doc(
            "The status before (empty for the creation; the same as `to_status` when "
            "the status did not change)",
            "accepted",
        ),
    ]
    to_status: Annotated[str, doc("The status after", "in_review")]
    actor: Annotated[
        str,
        doc(
            "Who acted: `citizen:<id>`, `department:<case id>`, `system:outbox`, or staff",
            "citizen:0f8fad5b-d9cb-469f-a165-70867728950e",
        ),
    ]
    source: Annotated[
        str, doc("Which side acted: `citizen`, `department`, `system` or `staff`", "department")
    ]
    reason: Annotated[
        str,
        doc(
            "Why, as the actor said it (a refusal's reason, a correction request); may be empty",
            "部门已收件，办件编号 SQGA20261203000123",
        ),
    ]
    occurred_at: datetime


class EventList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[EventRead]


class CallbackReceived(msgspec.Struct, frozen=True, kw_only=True):
    # False when this event id was received before (callbacks are at-least-once).
    fresh: Annotated[
        bool,
        doc(
            "False when this event id was received before (callbacks are at least "
            "once): nothing changed again",
            True,
        ),
    ]


SlotKey = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$", max_length=64)]


class LicenceMaterialCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One of your licences (``GET /api/v1/licences``) as the material of ``slot``."""

    slot: Annotated[
        SlotKey, doc("The material slot to fill (a material `key` of the item)", "residence_proof")
    ]
    licence_id: uuid.UUID


class MaterialRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    application_id: uuid.UUID
    slot: Annotated[str, doc("The material slot it fills", "residence_proof")]
    source: Annotated[
        Literal["upload", "licence"],
        doc("`upload` (a file the citizen sent) or `licence` (one of their e-licences)", "upload"),
    ]
    # The file's name as you gave it, sanitised, with the extension of what it is; a licence's kind.
    name: Annotated[
        str,
        doc(
            "The file's name as given, sanitised, with the extension of what it "
            "really is; for a licence, its kind's name",
            "租房合同.pdf",
        ),
    ]
    # SHA-256 of the file's bytes (of the licence's credential): what the department checks.
    sha256: Annotated[
        str,
        doc(
            "SHA-256 (hex) of the file's bytes, or of the licence's credential: what the department checks",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
    ]
    size: Annotated[int, doc("The file's size in bytes; 0 for a licence", 482133)]
    media_type: Annotated[
        str,
        doc(
            "What the file is, from its bytes (not its name): `application/pdf`, "
            "`image/jpeg`, `image/png`; empty for a licence",
            "application/pdf",
        ),
    ]
    # A licence material's provenance: which licence, version, status and digests, and when.
    licence: Annotated[
        dict[str, Any] | None,
        doc(
            "For a licence material, its provenance: which licence, version, status "
            "and digests, and when; null for an upload",
            None,
        ),
    ]
    created_at: datetime


class ApplicationSlotRead(msgspec.Struct, frozen=True, kw_only=True):
    key: Annotated[str, doc("The slot's key (the material `key` of the item)", "residence_proof")]
    name: Annotated[
        str, doc("The material's name, as the item words it", "合法稳定住所证明（租房合同或不动产权证书）")
    ]
    required: Annotated[bool, doc("Whether submission needs it", True)]
    licence_kinds: Annotated[
        list[str], doc("The e-licence kinds that serve as this material; empty: none", ["BDCQZS"])
    ]
    upload_kinds: Annotated[
        list[str],
        doc(
            "File types accepted as an upload: among `pdf`, `jpeg`, `png`; empty: no upload",
            ["pdf", "jpeg", "png"],
        ),
    ]
    filled: Annotated[int, doc("How many materials the slot holds now", 1)]


class MaterialList(msgspec.Struct, frozen=True, kw_only=True):
    items: Annotated[list[MaterialRead], doc("The application's materials", [])]
    slots: Annotated[list[ApplicationSlotRead], doc("The item's material slots, with how full each is", [])]
    # Required slots still empty: submission answers 422 application.materials_missing until none are.
    missing: Annotated[
        list[str],
        doc(
            "Required slots still empty: submission answers 422 "
            "`application.materials_missing` until none are",
            ["residence_proof"],
        ),
    ]


# The statuses a reviewer's queue shows: every one but a draft (the citizen's alone).
ReviewStatus = Literal[
    "submitted", "accepted", "intake_refused", "in_review", "correction_requested", "resubmitted",
    "approved", "refused", "completed", "withdrawn",
]  # fmt: skip


class ReviewReason(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A refusal's grounds or what to correct: the citizen is told it, so it is never empty."""

    reason: Annotated[
        str, plain_text(min_length=1, max_length=400), doc("Why, as the citizen will read it", "缺少租房合同")
    ]


class ReviewNote(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[
        str, plain_text(min_length=0, max_length=400), doc("A note for the history (optional)", "材料齐全")
    ] = ""


class ReviewSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    item_code: Annotated[str, doc("The service item applied for (事项编码)", "SQ-GA-0001")]
    item_name: Annotated[str, doc("The item's name", "居住证办理")]
    status: Annotated[Status, doc("Where the application is (the queue's status)", "submitted")]
    case_id: str | None
    submitted_at: datetime | None
    updated_at: Annotated[
        datetime, doc("When it reached its status (the queue's order)", "2026-03-01T08:00:00Z")
    ]


class ReviewQueue(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ReviewSummary]
    next_cursor: Annotated[str | None, doc("The next page's cursor; null on the last page", None)]


class ReviewRead(msgspec.Struct, frozen=True, kw_only=True):
    """An application as its reviewer sees it: the form with ID and phone numbers masked, where each
    prefilled field came from, its history, and the moves open to a reviewer now."""

    id: uuid.UUID
    citizen_id: uuid.UUID
    item_code: Annotated[str, doc("The service item applied for (事项编码)", "SQ-GA-0001")]
    item_name: Annotated[str, doc("The item's name", "居住证办理")]
    item_version: Annotated[int, doc("The version of the item's definition the application follows", 3)]
    status: Annotated[Status, doc("Where the application is", "accepted")]
    case_id: str | None
    data: Annotated[
        dict[str, Any],
        doc(
            "The form data, ID and mobile numbers masked", {"applicant": {"id_number": "3213**********1234"}}
        ),
    ]
    sources: Annotated[
        dict[str, str],
        doc("Where a prefilled field's value came from, by JSON Pointer", {"/applicant/name": "licence"}),
    ]
    moves: Annotated[
        list[StaffMove],
        doc(
            "The moves a reviewer may make now: `accept`, `review`, `request_correction`, `approve`, "
            "`refuse`, `complete`",
            ["accept", "refuse"],
        ),
    ]
    events: Annotated[list[EventRead], doc("Everything that happened to it, in order (append-only)", [])]
    submitted_at: datetime | None
    updated_at: datetime


_DEPARTMENT = doc("The department whose applications the reviewer reviews (as items name it)", "宿迁市公安局")
_STAFF = "5b0f3c2e-8a41-4d6e-9c1f-2a7d9e3b6f10"


class ReviewerBind(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    staff_id: Annotated[uuid.UUID, doc("The staff account (role `reviewer`) to bind", _STAFF)]
    department: Annotated[str, plain_text(min_length=1, max_length=200), _DEPARTMENT]


class ReviewerBinding(msgspec.Struct, frozen=True, kw_only=True):
    id: Annotated[
        uuid.UUID, doc("The binding (unbind it by this id)", "0d6b9a1e-3c2f-4e5d-8a7b-9c0d1e2f3a4b")
    ]
    staff_id: Annotated[uuid.UUID, doc("The reviewer's staff account", _STAFF)]
    department: Annotated[str, _DEPARTMENT]
    created_at: datetime


class ReviewerBindingList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ReviewerBinding]
