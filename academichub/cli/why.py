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


def why_nothing_matched(matcher: Matcher, specs: list[ProfileSpec], min_score: float, day_papers: int) -> list[str]:
    """Why no paper of the day matched: no research articles, the category filter, the exclusions,
    the similarity floor, the language of the interests."""
    from subscribers.expand import interests_are_english

    if not matcher.papers:
        return [
            f"none of the day's {day_papers} paper(s) is a research article (news, corrections, "
            "editorials and retractions are never matched)."
        ]
    out: list[str] = []
    facets = set(matcher.facet_index)
    for spec in specs:
        name = f"radar {spec.radar!r}: " if len(specs) > 1 and spec.radar else ""
        if spec.categories and not facets & set(spec.categories):
            out.append(
                f"{name}the category filter ({_listed(spec.categories)}) leaves no paper: none of the day's "
                f"{len(matcher.papers)} research papers is in them (the day's papers are in "
                f"{', '.join(sorted(facets))}; --categories takes any of these)."
            )
            continue
        found = False
        for what, values, loose in (
            ("the category filter", spec.categories, replace(spec, categories=[])),
            ("your exclusions", spec.exclude, replace(spec, exclude=[])),
        ):
            if values and matcher.match([loose], min_score=min_score, explain=False)[loose.key]:
                out.append(f"{name}{what} ({_listed(values)}) removed every paper that matched.")
                found = True
        both = replace(spec, categories=[], exclude=[])
        if not found and spec.categories and spec.exclude and matcher.match([both], min_score=min_score)[both.key]:
            out.append(f"{name}the category filter and your exclusions together removed every paper that matched.")
            found = True
        if found:
            continue
        floor = (
            f"{name}no paper of the day shares a term with the interests: a paper is matched when its similarity "
            f"reaches ACADEMICHUB_MIN_SCORE ({min_score}), a keyword or a followed author names it, or, to fill "
            "--top, when it shares at least one term."
        )
        if not interests_are_english(spec.text) and not spec.library:
            floor += (
                " Interests not in English are translated offline only for Chinese research terms in the "
                "glossary: add English keywords (--keywords) for the rest."
            )
        out.append(floor)
    return out
