"""The views of a stored paper that the later stages use: ``PaperFacts`` (what matching and themes
read), ``PaperCard`` (what an email or a page shows) and ``paper_json`` (the one JSON shape of a
paper, shared by the CLI and the web API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from academichub.papers.sources import paper_facets


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

    @classmethod
    def of(cls, paper: Any, label: str | None = None) -> PaperCard:
        """The card of a stored paper, under the label its edition lists it with (else its first)."""
        return cls(
            paper.id,
            paper.title,
            label or (paper.source_labels[0] if paper.source_labels else ""),
            paper.published,
            list(paper.authors),
            paper.abstract,
            paper.abs_url,
            paper.pdf_url,
            paper.doi_url,
        )
