"""Guidance's evaluation: hit@1, hit@3, off-catalogue rejections and latency on the labelled set.

    uv run --no-sync python -m tests.backend.guidance.evaluate [-v]

Runs the ranking core and the answer policy over the seed catalogue, seed aliases and seed FAQ entries
(what the embedded default serves), offline, no database. A labelled question with an expected key is
a hit@k when the key is among the first k results; a question nothing covers is a hit (at 1 and 3) when
the answer withholds one (``mode`` is not ``answer``). ``-v`` lists every miss.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass, field

from backend.catalogue.seed_items import SEED
from backend.catalogue.seed_livelihood import LIVELIHOOD
from backend.guidance.corpus import corpus, faq_entry
from backend.guidance.policy import Policy, decide
from backend.guidance.ranking import Index
from backend.guidance.seed import ALIASES, FAQS
from tests.backend.guidance.labelled import LABELLED

TARGET_HIT1 = 0.85
TARGET_HIT3 = 0.95


def seed_index() -> Index:
    faqs = [
        faq_entry(
            slug=f.slug, question=f.question, answer=f.answer, phrasings=f.phrasings, item_code=f.item_code
        )
        for f in FAQS
    ]
    return Index(corpus((*SEED, *LIVELIHOOD), ALIASES, faqs))


@dataclass
class Report:
    questions: int = 0
    hit1: int = 0
    hit3: int = 0
    covered: int = 0
    answered_right: int = 0
    answered_wrong: int = 0
    uncovered: int = 0
    withheld: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def hit_at_1(self) -> float:
        return self.hit1 / self.questions

    @property
    def hit_at_3(self) -> float:
        return self.hit3 / self.questions

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def lines(self) -> list[str]:
        return [
            f"labelled questions: {self.questions} ({self.covered} covered, {self.uncovered} nothing covers)",
            f"hit@1 {self.hit_at_1:.3f} (target {TARGET_HIT1})  "
            f"hit@3 {self.hit_at_3:.3f} (target {TARGET_HIT3})",
            f"covered answered right {self.answered_right}, answered wrong {self.answered_wrong}; "
            f"nothing-covers withheld {self.withheld}/{self.uncovered}",
            f"latency per question: median {statistics.median(self.latencies_ms):.3f} ms, "
            f"p95 {self.p(0.95):.3f} ms, max {max(self.latencies_ms):.3f} ms "
            "(ranking + policy, in process, warm)",
        ]


def evaluate(index: Index | None = None, policy: Policy | None = None) -> Report:
    index = index or seed_index()
    policy = policy or Policy()
    report = Report()
    for question, _ in LABELLED:  # warm: the pinyin cache, the first call into OpenCC
        index.rank(question, limit=policy.limit)
    for question, expected in LABELLED:
        started = time.perf_counter()
        answer = decide(index.rank(question, limit=policy.limit), policy)
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        keys = [hit.entry.key for hit in answer.hits]
        report.questions += 1
        if expected is None:
            report.uncovered += 1
            if answer.mode != "answer":
                report.withheld += 1
                report.hit1 += 1
                report.hit3 += 1
            else:
                report.misses.append(f"ANSWERED {question!r} -> {keys[:3]} conf={answer.confidence}")
            continue
        report.covered += 1
        report.hit1 += keys[:1] == [expected]
        report.hit3 += expected in keys[:3]
        if answer.mode == "answer":
            if keys[0] == expected:
                report.answered_right += 1
            else:
                report.answered_wrong += 1
        if keys[:1] != [expected]:
            report.misses.append(
                f"{'MISS3' if expected not in keys[:3] else 'MISS1'} {question!r} want {expected} "
                f"got {keys[:3]} mode={answer.mode} conf={answer.confidence}"
            )
    return report


def main(argv: list[str]) -> int:
    report = evaluate()
    if "-v" in argv:
        print("\n".join(report.misses))
    print("\n".join(report.lines()))
    return 0 if report.hit_at_1 >= TARGET_HIT1 and report.hit_at_3 >= TARGET_HIT3 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
