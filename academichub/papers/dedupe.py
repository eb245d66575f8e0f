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
from operator import attrgetter
from typing import Any

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
        return dict(zip(_STATE_FIELDS, _state_values(self), strict=True))


_STATE_FIELDS = tuple(f.name for f in fields(PaperState))
_state_values = attrgetter(*_STATE_FIELDS)  # all of a state's values in one C call: compared per merge


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
    before = _state_values(state)
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
    return _state_values(state) != before


# Characters a title key is made of (``normalise.title_key``: case-folded letters, digits, spaces),
# each its own bucket; every other character shares the last one.
_BUCKET_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789 "
_BUCKET_OF = [_BUCKET_CHARS.find(chr(i)) if chr(i) in _BUCKET_CHARS else len(_BUCKET_CHARS) for i in range(128)]


def _histograms(keys: list[str]) -> Any:
    """How many characters of each key fall in each bucket: a row a bucket, a column a key.
    numpy is imported here, not with the module: read-only commands import this module's types."""
    import numpy as np

    joined = "".join(keys)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32) if joined else np.zeros(0, np.uint32)
    columns = np.repeat(np.arange(len(keys)), [len(k) for k in keys])
    rows = np.asarray(_BUCKET_OF, dtype=np.intp)[np.minimum(codes, 127)]
    counts = np.bincount(rows * len(keys) + columns, minlength=(len(_BUCKET_CHARS) + 1) * len(keys))
    return counts.reshape(len(_BUCKET_CHARS) + 1, len(keys)).astype(np.int16)


class _PreprintPool:
    """Preprints a journal article may be the published version of.

    A journal title is scored (rapidfuzz) only against the titles that can reach the cut-off:
    the ratio is ``1 - indel / (len_a + len_b)``, and each insertion or deletion changes one
    character count by one, so a title whose character counts differ from the article's by more
    than the cut-off allows cannot match and is left out unscored. Exact: the same matches as
    scoring every title, at a few array operations a journal article. (An earlier word-index
    blocking missed a near-identical title whose only rare word was spelled differently.)
    Author surnames are computed only for a title match.
    """

    def __init__(self, known: list[tuple[str, str, frozenset[str]]]):
        self.ids: list[str] = []
        self.titles: list[str] = []
        self.authors: list[frozenset[str] | list[str]] = []
        # Character counts of the titles counted so far, a column a title (bucket rows add up fast).
        self._counts: Any = None  # made at the first journal article: a day without one never loads numpy
        self._lengths: Any = None
        for pid, key, names in known:
            self._add(pid, key, names)

    def _add(self, pid: str, key: str, authors: frozenset[str] | list[str]) -> None:
        self.ids.append(pid)
        self.titles.append(key)
        self.authors.append(authors)

    def add(self, r: PaperRecord) -> None:
        self._add(r.id, r.title_key, r.authors)

    def within_reach(self, key: str, cutoff: float) -> list[int]:
        """Indices of every title whose ratio with ``key`` may reach ``cutoff`` (a superset, never a miss)."""
        import numpy as np

        if self._counts is None:
            self._counts = _histograms([])
        counted = self._counts.shape[1]
        if counted < len(self.titles):  # count the titles added since the last look, all at once
            self._counts = np.hstack([self._counts, _histograms(self.titles[counted:])])
            self._lengths = self._counts.sum(axis=0, dtype=np.int16)
        if not self.titles:
            return []
        differ = np.abs(self._counts - _histograms([key])).sum(axis=0, dtype=np.int16)
        allowed = (1 - cutoff / 100) * (self._lengths + len(key))
        return np.flatnonzero(differ <= allowed).tolist()

    def surnames_at(self, index: int) -> frozenset[str]:
        value = self.authors[index]
        return value if isinstance(value, frozenset) else surnames(value)


def _find_preprint(r: PaperRecord, pool: _PreprintPool) -> str | None:
    if r.server != "journal" or r.kind != "article" or not r.title_key:
        return None
    indices = pool.within_reach(r.title_key, TITLE_MATCH_CUTOFF)
    # Best first; of equal scores, the preprint known longest.
    found = process.extract(
        r.title_key, [pool.titles[i] for i in indices], scorer=fuzz.ratio, score_cutoff=TITLE_MATCH_CUTOFF, limit=None
    )
    scored = sorted(((score, indices[at]) for _t, score, at in found), key=lambda s: (-s[0], s[1]))
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
