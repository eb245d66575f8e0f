"""A day's edition as the later stages read it: its papers (as the matcher sees them, with their
themes), their cards, and the corpus the TF-IDF weights are fitted on; and the kept copy of it that
the web app and deliver-due's worker processes share."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from academichub.db import session_scope
from academichub.editions.caches import DbEmbeddingCache, save_themes, stored_themes, themes_key
from academichub.editions.theme import Theme, theme_of
from academichub.editions.themes import find_themes
from academichub.editions.vectorise import MODEL_NAME
from academichub.models import EditionPaper
from academichub.papers import store
from academichub.papers.views import PaperCard, PaperFacts, paper_facts_from


@dataclass(slots=True)
class EditionData:
    day: date
    facts: list[PaperFacts]
    cards: dict[str, PaperCard]
    corpus: list[str]
    themes: list[Theme] = field(default_factory=list)
    period_start: date | None = None  # a week's editions, for weekly digests
    themes_ready: bool = True  # False: read for the pages before the day's run found the themes
    matchers: dict = field(default_factory=dict, repr=False, compare=False)  # representation -> Matcher, built once
    match_keys: dict = field(default_factory=dict, repr=False, compare=False)  # matching/kept.py's edition keys


def read_edition(
    engine: Engine, day: date, corpus_days: int = 30, days: int = 1, *, prepare: bool = True
) -> EditionData:
    """The day's papers (or the last ``days`` days' editions) as the matcher sees them (with their
    themes), their cards, and the corpus. ``prepare=False`` (the web pages): only what is stored, no
    batch work: the themes if the day's run found them (else none, ``themes_ready`` False), no corpus."""
    since = day - timedelta(days=days - 1) if days > 1 else None
    with session_scope(engine) as session:
        rows = store.edition_papers(session, day, since)
        corpus = (
            [f"{t}. {t}. {a}" for _id, t, a in store.recent_corpus(session, until=day, days=corpus_days)]
            if prepare
            else []
        )
    facts = [paper_facts_from(p) for p, _label in rows]
    cards = {p.id: PaperCard.of(p, label) for p, label in rows}
    labels = {pid: list(card.sources) for pid, card in cards.items()}  # as shown (papers.labels)
    found = edition_themes(engine, day if since is None else None, facts, corpus, find=prepare, labels_by_id=labels)
    themes = found or []
    theme_ids = theme_of(themes)
    facts = [replace(f, theme=theme_ids.get(f.id)) for f in facts]
    return EditionData(
        day=day,
        facts=facts,
        cards=cards,
        corpus=corpus,
        themes=themes,
        period_start=since,
        themes_ready=found is not None,
    )


def edition_themes(
    engine: Engine,
    day: date | None,
    facts: list[PaperFacts],
    corpus: list[str],
    *,
    find: bool = True,
    labels_by_id: dict[str, list[str]] | None = None,
) -> list[Theme] | None:
    """The themes of a day's edition, found once and kept with the edition (the same papers give the
    same themes: a rerun, a web page, or a subscriber's view reuse them); a week's are found each time.
    With ``find=False``, only stored themes: None when the day's run has not found them yet.
    ``labels_by_id``: each paper's source labels as shown, a theme's ``sources`` (themes stored without
    them, before they were kept, get them from here too)."""
    key = themes_key(f.id for f in facts)
    if day is not None:
        with session_scope(engine) as session:
            stored = stored_themes(session, day, key)
        if stored is not None:
            return [_with_sources(t, labels_by_id) for t in stored]
    if not find:
        return None
    themes = find_themes(facts, corpus=corpus, labels_by_id=labels_by_id, cache=DbEmbeddingCache(engine, MODEL_NAME))
    if day is not None:
        with session_scope(engine) as session:
            save_themes(session, day, key, themes)
    return themes


def _with_sources(theme: Theme, labels_by_id: dict[str, list[str]] | None) -> Theme:
    if theme.sources or not labels_by_id:
        return theme
    return replace(theme, sources=sorted({s for pid in theme.paper_ids for s in labels_by_id.get(pid, [])}))


def edition_count(engine: Engine, day: date, days: int = 1) -> int:
    """How many papers the edition of ``day`` (and the ``days - 1`` before) holds."""
    since = day - timedelta(days=days - 1)
    with session_scope(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(EditionPaper)
            .where(EditionPaper.edition_date >= since, EditionPaper.edition_date <= day)
        ).one()


class EditionCache:
    """``read_edition`` kept (at most ``size`` entries) until the edition changes (a rerun adds
    papers). One per web app and one per deliver-due worker process; its threads wait for the one
    reading an edition instead of reading it again."""

    def __init__(self, size: int = 14):
        self.size = size
        self._kept: dict[tuple[str, date, int, bool], tuple[int, EditionData]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every kept edition (their papers changed in place, not by adding more)."""
        with self._lock:
            self._kept.clear()

    def get(
        self, engine: Engine, day: date, corpus_days: int = 30, days: int = 1, *, prepare: bool = True
    ) -> EditionData | None:
        """The edition, or None when those days have no papers. ``prepare=False`` (the web pages):
        never batch work (see ``read_edition``); a copy kept without themes is read again once the
        day's run has stored them."""
        with self._lock:
            count = edition_count(engine, day, days)
            if not count:
                return None
            key = (str(engine.url), day, days, prepare)
            hit = self._kept.get(key)
            if hit is None or hit[0] != count or (not hit[1].themes_ready and self._themes_stored(engine, hit[1])):
                if key not in self._kept and len(self._kept) >= self.size:
                    self._kept.pop(min(self._kept, key=lambda k: k[1]))
                hit = self._kept[key] = (count, read_edition(engine, day, corpus_days, days, prepare=prepare))
            return hit[1]

    @staticmethod
    def _themes_stored(engine: Engine, edition: EditionData) -> bool:
        with session_scope(engine) as session:
            return stored_themes(session, edition.day, themes_key(f.id for f in edition.facts)) is not None
