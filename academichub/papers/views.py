"""The views of a stored paper that the later stages use: ``PaperFacts`` (what matching and themes
read), ``PaperCard`` (what an email or a page shows) and ``paper_json`` (the one JSON shape of a
paper, shared by the CLI and the web API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from academichub.papers.labels import shown_label
from academichub.papers.sources import paper_facets
from academichub.papers.urls import checked_url


@dataclass(frozen=True, slots=True)
class PaperFacts:
    id: str
    title: str
    abstract: str
    kind: str = "article"
    categories: tuple[str, ...] = ()
    facets: frozenset[str] = frozenset()  # categories + source keys: what category filters match
    authors: tuple[str, ...] = ()
    theme: int | None = None

    @property
    def text(self) -> str:
        return f"{self.title}. {self.title}. {self.abstract}"  # the title says most, count it twice


def paper_facts_from(paper: Any) -> PaperFacts:
    """PaperFacts for matching from a stored paper row."""
    return PaperFacts(
        id=paper.id,
        title=paper.title,
        abstract=paper.abstract,
        kind=paper.kind,
        categories=tuple(paper.categories),
        facets=paper_facets(list(paper.categories), paper.server, list(paper.source_labels)),
        authors=tuple(paper.authors),
    )


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
    doi: str | None = None
    journal_ref: str | None = None
    kind: str = "article"
    announce_type: str | None = None
    arxiv_version: int | None = None
    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    @property
    def url(self) -> str | None:
        """Where a reader opens the paper: its abstract page, else its DOI."""
        return self.abs_url or self.doi_url

    @classmethod
    def of(cls, paper: Any, label: str | None = None) -> PaperCard:
        """The card of a stored paper, under the label its edition lists it with (else its first), in
        the one form labels are shown in (``papers.labels``: rows stored before it included)."""
        server = getattr(paper, "server", "")  # (a stored row has one; a card built from a sketch may not)
        sources = tuple(dict.fromkeys(shown_label(x, server) for x in paper.source_labels))
        return cls(
            id=paper.id,
            title=paper.title,
            source_label=shown_label(label, server) if label else (sources[0] if sources else ""),
            published=paper.published,
            authors=list(paper.authors),
            abstract=paper.abstract,
            abs_url=checked_url(paper.abs_url),  # rows stored before links were checked may hold any scheme
            pdf_url=checked_url(paper.pdf_url),
            doi_url=checked_url(paper.doi_url),
            doi=paper.doi,
            journal_ref=paper.journal_ref,
            kind=paper.kind,
            announce_type=paper.announce_type,
            arxiv_version=paper.arxiv_version,
            sources=sources,
            categories=tuple(paper.categories),
        )


def paper_json(card: PaperCard, *, theme: int | None = None) -> dict[str, Any]:
    """The one JSON shape of a paper (``academichub papers --json`` and ``/api/editions/DATE``);
    ``theme`` is the paper's theme id in its edition, when known."""
    return {
        "id": card.id,
        "title": card.title,
        "authors": card.authors,
        "abstract": card.abstract,
        "source": card.source_label,
        "sources": list(card.sources),
        "categories": list(card.categories),
        "url": card.url,
        "abs_url": card.abs_url,
        "pdf_url": card.pdf_url,
        "doi": card.doi,
        "doi_url": card.doi_url,
        "journal_ref": card.journal_ref,
        "published": card.published.isoformat() if card.published else None,
        "kind": card.kind,
        "announce_type": card.announce_type,
        "arxiv_version": card.arxiv_version,
        "theme": theme,
    }
