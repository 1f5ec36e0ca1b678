from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.catalogue.definition import LongText, Text
from backend.fields import doc, plain_text, token_text

Slug = Annotated[str, token_text(r"[a-z0-9][a-z0-9-]*", min_length=2, max_length=64)]
Topic = Annotated[str, token_text(r"[a-z][a-z0-9_]*", min_length=2, max_length=32)]
ItemCode = Annotated[str, token_text(r"SQ-[A-Z]{2,4}-[0-9]{4}", min_length=10, max_length=16)]
Phrase = Annotated[str, plain_text(max_length=60)]
Status = Literal["draft", "approved", "retired"]


class GuidanceResult(msgspec.Struct, frozen=True, kw_only=True):
    """A service item (``kind: item``: ``key`` is its code, open it in the catalogue) or an approved
    FAQ entry (``kind: faq``: ``answer`` is its approved text)."""

    kind: Annotated[
        Literal["item", "faq"], doc("`item`: a catalogue service item; `faq`: an FAQ entry", "item")
    ]
    key: Annotated[
        str, doc("The item's code (`kind: item`) or the FAQ entry's slug (`kind: faq`)", "SQ-GA-0004")
    ]
    title: Annotated[str, doc("The item's name or the FAQ entry's question", "身份证遗失补领")]
    # 0..1: the share of the question this result explains.
    confidence: Annotated[float, doc("0 to 1: the share of the question this result explains", 0.86)]
    department: Annotated[
        str | None, doc("The department that handles the item; null for FAQ entries", "宿迁市公安局")
    ]
    # Approved text only: an FAQ entry's answer, or the item's own FAQ answer the question matched.
    answer: Annotated[
        str | None,
        doc("Approved text only: the FAQ entry's answer, or the item's own FAQ answer the question matched"),
    ]
    answer_question: Annotated[
        str | None, doc("The question `answer` answers (the item's FAQ question); null when none matched")
    ]
    # The catalogue item to open (an item's own code, or the item an FAQ entry points to).
    item_code: Annotated[
        str | None,
        doc(
            "The catalogue item to open: the item's own code, or the one an FAQ entry points to", "SQ-GA-0004"
        ),
    ]


class GuidanceAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """``answer``: the first result is what was asked for. ``choices``: the likely ones, and
    ``clarifying_question`` asks which. ``none``: nothing fits; ``clarifying_question`` asks for other
    words (the question is kept, masked, for staff)."""

    mode: Annotated[
        Literal["answer", "choices", "none"],
        doc(
            "`answer`: the first result fits; `choices`: pick among the results; `none`: nothing fits",
            "answer",
        ),
    ]
    confidence: Annotated[float, doc("0 to 1: how sure the first result is what was asked", 0.86)]
    results: Annotated[list[GuidanceResult], doc("The results, best first (empty when `mode` is `none`)")]
    clarifying_question: Annotated[
        str | None,
        doc(
            "With `choices` or `none`: what to ask the resident next; null with `answer`",
            "您是要补领身份证还是办理临时身份证？",
        ),
    ]


class AliasCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    item_code: Annotated[ItemCode, doc("The catalogue item the phrase leads to", "SQ-GA-0004")]
    phrase: Annotated[Phrase, doc("What residents say for it, in everyday words", "身份证丢了")]


class AliasRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    item_code: Annotated[str, doc("The catalogue item the phrase leads to", "SQ-GA-0004")]
    phrase: Annotated[str, doc("What residents say for it, in everyday words", "身份证丢了")]
    created_at: datetime
    created_by: Annotated[
        str, doc("The staff member who added it (`staff:<id>`)", "staff:5f0c2a4e-8d1b-4c3e-9a7f-2b6d1e0c9a41")
    ]


class AliasList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[AliasRead]


class FaqEdit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    topic: Annotated[Topic, doc("The topic it is filed under (lowercase word)", "tourism")]
    question: Annotated[Text, doc("The question as residents ask it", "宿迁有哪些值得去的景区？")]
    answer: Annotated[
        LongText, doc("The answer, shown once approved", "宿迁的主要景区有项王故里、洪泽湖湿地公园等。")
    ]
    # Other ways residents ask it (best bets): indexed with the question.
    phrasings: Annotated[
        list[Phrase],
        msgspec.Meta(max_length=20),
        doc("Other ways residents ask it (up to 20), indexed with the question", ["宿迁旅游推荐"]),
    ] = msgspec.field(default_factory=list)
    item_code: Annotated[ItemCode, doc("The catalogue item it points to, if any", "SQ-GA-0004")] | None = None


class FaqCreate(FaqEdit, frozen=True, kw_only=True, forbid_unknown_fields=True):
    slug: Annotated[Slug, doc("Its stable name in paths (lowercase, digits, hyphens)", "tourism-spots")]


class FaqApprove(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # The revision the approver read: a later edit is not approved unseen.
    revision: Annotated[
        int,
        msgspec.Meta(ge=1, le=2**31 - 1),
        doc("The revision the approver read (from `FaqRead.revision`)", 3),
    ]


class FaqRead(msgspec.Struct, frozen=True, kw_only=True):
    slug: Annotated[str, doc("Its stable name in paths", "tourism-spots")]
    topic: Annotated[str, doc("The topic it is filed under", "tourism")]
    question: Annotated[str, doc("The question as residents ask it", "宿迁有哪些值得去的景区？")]
    answer: Annotated[str, doc("The answer (shown to residents only while `approved`)")]
    phrasings: Annotated[list[str], doc("Other ways residents ask it", ["宿迁旅游推荐"])]
    item_code: Annotated[str | None, doc("The catalogue item it points to; null if none", "SQ-GA-0004")]
    status: Annotated[
        Status,
        doc(
            "`draft` (edited, awaiting approval), `approved` (shown) or `retired` (kept for audit)",
            "approved",
        ),
    ]
    revision: Annotated[int, doc("Counts edits from 1; approving names the revision read", 3)]
    created_at: datetime
    created_by: Annotated[
        str, doc("The staff member who wrote it (`staff:<id>`)", "staff:5f0c2a4e-8d1b-4c3e-9a7f-2b6d1e0c9a41")
    ]
    updated_at: datetime
    updated_by: Annotated[
        str, doc("The staff member who last edited it", "staff:5f0c2a4e-8d1b-4c3e-9a7f-2b6d1e0c9a41")
    ]
    approved_at: Annotated[
        datetime | None, doc("When this revision was approved (ISO 8601, UTC); null while a draft")
    ]
    approved_by: Annotated[
        str | None,
        doc(
            "The staff member who approved it; null while a draft",
            "staff:5f0c2a4e-8d1b-4c3e-9a7f-2b6d1e0c9a41",
        ),
    ]


class FaqList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[FaqRead]


class MissRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    # Masked: ID numbers, phone numbers, long digit runs and introduced names.
    question: Annotated[
        str,
        doc(
            "The question, masked: ID numbers, phone numbers, long digit runs and introduced names",
            "我叫王**身份证丢了怎么办",
        ),
    ]
    asked: Annotated[int, doc("How many times this masked text was asked", 12)]
    first_at: Annotated[datetime, doc("When it was first asked (ISO 8601, UTC)")]
    last_at: Annotated[datetime, doc("When it was last asked (ISO 8601, UTC)")]


class MissPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[MissRead]
    next_cursor: str | None
