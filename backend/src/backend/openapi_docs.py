"""The words of the OpenAPI document that no route or struct carries: what each tag groups, and what
the fields every feature names alike (``id``, ``created_at``, ``expires_in``, ``*_fen``) mean.

A field's own ``msgspec.Meta(description=...)`` always wins; ``describe_common`` fills in only a
field that has none and whose name means one thing across the API (``COMMON``), or a struct-typed
field named in ``FIELDS`` (a description on the field itself would land on the struct's component).
The rest of the fields are described where they are declared; ``tests/contract/test_openapi_descriptions.py``
fails on a new field without a description, and on a tag used but not described here.
"""

from __future__ import annotations

import re

from litestar.openapi.spec import OpenAPI, Reference, Schema, Tag

TAGS: tuple[Tag, ...] = (
    Tag(
        name="auth",
        description="Citizens sign in: SMS codes, the token endpoint (password, SMS code, "
        "refresh-token rotation), logout. Tokens: `Authorization: Bearer <access_token>`.",
    ),
    Tag(
        name="citizen",
        description="Real-name registration (the population registry, the operators' "
        "check that the phone is the person's, face verification as the fallback), reclaiming an "
        "identity, the signed-in citizen (`/api/v1/me`). Answers mask personal data.",
    ),
    Tag(
        name="citizen-code",
        description="The citizen code (市民码): the 60-second online code and its QR, "
        "and the phones enrolled for the offline mode with their holder credentials.",
    ),
    Tag(
        name="scanner",
        description="What a gate or counter device does with its device token: verify "
        "a code, fetch revocations, upload offline scans.",
    ),
    Tag(
        name="mini-program",
        description="The WeChat and Alipay mini-program edge (`/mp/v1`): log in with "
        "the platform's code, bind the platform user to a real-name account, manage the links.",
    ),
    Tag(
        name="licences",
        description="The e-licence wallet (亮证): licences from the e-licence library, "
        "one-time show handles, consent to a counter's request, card packs, the disclosure log.",
    ),
    Tag(
        name="licence-verification",
        description="A registered counter asks for licence fields and "
        "verifies the presentation the citizen consented to.",
    ),
    Tag(
        name="catalogue",
        description="The catalogue of government services (事项): search by everyday "
        "words, an item's form and required materials.",
    ),
    Tag(
        name="applications",
        description="One-stop applications (一网通办): draft, fill (prefilled with "
        "provenance), attach materials, submit, follow, withdraw, the day's evidence.",
    ),
    Tag(
        name="departments",
        description="The department case systems' callbacks: an application's status changes, signed.",
    ),
    Tag(
        name="queue",
        description="Appointments and live queues at service halls and hospital "
        "departments: book, check in, take a number, watch it move, counters calling.",
    ),
    Tag(
        name="tourism",
        description="Scenic spots: slots, visitors, holds and payment, tickets with a "
        "rotating code, the gate's redemption.",
    ),
    Tag(
        name="hotels",
        description="Hotel rooms: book, pay, self check-in with a room key from the hotel's PMS.",
    ),
    Tag(name="parking", description="Car parks: plates, reservations, stays through the gate, pay on exit."),
    Tag(name="utilities", description="Water, power and gas: link an account, see bills, pay them."),
    Tag(
        name="payments",
        description="Payment orders through WeChat Pay and Alipay, and the platforms' "
        "notifications (server to server).",
    ),
    Tag(
        name="notifications",
        description="The citizen's messages, subscription authorisations for "
        "platform messages, quiet hours and opt-outs.",
    ),
    Tag(
        name="education",
        description="Schools and their districts (学区), school enrolment filed as an application, "
        "admission results, classes and pupils placed in them, home–school notices and read receipts.",
    ),
    Tag(name="evidence", description="Proofs that an audited digest is in a sealed day's Merkle root."),
    Tag(name="staff", description="Staff sign-in with two factors, their sessions and password."),
    Tag(
        name="admin",
        description="Operators' routes: staff, scanners, code keys, catalogue, outbox, "
        "payments' discrepancies, verifiers, halls. Roles are listed per operation.",
    ),
    Tag(
        name="organisations",
        description="Organisations (法人) claimed by their legal representative as the legal-person "
        "registry names them, the agents (经办人) the representative authorises with scopes and an "
        "expiry, and acting-as tokens checked against the authorisation at every use.",
    ),
    Tag(
        name="warnings",
        description="Disaster warnings of the meteorological bureau and the water authority: those "
        "in force, publishing and updating them (publishers bound to an organisation), a fan-out's "
        "progress, and the districts a citizen is warned for (orange and red ones pushed).",
    ),
    Tag(
        name="guidance",
        description="Smart guidance (智能引导): an everyday question answered with the service items and "
        "approved FAQ answers that fit, ranked with a confidence — or choices and a clarifying question; "
        "never a composed answer. Operators edit aliases and FAQ entries and read what found nothing.",
    ),
    Tag(
        name="data rights",
        description="A citizen's rights over their data (PIPL art. 44-47): what we hold and why, an "
        "export downloaded once, withdrawing consents, and closing the account.",
    ),
    Tag(
        name="credit",
        description="The citizen's own credit report (信用报告), the public disclosures (信用公示) and "
        "objections to a record (信用异议), forwarded to the credit platform and followed to its decision.",
    ),
    Tag(
        name="hotline",
        description="12345 tickets (诉求: complaints, reports, suggestions, consultations) with photos, "
        "filed with the 12345 platform exactly once, the departments' replies and the citizen's rating.",
    ),
    Tag(name="health", description="Liveness and readiness for the orchestrator."),
)

_TIME = "ISO 8601, UTC"
# Names that mean the same wherever they appear.
COMMON: dict[str, str] = {
    "id": "The object's id (a UUID), as its paths name it",
    "created_at": f"When it was created ({_TIME})",
    "updated_at": f"When it last changed ({_TIME})",
    "expires_at": f"When it expires ({_TIME})",
    "expires_in": "Seconds from now until it expires",
    "items": "The entries of this answer, in the order the operation names",
    "next_cursor": "Pass as `cursor` for the next page; null on the last page",
    "has_more": "More entries are waiting: ask again with `next_cursor` right away",
    "access_token": "A short-lived bearer token (a JWT, RFC 9068): `Authorization: Bearer <access_token>`",
    "refresh_token": "Trades for a new token pair when the access token expires; single use: each "
    "refresh answers a new one, and a spent one presented again revokes the session",
    "token_type": "Always `Bearer` (RFC 6750)",
    "phone": "A mainland mobile number; masked in answers (`138****5678`)",
    "id_number": "A resident ID number (GB 11643, 18 characters); masked in answers (`3213**********1234`)",
    "password": "A password: 8 to 128 characters, no composition rules (ASVS v5)",
    "sms_code": "The 6-digit code the SMS said",
    "grant_type": "Which grant this token request is: `password`, `sms_code` or `refresh_token`",
    "day": "The day (YYYY-MM-DD, Asia/Shanghai)",
    "version": "The version number, from 1",
    "order_status": "The payment order's state: `pending` until the platform confirms payment, then "
    "`paid`; `closed` once it expired unpaid; `refunding`, `partially_refunded`, `refunded` after a "
    "refund; `none` when nothing was to be paid (a free ticket)",
    "pay_arguments": "What the client hands to the cashier, as the platform wants them: "
    "`wx.requestPayment` / `my.tradePay` in the mini programs, the WeChat Open SDK's `PayReq` or the "
    "Alipay SDK's `orderStr` in the app; empty when nothing is to be paid",
    # Struct-typed fields (a description on one would land on the struct's shared component).
    "device": "The device, as its own schema describes it",
    "citizen": "The citizen, personal data masked",
    "tokens": "A session: the citizen is signed in",
    "school": "The school, as its own schema describes it",
    "enrolment": "The enrolment, as its own schema describes it",
    "notice": "The notice, as its own schema describes it",
    "record": "The record, as its own schema describes it",
    "booking": "The booking, as its own schema describes it",
    "hold": "The hold, as its own schema describes it",
    "stay": "The parking stay, as its own schema describes it",
    "payment": "The payment, as its own schema describes it",
    "location": "The place it concerns, as its own schema describes it; null: none given",
    "application": "The application, as its own schema describes it",
    "hall": "The hall, as its own schema describes it",
    "hotel": "The hotel, as its own schema describes it",
    "lot": "The car park, as its own schema describes it",
    "room_type": "The room type, as its own schema describes it",
    "licence": "The licence, as its own schema describes it",
    "order": "The payment order, as its own schema describes it",
    "verifier": "The verifier (counter or device) that asks, as its own schema describes it",
    "second_factor": "The second factor's state, as its own schema describes it",
    "form": "The form: its data schema and its UI schema",
    "ui": "The UI schema: the form's steps, fields and show/hide rules",
    "definition": "The item's whole definition, as its own schema describes it",
    "entry": "The audit entry, as its own schema describes it",
}
# Struct-typed fields whose meaning is their schema's own (a name too common for COMMON), as Schema.field.
FIELDS: dict[str, str] = {
    "CounterState.counter": "The counter, as its own schema describes it",
    "CounterState.current": "The ticket the counter is serving now; null when none",
    "Position.ticket": "The ticket, as its own schema describes it",
    "Event.called": "The call (number, counter, announcement) for events that call a ticket; null for others",
    "Event.line": "The service's line after the event, as its own schema describes it",
    "AccountSettled.session": "The full session, when this step settled the last thing the account owed "
    "(the restricted token ends); null while something is still owed",
    "TotpConfirmed.session": "The full session, when this step settled the last thing the account owed "
    "(the restricted token ends); null while something is still owed",
    "FormField.prefill": "Where the field's value comes from: a claim of one of the citizen's licences; "
    "null: the citizen types it",
    "PreferencesBody.quiet_hours": "The quiet hours (Beijing time), when non-urgent notices wait; null: none",
    "ProofRead.root": "The signed root of the entry's sealed day; null until the day is sealed (after "
    "midnight, Beijing)",
}
_FEN = re.compile(r"^[a-z_]*fen$")
_ID = re.compile(r"^([a-z_]+)_id$")
_AT = re.compile(r"^([a-z_]+)_at$")
_PRESENT = frozenset(("starts", "ends", "opens", "closes", "expires"))
_PARTICIPLES = frozenset(("paid", "sent", "held", "made", "done", "seen", "taken", "last"))


def common_description(name: str) -> str | None:
    """What ``name`` means wherever it appears, or None when it means different things."""
    if name in COMMON:
        return COMMON[name]
    if _FEN.match(name):
        return "An amount in fen (分, 1/100 yuan): 1990 is ¥19.90"
    if match := _ID.match(name):
        return f"The id of the {match.group(1).replace('_', ' ')}"
    if match := _AT.match(name):
        words = match.group(1).replace("_", " ")
        if words.split()[0] in _PRESENT:
            return f"When it {words} ({_TIME})"
        if words.split()[-1].endswith("ed") or words.split()[0] in _PARTICIPLES:
            return f"When it was {words} ({_TIME})"
    return None


def describe_common(openapi: OpenAPI) -> None:
    """Give each component property without a description its common one, in place."""
    for component, schema in (openapi.components.schemas or {}).items():
        for name, prop in (schema.properties or {}).items():
            # A property that is another struct is a bare ``$ref``, which OpenAPI 3.1 lets carry a
            # description of its own (the struct's component stays as it is).
            if isinstance(prop, Schema | Reference) and not prop.description:
                prop.description = FIELDS.get(f"{component}.{name}") or common_description(name)
            # A tagged union's tag (msgspec's ``tag_field``): one constant per struct.
            if isinstance(prop, Schema) and not prop.description and isinstance(prop.const, str):
                prop.description = (
                    f"Always `{prop.const}`: tells this shape apart from the others it may take"
                )


__all__ = ["COMMON", "FIELDS", "TAGS", "common_description", "describe_common"]
