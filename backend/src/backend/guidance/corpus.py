"""What guidance indexes, as ranking ``Entry``s: published catalogue items (name, aliases, their FAQ
questions, plus the aliases staff keep in guidance) and approved FAQ entries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from backend.catalogue.definition import ItemDefinition
from backend.guidance.ranking import Entry


def item_entry(definition: ItemDefinition, aliases: Sequence[str] = ()) -> Entry:
    faqs = tuple((f.question, f.answer) for f in definition.faqs)
    # An item's name may list two actions ("换领/补领"): each half is a phrase of its own too.
    halves = tuple(part for part in definition.name.split("/") if part) if "/" in definition.name else ()
    return Entry(
        kind="item",
        key=definition.code,
        title=definition.name,
        phrases=(definition.name, *halves, *definition.aliases, *aliases, *(q for q, _ in faqs)),
        department=definition.department,
        faqs=faqs,
    )


def faq_entry(
    *, slug: str, question: str, answer: str, phrasings: Sequence[str], item_code: str | None
) -> Entry:
    return Entry(
        kind="faq",
        key=slug,
        title=question,
        phrases=(question, *phrasings),
        answer=answer,
        item_code=item_code,
    )


def corpus(
    items: Iterable[ItemDefinition], aliases: Mapping[str, Sequence[str]], faqs: Iterable[Entry]
) -> list[Entry]:
    return [*(item_entry(d, aliases.get(d.code, ())) for d in items), *faqs]
