"""The ranking core: approved phrases in, a ranked list with a confidence out. Web-free and pure.

Each entry (a service item, an approved FAQ) is a bag of phrases — its title, aliases, FAQ questions,
phrasings. A question is scored against every entry by BM25 over the weighted tokens of
``backend.guidance.text`` (k1 1.2, b 0.4: the entries' lengths differ tenfold and a long alias list
must not bury an item), plus the best single phrase's Dice overlap (the phrase a resident meant,
matched whole, breaks ties between items sharing words). The confidence is how much of the
question's IDF-weighted evidence the top entry explains: filler is gone by then, so words no entry
knows (天气, 彩票) pull it down — that is how an off-catalogue question gets "no answer", not a
wrong one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from backend.guidance.text import fold, tokens

K1 = 1.2
B = 0.4
# Weight of the best phrase's Dice overlap against BM25 (whose scores run ~5–30 here).
PHRASE = 8.0
SHORTLIST = 12

Kind = Literal["item", "faq"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    kind: Kind
    key: str
    title: str
    phrases: tuple[str, ...]
    # Carried through to the answer untouched (department, the approved answer, a linked item).
    department: str | None = None
    answer: str | None = None
    item_code: str | None = None
    # Approved question/answer pairs of an item (its FAQ): the best-matching one is attached.
    faqs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float
    # 0..1: the share of the question's evidence this entry explains.
    confidence: float
    faq: tuple[str, str] | None = None


@dataclass(slots=True)
class _Doc:
    entry: Entry
    terms: dict[str, float]
    length: float
    # Each phrase's (and FAQ question's) tokens with their total weight.
    phrases: list[tuple[dict[str, float], float]] = field(default_factory=list)
    faq_terms: list[tuple[dict[str, float], float]] = field(default_factory=list)


def _dice(a: dict[str, float], a_total: float, b: dict[str, float], b_total: float) -> float:
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    shared = sum(min(w, large[t]) for t, w in small.items() if t in large)
    total = a_total + b_total
    return 2 * shared / total if total else 0.0


class Index:
    """An immutable index over ``entries``; ``rank`` is safe to call from any task."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._docs: list[_Doc] = []
        for entry in entries:
            phrases = [_weighed(tokens(fold(p))) for p in entry.phrases]
            terms: dict[str, float] = {}
            for bag, _ in phrases:
                for t, w in bag.items():
                    terms[t] = terms.get(t, 0.0) + w
            faq_terms = [_weighed(tokens(fold(q))) for q, _ in entry.faqs]
            self._docs.append(_Doc(entry, terms, sum(terms.values()), phrases=phrases, faq_terms=faq_terms))
        n = len(self._docs)
        self._average = sum(d.length for d in self._docs) / n if n else 1.0
        frequency: dict[str, int] = {}
        for doc in self._docs:
            for t in doc.terms:
                frequency[t] = frequency.get(t, 0) + 1
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}
        # Each posting carries its entry's whole BM25 term (idf × saturated tf): a question's work is
        # one multiply-add per posting.
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for i, doc in enumerate(self._docs):
            saturation = K1 * (1 - B + B * doc.length / self._average)
            for t, tf in doc.terms.items():
                self._postings.setdefault(t, []).append((i, self._idf[t] * tf * (K1 + 1) / (tf + saturation)))
        # A token no entry holds weighs as much as the rarest one: it is evidence nothing explains.
        self._unknown = math.log(1 + (n - 0.5) / 1.5) if n else 1.0

    def __len__(self) -> int:
        return len(self._docs)

    def rank(self, question: str, *, limit: int = 5) -> list[Hit]:
        """The entries that share evidence with ``question``, best first (at most ``limit``)."""
        asked = tokens(fold(question))
        mass = sum(w * self._idf.get(t, self._unknown) for t, w in asked.items())
        if not mass:
            return []
        scores: dict[int, float] = {}
        explained: dict[int, float] = {}
        for t, qw in asked.items():
            postings = self._postings.get(t)
            if not postings:
                continue
            evidence = qw * self._idf[t]
            for i, term in postings:
                scores[i] = scores.get(i, 0.0) + qw * term
                explained[i] = explained.get(i, 0.0) + evidence
        # The phrase bonus is at most PHRASE: only entries within it of the leader can change places,
        # and the shortlist of SHORTLIST bounds the work on a question made of common characters.
        ordered = sorted(scores, key=scores.__getitem__, reverse=True)[:SHORTLIST]
        if not ordered:
            return []
        floor = scores[ordered[0]] - PHRASE
        asked_total = sum(asked.values())
        hits = []
        for i in ordered:
            bonus = 0.0
            if scores[i] >= floor:
                bonus = max((_dice(asked, asked_total, *p) for p in self._docs[i].phrases), default=0.0)
            hits.append((scores[i] + PHRASE * bonus, i))
        hits.sort(reverse=True)
        return [self._hit(i, score, explained[i] / mass, asked, asked_total) for score, i in hits[:limit]]

    def _hit(self, i: int, score: float, confidence: float, asked: dict[str, float], total: float) -> Hit:
        doc = self._docs[i]
        faq = None
        if doc.faq_terms:
            overlap, j = max((_dice(asked, total, *bag), j) for j, bag in enumerate(doc.faq_terms))
            # Half the question's tokens in common: the resident asked this FAQ, not only the item.
            if overlap >= 0.5:
                faq = doc.entry.faqs[j]
        return Hit(doc.entry, round(score, 4), round(min(confidence, 1.0), 4), faq)


def _weighed(bag: dict[str, float]) -> tuple[dict[str, float], float]:
    return bag, sum(bag.values())
