"""What the edition page shows for its filters, pure: the query's filters (``?source=``,
``?category=``, ``?theme=``, ``?page=``) and the rows, options and counts they give."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from fastapi import Request

from academichub.editions.edition import EditionData
from academichub.editions.theme import Theme
from academichub.papers.labels import source_matches

PER_PAGE = 50


@dataclass(frozen=True)
class Filters:
    source: str = ""
    category: str = ""
    theme: int | None = None
    page: int = 1


_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only ("²".isdigit() is true, int("²") fails), and few


def filters_from(request: Request) -> Filters:
    q = request.query_params
    theme = q.get("theme", "")
    page = q.get("page", "1")
    return Filters(
        source=q.get("source", "")[:100],
        category=q.get("category", "")[:50],
        theme=int(theme) if _NUMBER.fullmatch(theme) else None,
        page=int(page) if _NUMBER.fullmatch(page) and int(page) > 0 else 1,
    )


def edition_view(
    edition: EditionData, f: Filters, per_page: int = PER_PAGE, choosable: frozenset[str] | None = None
) -> dict:
    """Pure: what the edition page shows for these filters (numbers are positions in the whole edition).
    Sources are filtered by the label a reader sees (any case, ``papers.labels``); categories by what a
    reader may choose (``choosable``: the catalogue keys of ``academichub sources`` and the preference
    page, such as ``cs.LG`` or ``medrxiv``), and the options list those that the day's papers have."""
    theme_of = {fact.id: fact.theme for fact in edition.facts}
    facts = {fact.id: fact for fact in edition.facts}
    themes: dict[int | None, Theme] = {t.id: t for t in edition.themes}  # .get(None): no theme
    wanted_category = f.category.casefold()
    rows = []
    for number, (pid, card) in enumerate(edition.cards.items(), 1):
        fact = facts.get(pid)
        categories = list(fact.categories) if fact else []
        if f.source and not source_matches(f.source, card.source_label):
            continue
        if wanted_category and wanted_category not in {x.casefold() for x in (fact.facets if fact else ())}:
            continue
        if f.theme is not None and theme_of.get(pid) != f.theme:
            continue
        rows.append({"number": number, "card": card, "categories": categories, "theme": themes.get(theme_of.get(pid))})
    pages = max(1, math.ceil(len(rows) / per_page))
    page = min(f.page, pages)
    sources = sorted({c.source_label for c in edition.cards.values() if c.source_label})
    facets = {x for fact in edition.facts for x in fact.facets}
    categories = sorted(
        facets & choosable if choosable is not None else {c for x in edition.facts for c in x.categories}
    )
    return {
        "rows": rows[(page - 1) * per_page : page * per_page],
        "total": len(edition.cards),
        "matching": len(rows),
        "page": page,
        "pages": pages,
        "sources": sources,
        "categories": categories,
        "source": next((x for x in sources if f.source and source_matches(f.source, x)), f.source),
        "category": next((x for x in categories if x.casefold() == wanted_category), f.category),
        "themes": sorted(edition.themes, key=lambda t: (not t.cross_domain, -len(t.paper_ids))),
        "theme": themes.get(f.theme) if f.theme is not None else None,
        "themes_ready": edition.themes_ready,
    }
