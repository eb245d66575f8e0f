"""Why an answer is empty: a day with no papers (`papers --date`), a profile nothing matched (`match`).

Each function returns the sentences to print; the commands decide where (stderr) and the exit status."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session

    from academichub.matching.match import Matcher, ProfileSpec

_SHOWN = 5  # categories or sources named in one sentence


def _listed(items: list[str] | set[str]) -> str:
    items = sorted(items)
    more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return ", ".join(items[:_SHOWN]) + more


def why_no_papers(session: Session, day: date) -> str:
    """Why the edition of ``day`` lists no papers: held, ingested without new papers, or never ingested."""
    from sqlmodel import col, select

    from academichub.models import Edition, FetchLog
    from academichub.papers import store

    held = session.exec(select(Edition.held).where(Edition.date == day)).first()
    logs = list(session.exec(select(FetchLog).where(FetchLog.edition_date == day).order_by(col(FetchLog.id))))
    if logs:
        last_run = logs[-1].run_id
        logs = [log for log in logs if log.run_id == last_run]
    latest = store.latest_edition_date(session)
    elsewhere = f" The latest edition with papers is {latest} (`academichub papers --date {latest}`)." if latest else ""
    if not logs and held is None:
        return (
            f"Nothing was ingested for {day}: run `academichub ingest --date {day}` "
            f"(or `academichub ingest --from FOLDER --date {day}`).{elsewhere}"
        )
    health = Counter(log.health for log in logs)
    counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(health.items()))
    ran = f"{len(logs)} source(s) read: {counts}" if logs else "no source was read"
    failed = [f"{log.source_key} ({log.error or log.health})" for log in logs if log.health in ("failed", "suspect")]
    broken = f" Failed or suspect: {'; '.join(failed[:_SHOWN])}." if failed else ""
    if held:
        return f"The edition of {day} is held ({held}) and lists no papers; {ran}.{broken}{elsewhere}"
    return f"The edition of {day} has no new papers: {ran}; none of them brought a paper not seen before.{broken}"


def why_nothing_matched(
    matcher: Matcher, specs: list[ProfileSpec], min_score: float, day_papers: int, lang: str = "en"
) -> list[str]:
    """Why no paper of the day matched: no research articles, the category filter, the exclusions,
    the similarity floor, the language of the interests; in ``lang`` (zh or en)."""
    from academichub.i18n.cli import MATCH
    from subscribers.expand import interests_are_english

    w = MATCH[lang]

    def listed(items) -> str:
        items = sorted(items)
        more = w["more"].format(count=len(items) - _SHOWN) if len(items) > _SHOWN else ""
        return "，".join(items[:_SHOWN]) + more if lang == "zh" else ", ".join(items[:_SHOWN]) + more

    if not matcher.papers:
        return [w["no_articles"].format(count=day_papers)]
    out: list[str] = []
    facets = set(matcher.facet_index)
    for spec in specs:
        name = w["radar"].format(name=spec.radar) if len(specs) > 1 and spec.radar else ""
        if spec.categories and not facets & set(spec.categories):
            out.append(
                w["no_category"].format(
                    name=name,
                    values=listed(spec.categories),
                    count=len(matcher.papers),
                    facets=("，" if lang == "zh" else ", ").join(sorted(facets)),
                )
            )
            continue
        found = False
        for what, values, loose in (
            ("by_categories", spec.categories, replace(spec, categories=[])),
            ("by_exclusions", spec.exclude, replace(spec, exclude=[])),
        ):
            if values and matcher.match([loose], min_score=min_score, explain=False)[loose.key]:
                out.append(w[what].format(name=name, values=listed(values)))
                found = True
        both = replace(spec, categories=[], exclude=[])
        if not found and spec.categories and spec.exclude and matcher.match([both], min_score=min_score)[both.key]:
            out.append(w["by_both"].format(name=name))
            found = True
        if found:
            continue
        floor = w["floor"].format(name=name, floor=min_score)
        if not interests_are_english(spec.text) and not spec.library:
            floor += w["language"]
        out.append(floor)
    return out
