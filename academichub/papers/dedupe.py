"""Pure deduplication: merge a day's feed items into one record per work.

Rules (in this order):
1. An item whose id or any alias (arXiv id, ``doi:...``) is already known merges into that paper:
   cross-listings (same arXiv id in several category feeds) become one paper with the
   categories and source labels merged; the same DOI from two feeds is one paper.
2. A journal article with no shared id is compared with recent preprints: a near-identical
   normalised title (rapidfuzz) plus at least one shared author surname links it to the
   preprint as one paper (its DOI becomes an alias, its journal recorded).
3. Otherwise it is a new paper.

``replace``/``replace-cross`` items update the stored paper (newer version wins) and are not
part of the day's edition unless the source asks for replacements. Merging the same input
twice changes nothing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, fields, replace
from datetime import date

from rapidfuzz import fuzz, process

from academichub.papers.records import ARXIV_REPLACE_TYPES, PaperRecord

TITLE_MATCH_CUTOFF = 93.0  # rapidfuzz ratio on normalised titles (0-100)
TITLE_ONLY_CUTOFF = 98.0  # when one side lists no authors, the titles must agree almost exactly


@dataclass(slots=True)
class PaperState:
    """A paper as stored (mirrors the columns of academichub.models.Paper)."""

    id: str
    title: str
    title_key: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    source_labels: list[str] = field(default_factory=list)
    server: str = ""
    kind: str = "article"
    arxiv_id: str | None = None
    arxiv_version: int | None = None
    doi: str | None = None
    abs_url: str | None = None
    pdf_url: str | None = None
    doi_url: str | None = None
    journal_ref: str | None = None
    announce_type: str | None = None
    published: date | None = None

    @classmethod
    def from_record(cls, r: PaperRecord) -> PaperState:
        return cls(
            id=r.id,
            title=r.title,
            title_key=r.title_key,
            abstract=r.abstract,
            authors=list(r.authors),
            categories=list(r.categories),
            source_labels=[r.source_label] if r.source_label else [],
            server=r.server,
            kind=r.kind,
            arxiv_id=r.arxiv_id,
            arxiv_version=r.arxiv_version,
            doi=r.doi,
            abs_url=r.abs_url,
            pdf_url=r.pdf_url,
            doi_url=r.doi_url,
            journal_ref=r.journal_ref,
            announce_type=r.announce_type,
            published=r.published,
        )

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(slots=True)
class Known:
    """What the store already holds for the ids in a batch."""

    aliases: dict[str, str] = field(default_factory=dict)  # alias -> canonical id (ids map to themselves)
    papers: dict[str, PaperState] = field(default_factory=dict)
    # Preprints a journal article may be the published version of: (id, title_key, surnames).
    preprints: list[tuple[str, str, frozenset[str]]] = field(default_factory=list)


@dataclass(slots=True)
class Batch:
    source_key: str
    records: list[PaperRecord]
    include_replacements: bool = False


@dataclass(slots=True)
class Merge:
    incoming: str
    into: str
    reason: str  # "cross-listing", "new version", "same arXiv id", "same DOI", "preprint and journal version"


@dataclass(slots=True)
class Outcome:
    papers: dict[str, PaperState] = field(default_factory=dict)  # created or changed, by canonical id
    created: list[str] = field(default_factory=list)
    updated: set[str] = field(default_factory=set)
    new_aliases: dict[str, str] = field(default_factory=dict)
    listings: set[tuple[str, str, str | None]] = field(default_factory=set)  # (source, paper, announce type)
    merges: list[Merge] = field(default_factory=list)
    edition: dict[str, str] = field(default_factory=dict)  # paper id -> label, in order of arrival
    new_by_source: dict[str, int] = field(default_factory=dict)


def surnames(authors: list[str]) -> frozenset[str]:
    out = set()
    for name in authors:
        parts = name.replace(",", " ").split()
        if parts:
            last = unicodedata.normalize("NFKD", parts[-1].casefold())
            out.add("".join(ch for ch in last if ch.isalnum()))
    return frozenset(s for s in out if len(s) > 1)


def _union(first: list[str], second: list[str]) -> list[str]:
    return first + [x for x in second if x not in first]


def _in_edition(r: PaperRecord, include_replacements: bool) -> bool:
    return include_replacements or r.announce_type not in ARXIV_REPLACE_TYPES and r.announce_type != "replace"


def _merge_into(state: PaperState, r: PaperRecord, *, journal_version: bool) -> bool:
    """Fold record ``r`` into ``state``; True if anything changed."""
    before = state.as_dict()
    state.categories = _union(state.categories, r.categories)
    if r.source_label:
        state.source_labels = _union(state.source_labels, [r.source_label])
    newer = (
        r.server == "arxiv"
        and r.arxiv_version is not None
        and (state.arxiv_version is None or r.arxiv_version > state.arxiv_version)
    )
    if newer:  # a new version replaces the text; the id stays
        state.arxiv_version = r.arxiv_version
        state.title, state.title_key = r.title, r.title_key
        state.abstract = r.abstract or state.abstract
        state.authors = r.authors or state.authors
        state.announce_type = r.announce_type
    if journal_version:
        state.journal_ref = state.journal_ref or f"{r.journal_ref or r.source_label} (doi:{r.doi})"
        if state.server == "arxiv" and not state.doi:
            state.doi, state.doi_url = r.doi, r.doi_url
    else:
        state.doi = state.doi or r.doi
        state.doi_url = state.doi_url or r.doi_url
        state.journal_ref = state.journal_ref or r.journal_ref
    state.abstract = state.abstract or r.abstract
    state.authors = state.authors or r.authors
    state.published = state.published or r.published
    state.pdf_url = state.pdf_url or r.pdf_url
    return state.as_dict() != before


def _long_tokens(key: str, n: int) -> list[str]:
    return sorted({t for t in key.split() if len(t) >= 5}, key=lambda t: (-len(t), t))[:n]


class _PreprintPool:
    """Preprints a journal article may be the published version of.

    Blocking: each title is indexed under its three longest words, and a journal title is
    compared (rapidfuzz) only with preprints sharing one of its four longest words; a
    near-identical title shares them. Author surnames are computed only for a title match.
    """

    def __init__(self, known: list[tuple[str, str, frozenset[str]]]):
        self.ids: list[str] = []
        self.titles: list[str] = []
        self.authors: list[frozenset[str] | list[str]] = []
        self.index: dict[str, list[int]] = {}
        for pid, key, names in known:
            self._add(pid, key, names)

    def _add(self, pid: str, key: str, authors) -> None:
        i = len(self.ids)
        self.ids.append(pid)
        self.titles.append(key)
        self.authors.append(authors)
        for token in _long_tokens(key, 3):
            self.index.setdefault(token, []).append(i)

    def add(self, r: PaperRecord) -> None:
        self._add(r.id, r.title_key, r.authors)

    def candidates(self, key: str) -> list[int] | None:
        """Indices sharing a selective word with ``key``; None when every long word is too common
        to block on (the caller then scans all titles)."""
        limit = max(200, len(self.ids) // 50)
        found: set[int] = set()
        selective = False
        for token in _long_tokens(key, 4):
            posting = self.index.get(token, ())
            if len(posting) <= limit:
                selective = True
                found.update(posting)
        return sorted(found) if selective else None

    def surnames_at(self, index: int) -> frozenset[str]:
        value = self.authors[index]
        return value if isinstance(value, frozenset) else surnames(value)


def _find_preprint(r: PaperRecord, pool: _PreprintPool) -> str | None:
    if r.server != "journal" or r.kind != "article" or not r.title_key:
        return None
    indices = pool.candidates(r.title_key)
    if indices is None:  # no selective word: rapidfuzz scans every title (C speed)
        scored = [
            (score, i)
            for _t, score, i in process.extract(
                r.title_key, pool.titles, scorer=fuzz.ratio, score_cutoff=TITLE_MATCH_CUTOFF, limit=3
            )
        ]
    else:
        scored = sorted(((fuzz.ratio(r.title_key, pool.titles[i]), i) for i in indices), reverse=True)
    mine = surnames(r.authors)
    for score, index in scored[:3]:
        if score < TITLE_MATCH_CUTOFF:
            break
        theirs = pool.surnames_at(index)
        if (mine and theirs and mine & theirs) or ((not mine or not theirs) and score >= TITLE_ONLY_CUTOFF):
            return pool.ids[index]
    return None


def merge_batches(batches: list[Batch], known: Known) -> Outcome:
    out = Outcome()
    aliases = dict(known.aliases)
    states: dict[str, PaperState] = {}
    pool = _PreprintPool(known.preprints)
    created: set[str] = set()

    def state_for(pid: str) -> PaperState:
        if pid not in states:
            states[pid] = replace(known.papers[pid]) if pid in known.papers else out.papers[pid]
        return states[pid]

    for batch in batches:
        for r in batch.records:
            candidates = [r.id, *r.aliases]
            if r.doi and r.server != "arxiv":
                candidates.append(f"doi:{r.doi}")
            canonical = next((aliases[c] for c in candidates if c in aliases), None)
            reason = ""
            if canonical is not None:
                if canonical == r.id and r.is_replacement:
                    reason = "new version"
                elif canonical == r.id:
                    reason = "cross-listing" if r.server == "arxiv" else "same DOI"
                else:
                    reason = "same DOI" if r.id.startswith("doi:") else "same arXiv id"
            else:
                canonical = _find_preprint(r, pool)
                reason = "preprint and journal version" if canonical else ""
            if canonical is None:
                state = PaperState.from_record(r)
                out.papers[r.id] = state
                states[r.id] = state
                out.created.append(r.id)
                created.add(r.id)
                for alias in [r.id, *r.aliases]:
                    aliases.setdefault(alias, r.id)
                    out.new_aliases.setdefault(alias, r.id)
                if r.server in ("arxiv", "biorxiv", "medrxiv"):
                    pool.add(r)
                canonical = r.id
                out.new_by_source[batch.source_key] = out.new_by_source.get(batch.source_key, 0) + 1
            else:
                state = state_for(canonical)
                changed = _merge_into(state, r, journal_version=reason == "preprint and journal version")
                if changed or canonical in out.papers:
                    out.papers[canonical] = state
                    if canonical not in created:
                        out.updated.add(canonical)
                for alias in [r.id, *r.aliases]:
                    if alias not in aliases:
                        aliases[alias] = canonical
                        out.new_aliases[alias] = canonical
                if canonical in created or reason == "preprint and journal version":
                    out.merges.append(Merge(r.id, canonical, reason))
            out.listings.add((batch.source_key, canonical, r.announce_type))
            if canonical in created and canonical not in out.edition and _in_edition(r, batch.include_replacements):
                out.edition[canonical] = r.source_label
    return out
