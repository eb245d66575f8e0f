"""Pure composition of a reader's briefing from pieces (LLM-written or extractive)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from academichub.i18n import strings_for
from academichub.matching.match import Match, Reason
from academichub.papers.views import PaperCard

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"“])")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)


def without_links(text: str) -> str:
    """Feed text may carry URLs; mail clients would make them clickable. Links in an email come only
    from the stored paper fields (abstract, PDF, DOI), so URLs in text become a neutral marker."""
    return _URL.sub("[link omitted]", text)


MAX_SUMMARY = 320


@dataclass(slots=True)
class BriefingItem:
    number: int
    paper: PaperCard
    summary: str  # the first language's text
    reasons: list[str]
    score: float
    summaries: list[str] = field(default_factory=list)  # all languages, reader's first
    contribution: str = ""
    theme: int | None = None
    radar: str = ""  # the radar it was picked for (its section when the reader has several)
    radar_id: int | None = None


@dataclass(slots=True)
class Section:
    """One radar's part of the email (``name`` empty: a reader with one radar, no heading)."""

    name: str
    items: list[BriefingItem]


@dataclass(slots=True)
class ThemeNote:
    id: int
    label: list[str]
    fields: list[str]
    cross_domain: bool
    text: str
    numbers: list[int]  # item numbers of this reader's papers the theme cites or holds


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
    themes: list[ThemeNote] = field(default_factory=list)
    opening_refs: list[int] = field(default_factory=list)
    period_start: date | None = None  # a weekly digest covers period_start..edition_date
    radars: list[str] = field(default_factory=list)  # the reader's radars when they have several

    @property
    def is_empty(self) -> bool:
        return not self.items

    @property
    def sections(self) -> list[Section]:
        """One section per radar (in the reader's order, empty ones too) when the reader has several
        radars; otherwise one section without a heading, so a one-radar email is as before."""
        if len(self.radars) < 2:
            return [Section("", self.items)]
        return [Section(name, [it for it in self.items if it.radar == name]) for name in self.radars]


def first_sentences(text: str, *, limit: int = MAX_SUMMARY, count: int = 2) -> str:
    if not text:
        return ""
    sentences = _SENTENCE.split(without_links(text).strip())
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


def reader_languages(language: str) -> list[str]:
    return {"zh": ["zh"], "en": ["en"], "bilingual": ["zh", "en"]}.get(language, ["en"])


@dataclass(frozen=True, slots=True)
class PaperText:
    """A paper's text in one language: the summary, where it came from (llm, extractive), its key contribution."""

    text: str
    source: str
    contribution: str = ""


@dataclass(frozen=True, slots=True)
class CitedText:
    """LLM text and the paper ids it cites (each one checked to be in the request)."""

    text: str
    citations: tuple[str, ...] = ()


@dataclass(slots=True)
class ThemeText:
    label: list[str]
    fields: list[str]
    cross_domain: bool
    texts: dict[str, CitedText] = field(default_factory=dict)  # language -> synthesis


@dataclass(slots=True)
class Pieces:
    """What the writer produced for this reader: text per (paper, language), theme notes, opening."""

    summaries: dict[tuple[str, str], PaperText] = field(default_factory=dict)  # (paper id, language)
    themes: dict[int, ThemeText] = field(default_factory=dict)  # theme id
    openings: dict[str, CitedText] = field(default_factory=dict)  # language


def compose(
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
    pieces: Pieces | None = None,
    themes_of: dict[str, int] | None = None,
    period_start: date | None = None,
    radars: list[str] | None = None,
) -> Briefing:
    """``radars``: the reader's radar names (first first); with two or more, the papers are numbered
    section by section, in that order."""
    s = strings_for(language)
    langs = reader_languages(language)
    pieces = pieces or Pieces()
    items: list[BriefingItem] = []
    extracts = 0
    radars = list(radars or []) if len(radars or []) > 1 else []
    if radars:
        order = {name: i for i, name in enumerate(radars)}
        matches = sorted(matches, key=lambda m: order.get(m.radar, len(order)))  # stable: each radar's order kept
    for i, m in enumerate((m for m in matches if m.paper_id in cards), 1):
        card = cards[m.paper_id]
        texts: list[str] = []
        contribution = ""
        for lang in langs:
            piece = pieces.summaries.get((card.id, lang)) or PaperText(first_sentences(card.abstract), "extractive")
            text, contrib = piece.text, piece.contribution
            if piece.source == "extractive":
                extracts += 1
                if lang != langs[0] and texts and texts[-1] == text:
                    continue  # bilingual reader, both extracts: show the English text once
            texts.append(text)
            contribution = contribution or contrib
        items.append(
            BriefingItem(
                number=i,
                paper=card,
                summary=texts[0] if texts else "",
                reasons=word_reasons(m.reasons, language),
                score=m.score,
                summaries=[t for t in texts if t],
                contribution=contribution,
                theme=(themes_of or {}).get(card.id),
                radar=m.radar,
                radar_id=m.radar_id,
            )
        )
    number_of = {it.paper.id: it.number for it in items}
    opening, composer = "", "extractive"
    refs: list[int] = []
    for lang in langs:
        if lang in pieces.openings:
            said = pieces.openings[lang]
            opening = f"{opening} {said.text}".strip()
            refs = sorted({number_of[c] for c in said.citations if c in number_of} | set(refs))
            composer = "llm"
    if not opening:
        kind = "opening_digest" if period_start else "opening"
        opening = (
            s[kind].format(edition=edition_size, count=len(items))
            if items
            else s[f"{kind}_empty"].format(edition=edition_size)
        )
    notes = []
    if not items:
        notes.append(s["empty_hint"])
    if items and len(items) < wanted:
        notes.append(s["thin"].format(count=len(items)))
    if items and extracts:
        notes.append(
            s["extractive_note"] if extracts == sum(len(langs) for _ in items) else s["partial_extractive_note"]
        )
    theme_notes = []
    for tid, theme in sorted(pieces.themes.items()):
        mine = [it.number for it in items if it.theme == tid]
        text = " ".join(theme.texts[lang].text for lang in langs if lang in theme.texts)
        if mine and (text or not theme.texts):  # no texts at all: named only (no LLM: pieces.theme_names)
            theme_notes.append(ThemeNote(tid, theme.label, theme.fields, theme.cross_domain, text, mine))
    theme_notes.sort(key=lambda t: (not t.cross_domain, t.numbers[0]))
    return Briefing(
        email=email,
        name=name,
        language=language,
        edition_date=edition_date,
        edition_size=edition_size,
        opening=opening,
        items=items,
        notes=notes,
        interests=interests,
        themes=theme_notes,
        opening_refs=refs,
        period_start=period_start,
        radars=radars,
        composer="llm" if composer == "llm" or (items and extracts == 0) else "extractive",
    )


def briefing_record(b: Briefing) -> dict:
    """What an email said, compactly (paper cards stay in the papers table): stored with the delivery."""
    return {
        "language": b.language,
        "name": b.name,
        "edition_date": b.edition_date.isoformat(),
        "edition_size": b.edition_size,
        "period_start": b.period_start.isoformat() if b.period_start else None,
        "opening": b.opening,
        "opening_refs": b.opening_refs,
        "notes": b.notes,
        "interests": b.interests,
        "composer": b.composer,
        "items": [
            {
                "id": it.paper.id,
                "number": it.number,
                "summaries": it.summaries,
                "reasons": it.reasons,
                "contribution": it.contribution,
                "theme": it.theme,
                "score": round(it.score, 4),
                "radar": it.radar,
                "radar_id": it.radar_id,
            }
            for it in b.items
        ],
        "radars": b.radars,
        "themes": [
            {
                "id": t.id,
                "label": t.label,
                "fields": t.fields,
                "cross_domain": t.cross_domain,
                "text": t.text,
                "numbers": t.numbers,
            }
            for t in b.themes
        ],
    }


def briefing_from_record(rec: dict, email: str, cards: dict[str, PaperCard]) -> Briefing:
    """The stored record back to a Briefing (papers no longer in the database are left out)."""
    items = [
        BriefingItem(
            number=i["number"],
            paper=cards[i["id"]],
            summary=(i["summaries"] or [""])[0],
            reasons=i["reasons"],
            score=i.get("score", 0.0),
            summaries=i["summaries"],
            contribution=i.get("contribution", ""),
            theme=i.get("theme"),
            radar=str(i.get("radar") or ""),
            radar_id=i.get("radar_id"),
        )
        for i in rec.get("items", [])
        if i["id"] in cards
    ]
    return Briefing(
        email=email,
        name=rec.get("name", ""),
        language=rec.get("language", "en"),
        edition_date=date.fromisoformat(rec["edition_date"]),
        edition_size=rec.get("edition_size", 0),
        opening=rec.get("opening", ""),
        items=items,
        notes=rec.get("notes", []),
        composer=rec.get("composer", "extractive"),
        interests=rec.get("interests", ""),
        themes=[ThemeNote(**t) for t in rec.get("themes", [])],
        opening_refs=rec.get("opening_refs", []),
        period_start=date.fromisoformat(rec["period_start"]) if rec.get("period_start") else None,
        radars=[str(r) for r in rec.get("radars") or []],
    )
