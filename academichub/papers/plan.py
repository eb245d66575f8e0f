"""The day's fetch plan: the operator's default feeds and whatever active readers chose from the
catalogue, each feed read once.

``build_plan`` is pure: defaults ∪ wanted. A wanted key a default already covers adds nothing; the
other arXiv categories are read through combined feeds (``https://rss.arxiv.org/rss/math.PR+q-bio.NC``,
at most ``ARXIV_PER_FEED`` categories each), a bioRxiv/medRxiv subject through its server's daily
details API read once and filtered by the items' subject, a journal through its own feed. A source
that only readers want is ``optional``: its failure is reported and never holds the day. A source
nobody wants any more, and that is not a default, is simply not in the plan. ``reader_wants`` is
the edge (the active readers' category filters).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from academichub.papers.catalogue import ARXIV_RSS, Catalogue
from academichub.papers.sources import Source, SourceConfig, known_facets
from academichub.papers.validate import SOURCE_KEY_CHARS
from subscribers.models import InterestProfile, Subscriber

ARXIV_PER_FEED = 40  # categories in one combined arXiv feed (a URL stays far below 2,000 characters)
WANTING_STATUSES = ("active", "paused")  # a paused reader comes back: their sources stay in the plan
_ARXIV_CATS = re.compile(r"arxiv\.org/(?:rss|atom)/([\w.\-+]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PlannedFeed:
    source: Source
    kind: str  # arxiv, biorxiv, medrxiv, journal, other
    default: bool  # one of the operator's sources (ACADEMICHUB_SOURCES_FILE)
    covers: tuple[str, ...]  # the catalogue keys (or facets) whose papers it brings
    readers: int  # distinct readers who want at least one of them
    wanted_by: dict[str, int] = field(default_factory=dict)  # key -> readers who chose it

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.source.key,
            "url": self.source.url,
            "kind": self.kind,
            "label": self.source.label or "",
            "default": self.default,
            "readers": self.readers,
            "covers": list(self.covers),
            "wanted_by": dict(sorted(self.wanted_by.items())),
        }


@dataclass(frozen=True, slots=True)
class FetchPlan:
    feeds: tuple[PlannedFeed, ...]
    arxiv_holidays: frozenset
    unknown: dict[str, int] = field(default_factory=dict)  # wanted keys nothing can bring -> readers

    @property
    def config(self) -> SourceConfig:
        """The plan as the sources of an ingest run."""
        return SourceConfig(sources=tuple(f.source for f in self.feeds), arxiv_holidays=self.arxiv_holidays)


def _bounded(key: str) -> str:
    if len(key) <= SOURCE_KEY_CHARS:
        return key
    return f"{key[: SOURCE_KEY_CHARS - 13]}-{hashlib.sha1(key.encode()).hexdigest()[:12]}"


def _kind(source: Source) -> str:
    if source.is_arxiv:
        return "arxiv"
    for server in ("biorxiv", "medrxiv"):
        if f"/{server}/" in source.url or source.url.rstrip("/").endswith(f"/{server}"):
            return server
    return "journal"


def _default_covers(source: Source, catalogue: Catalogue) -> set[str]:
    """The catalogue keys (and facets) one default feed brings."""
    out = set(known_facets(SourceConfig(sources=(source,))))
    m = _ARXIV_CATS.search(source.url)
    if source.is_arxiv and m:
        cats = [c for c in m.group(1).split("+") if c]
        out.update(e.key for e in catalogue.entries if e.kind == "arxiv" and any(_under(e.key, c) for c in cats))
        return out
    kind = _kind(source)
    for e in catalogue.entries:
        if e.url == source.url or e.key == source.key:
            out.add(e.key)
        if kind in ("biorxiv", "medrxiv") and e.kind == kind and "/details/" in source.url:
            out.add(e.key)  # the whole server's daily details: every one of its subjects
    return out


def _under(key: str, category: str) -> bool:
    """Whether a feed of ``category`` (a category, or a whole archive such as ``math``) lists ``key``."""
    return key == category or key.startswith(category + ".")


def build_plan(
    defaults: SourceConfig,
    catalogue: Catalogue,
    wants: Sequence[Iterable[str]],
    *,
    arxiv_per_feed: int = ARXIV_PER_FEED,
) -> FetchPlan:
    """Defaults ∪ what readers want (one iterable of keys per reader), each feed once."""
    sets = [frozenset(w) for w in wants]
    count: dict[str, int] = {}
    for s in sets:
        for key in s:
            count[key] = count.get(key, 0) + 1

    def planned(source: Source, kind: str, default: bool, covers: Iterable[str]) -> PlannedFeed:
        cov = tuple(sorted(set(covers)))
        readers = sum(1 for s in sets if s.intersection(cov))
        wanted = {k: count[k] for k in cov if k in count}
        return PlannedFeed(source, kind, default, cov, readers, wanted)

    feeds: list[PlannedFeed] = []
    covered: set[str] = set()
    for source in defaults.sources:
        covers = _default_covers(source, catalogue)
        covered |= covers
        feeds.append(planned(source, _kind(source), True, covers))
    taken = {f.source.key for f in feeds}
    urls = {f.source.url for f in feeds}

    def free(key: str) -> str:
        key = _bounded(key)
        return key if key not in taken else _bounded(key + "-wanted")

    rest = sorted(k for k in count if k not in covered)
    unknown = {k: count[k] for k in rest if k not in catalogue}
    entries = [e for k in rest if (e := catalogue.get(k)) is not None]
    arxiv = [e.key for e in entries if e.kind == "arxiv"]
    for i in range(0, len(arxiv), arxiv_per_feed):
        chunk = arxiv[i : i + arxiv_per_feed]
        src = Source(key=free("arxiv-" + "+".join(chunk)), url=ARXIV_RSS + "+".join(chunk), optional=True)
        feeds.append(planned(src, "arxiv", False, chunk))
    for server, name in (("biorxiv", "bioRxiv"), ("medrxiv", "medRxiv")):
        chosen = [e for e in entries if e.kind == server]
        if not chosen:
            continue
        whole = catalogue.get(server)
        subjects = None if any(e.key == server for e in chosen) else frozenset(e.subject or "" for e in chosen)
        brings = [e.key for e in catalogue.entries if e.kind == server] if subjects is None else [e.key for e in chosen]
        src = Source(
            key=free(server),
            url=whole.url if whole else chosen[0].url,
            label=name,
            optional=True,
            subjects=subjects,
        )
        feeds.append(planned(src, server, False, brings))
    for e in entries:
        if e.kind != "journal" or e.url in urls:
            continue
        src = Source(key=free(e.key), url=e.url, label=e.label_en, optional=True)
        feeds.append(planned(src, "journal", False, [e.key]))
    return FetchPlan(feeds=tuple(feeds), arxiv_holidays=defaults.arxiv_holidays, unknown=unknown)


def choosable(defaults: SourceConfig, catalogue: Catalogue) -> frozenset[str]:
    """What a reader's category filter may name: every catalogue key, and what the operator's own
    sources bring (their arXiv categories and the keys of the others, as before the catalogue)."""
    return catalogue.keys | known_facets(defaults)


def reader_wants(session: Session) -> list[list[str]]:
    """The category filters of the readers who still receive email (one list per reader with one)."""
    rows = session.exec(
        select(InterestProfile.categories)
        .join(Subscriber, col(Subscriber.id) == col(InterestProfile.subscriber_id))
        .where(col(Subscriber.status).in_(WANTING_STATUSES))
    ).all()
    return [list(r) for r in rows if r]
