"""A theme of an edition: what is stored with the edition and shown in the email, on the web page and
by ``academichub themes``. Finding themes (the ML stack) is ``academichub.editions.themes``; reading
stored ones needs none of it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Theme:
    id: int
    label: list[str]  # key phrases
    paper_ids: list[str]
    categories: list[str]  # most common first
    fields: list[str]
    cross_domain: bool = False
    sources: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The one JSON shape of a theme: stored with its edition, `themes --json`, the web API."""
        return {
            "id": self.id,
            "label": self.label,
            "papers": self.paper_ids,
            "categories": self.categories,
            "fields": self.fields,
            "cross_domain": self.cross_domain,
            "sources": self.sources,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Theme:
        return cls(
            id=data["id"],
            label=data["label"],
            paper_ids=data["papers"],
            categories=data["categories"],
            fields=data["fields"],
            cross_domain=data["cross_domain"],
            sources=data.get("sources", []),  # editions stored before sources were kept
        )


def theme_of(themes: list[Theme]) -> dict[str, int]:
    return {pid: t.id for t in themes for pid in t.paper_ids}
