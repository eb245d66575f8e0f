"""Plain data passed between the pure stages (parse -> normalise -> dedupe -> store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

ARXIV_NEW_TYPES = frozenset({"new", "cross"})
ARXIV_REPLACE_TYPES = frozenset({"replace", "replace-cross"})


@dataclass(slots=True)
class PaperRecord:
    """One feed item, normalised. ``id`` follows the project rule: bare arXiv id, else doi:<lower DOI>."""

    id: str
    title: str
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # primary first
    source_label: str = ""
    server: str = ""  # arxiv, medrxiv, biorxiv, journal
    kind: str = "article"
    arxiv_id: str | None = None
    arxiv_version: int | None = None
    doi: str | None = None
    abs_url: str | None = None
    pdf_url: str | None = None
    journal_ref: str | None = None
    announce_type: str | None = None
    published: date | None = None
    title_key: str = ""
    aliases: list[str] = field(default_factory=list)  # other ids: doi:<arXiv DOI>, a journal version's DOI

    @property
    def doi_url(self) -> str | None:
        return f"https://doi.org/{self.doi}" if self.doi else None

    @property
    def is_replacement(self) -> bool:
        return self.announce_type in ARXIV_REPLACE_TYPES


@dataclass(slots=True)
class FeedMeta:
    """What a document says about itself, used for feed health."""

    format: str  # arxiv-rss, arxiv-atom, rxiv-rss, rxiv-json, journal-rss, journal-atom
    title: str = ""
    link: str = ""
    skip_days: tuple[str, ...] = ()
    published: date | None = None
    categories: tuple[str, ...] = ()  # for arXiv listing feeds: the categories the feed covers


@dataclass(frozen=True, slots=True)
class ItemNote:
    """What happened to one item of a feed: ``item`` says which (its guid, link or DOI, shortened)."""

    item: str
    text: str

    def __str__(self) -> str:
        return f"{self.item}: {self.text}"


@dataclass(slots=True)
class ParsedFeed:
    meta: FeedMeta
    records: list[PaperRecord]
    rejected: list[ItemNote] = field(default_factory=list)  # items skipped, each with its reason
    bounded: list[ItemNote] = field(default_factory=list)  # items kept with a field cut or dropped
    warnings: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.rejected)


class FeedError(ValueError):
    """The document is not a usable feed. The message is meant for the fetch log and the run report."""


class ItemError(ValueError):
    """One item cannot become a paper (no id, an id or version out of range...): it is skipped and
    reported with this message, and the rest of its feed is kept."""
