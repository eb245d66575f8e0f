"""Pure extractive composer: the briefing when no LLM is configured (and the fallback when one fails)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flows.i18n import strings_for
from flows.match import Match, Reason

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"“])")
MAX_SUMMARY = 320


@dataclass(slots=True)
class PaperCard:
    id: str
    title: str
    source_label: str
    published: date | None
    authors: list[str]
    abstract: str
    abs_url: str | None
    pdf_url: str | None
    doi_url: str | None


@dataclass(slots=True)
class BriefingItem:
    number: int
    paper: PaperCard
    summary: str
    reasons: list[str]
    score: float


@dataclass(slots=True)
class Briefing:
    email: str
    name: str
    language: str
    edition_date: date
    edition_size: int
    opening: str
    items: list[BriefingItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    composer: str = "extractive"
    interests: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.items


def first_sentences(text: str, *, limit: int = MAX_SUMMARY, count: int = 2) -> str:
    if not text:
        return ""
    sentences = _SENTENCE.split(text.strip())
    out = ""
    for s in sentences[:count]:
        candidate = f"{out} {s}".strip()
        if out and len(candidate) > limit:
            break
        out = candidate
    if len(out) > limit:
        out = out[: limit - 1].rsplit(" ", 1)[0] + "…"
    return out


def word_reasons(reasons: list[Reason], language: str) -> list[str]:
    """Structured reasons from the matcher, worded in the reader's language."""
    s = strings_for(language)
    return [s[f"reason_{r.kind}"].format(values=s["term_sep"].join(r.values)) for r in reasons if r.values]


def compose_extractive(
    *,
    email: str,
    name: str,
    language: str,
    interests: str,
    edition_date: date,
    edition_size: int,
    matches: list[Match],
    cards: dict[str, PaperCard],
    wanted: int,
) -> Briefing:
    s = strings_for(language)
    items = [
        BriefingItem(number=i, paper=cards[m.paper_id], summary=first_sentences(cards[m.paper_id].abstract), reasons=word_reasons(m.reasons, language), score=m.score)
        for i, m in enumerate((m for m in matches if m.paper_id in cards), 1)
    ]
    if items:
        opening = s["opening"].format(edition=edition_size, count=len(items))
    else:
        opening = s["opening_empty"].format(edition=edition_size)
    notes = []
    if items and len(items) < wanted:
        notes.append(s["thin"].format(count=len(items)))
    if items:
        notes.append(s["extractive_note"])
    return Briefing(
        email=email, name=name, language=language, edition_date=edition_date, edition_size=edition_size,
        opening=opening, items=items, notes=notes, interests=interests,
    )
