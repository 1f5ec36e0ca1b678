from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.catalogue.definition import LongText, Text
from backend.fields import plain_text, token_text

Slug = Annotated[str, token_text(r"[a-z0-9][a-z0-9-]*", min_length=2, max_length=64)]
Topic = Annotated[str, token_text(r"[a-z][a-z0-9_]*", min_length=2, max_length=32)]
ItemCode = Annotated[str, token_text(r"SQ-[A-Z]{2,4}-[0-9]{4}", min_length=10, max_length=16)]
Phrase = Annotated[str, plain_text(max_length=60)]
Status = Literal["draft", "approved", "retired"]


class GuidanceResult(msgspec.Struct, frozen=True, kw_only=True):
    """A service item (``kind: item``: ``key`` is its code, open it in the catalogue) or an approved
    FAQ entry (``kind: faq``: ``answer`` is its approved text)."""

    kind: Literal["item", "faq"]
    key: str
    title: str
    # 0..1: the share of the question this result explains.
    confidence: float
    department: str | None
    # Approved text only: an FAQ entry's answer, or the item's own FAQ answer the question matched.
    answer: str | None
    answer_question: str | None
    # The catalogue item to open (an item's own code, or the item an FAQ entry points to).
    item_code: str | None


class GuidanceAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """``answer``: the first result is what was asked for. ``choices``: the likely ones, and
    ``clarifying_question`` asks which. ``none``: nothing fits; ``clarifying_question`` asks for other
    words (the question is kept, masked, for staff)."""

    mode: Literal["answer", "choices", "none"]
    confidence: float
    results: list[GuidanceResult]
    clarifying_question: str | None


class AliasCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    item_code: ItemCode
    phrase: Phrase


class AliasRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    item_code: str
    phrase: str
    created_at: datetime
    created_by: str


class AliasList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[AliasRead]


class FaqEdit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    topic: Topic
    question: Text
    answer: LongText
    # Other ways residents ask it (best bets): indexed with the question.
    phrasings: Annotated[list[Phrase], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)
    item_code: ItemCode | None = None


class FaqCreate(FaqEdit, frozen=True, kw_only=True, forbid_unknown_fields=True):
    slug: Slug


class FaqApprove(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # The revision the approver read: a later edit is not approved unseen.
    revision: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class FaqRead(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    topic: str
    question: str
    answer: str
    phrasings: list[str]
    item_code: str | None
    status: Status
    revision: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    approved_at: datetime | None
    approved_by: str | None


class FaqList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[FaqRead]


class MissRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    # Masked: ID numbers, phone numbers, long digit runs and introduced names.
    question: str
    asked: int
    first_at: datetime
    last_at: datetime


class MissPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[MissRead]
    next_cursor: str | None
