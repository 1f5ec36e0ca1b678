"""The answer policy: what to show for a ranked list. Guidance never composes an answer of its own;
it points at a service item or an approved FAQ answer when it is sure, offers the likely choices with
a clarifying question when it is not, and says it found nothing when nothing explains the question
(research §B1: Ask Jamie's ungrounded matching is the warning)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from backend.guidance.ranking import Hit

Mode = Literal["answer", "choices", "none"]

NONE_PROMPT = (
    "没有找到相关的办事事项或解答。请换个说法，说说要办的证件或业务，例如“补办身份证”“提取公积金”“景区门票”。"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    # Thresholds on the top hit's confidence (the share of the question it explains), tuned on the
    # labelled set (tests/backend/guidance/evaluate.py): at 0.6 and above with a clear lead it answers;
    # from 0.3 it offers choices; below, nothing.
    answer: float = 0.6
    choices: float = 0.3
    # A lead: the runner-up's score below this share of the top's (else the two are a choice).
    lead: float = 0.85
    limit: int = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    mode: Mode
    confidence: float
    hits: Sequence[Hit]
    clarifying_question: str | None


def decide(hits: Sequence[Hit], policy: Policy) -> Decision:
    if not hits or hits[0].confidence < policy.choices:
        return Decision(
            mode="none",
            confidence=hits[0].confidence if hits else 0.0,
            hits=(),
            clarifying_question=NONE_PROMPT,
        )
    top = hits[0]
    clear = len(hits) == 1 or hits[1].score < policy.lead * top.score
    if top.confidence >= policy.answer and clear:
        return Decision(mode="answer", confidence=top.confidence, hits=hits, clarifying_question=None)
    choices = [h for h in hits[:3] if h.confidence >= policy.choices] or [top]
    titles = "、".join(f"“{h.entry.title}”" for h in choices)
    return Decision(
        mode="choices",
        confidence=top.confidence,
        hits=hits,
        clarifying_question=f"您想问的是哪一项：{titles}？也可以说得更具体些。",
    )
