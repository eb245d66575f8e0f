"""``prepare-edition``: after arXiv's announcement, everything about the day that is the same for all
readers, so that the hourly ``deliver-due`` only does each reader's own part.

1. Ingest the day's sources; a day that cannot be trusted (every source failed, or most of the day)
   is held: the run fails here and deliver-due sends none of it until a later run of the day succeeds.
2. Read the edition and its themes (stored with it).
3. Match everyone (to know which papers anyone will receive), daily readers on the day's edition and
   weekly ones on the week's, and keep each reader's matches (``day_match``) a slice of readers at a
   time: deliver-due reads them instead of matching again, for every reader whose radars, feedback
   and library are unchanged.
4. Have the LLM write the per-paper summaries of the papers someone receives and the per-theme
   syntheses (cached).
5. Publish what was prepared as an artifact.

No per-reader text and no email: a reader's opening is written at delivery time, from the matches of
that hour (their preferences may change overnight), in ``deliver-due``'s batches.
"""

from __future__ import annotations

import time
from datetime import date

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE as NO_CACHE
from prefect.utilities.annotations import quote

from academichub.briefing import pieces
from academichub.briefing.pieces import LlmReport
from academichub.db import session_scope
from academichub.delivery.report import RunReport, run_markdown
from academichub.llm import run_deadline
from academichub.matching import kept
from academichub.matching.kept import forget_matches
from academichub.papers.health import EditionHeld
from academichub.services import Services
from academichub.settings import load_settings
from flows.daily import load_edition, trusted
from flows.ingest import held, run_ingest
from subscribers.service import audience

match_and_keep = task(name="match-and-keep", cache_policy=NO_CACHE)(kept.match_and_keep)
write_shared = task(name="write-papers-and-themes", cache_policy=NO_CACHE)(pieces.write_shared)


def prepare_day(services: Services, *, paths: list[str] | None, day: date, skip_ingest: bool = False) -> RunReport:
    settings, engine = services.settings, services.engine
    stages: dict[str, float] = {}

    def timed(name: str, fn, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            stages[name] = stages.get(name, 0.0) + time.perf_counter() - t0

    ingest = None if skip_ingest else timed("ingest", run_ingest, settings, engine, paths=paths, day=day)
    trusted(engine, day, ingest)  # a held day: the run fails here, and deliver-due sends none of it
    edition = timed("edition and themes", load_edition, engine, day, settings.corpus_days)
    with session_scope(engine) as session:
        readers = audience(session, day)
    llm = LlmReport(model=settings.llm_model)
    deadline = run_deadline(settings)  # one for the run's LLM work, both groups
    receiving = 0
    forget_matches(engine, day)  # an earlier preparation's rows of the day, and old days'
    for group, days in ((readers.daily, 1), (readers.weekly, 7)):
        if not group:
            continue
        data = (
            edition
            if days == 1
            else timed("edition and themes", load_edition, engine, day, settings.corpus_days, days=days)
        )
        found = timed(
            "match and keep everyone",
            match_and_keep,
            engine,
            quote(data),
            quote(group),
            settings.representation,
            settings.min_score,
        )
        receiving += found.receiving
        written = timed(
            "LLM: papers and themes",
            write_shared,
            settings,
            engine,
            quote(data),
            quote(found.received),
            len(group),
            deadline=quote(deadline),
        )
        llm = llm.merge(written)
    report = RunReport(
        edition_date=day,
        ingest=ingest,
        edition_size=len(edition.facts),
        llm=llm,
        themes=edition.themes,
        dry_run=True,
        stages=stages,
    )
    md = run_markdown(report, title=f"Edition of {day.isoformat()} prepared", deliveries=False)
    md += (
        f"- readers matched: **{len(readers.daily) + len(readers.weekly)}** ({len(readers.weekly)} weekly), "
        f"with at least one paper: **{receiving}**; their openings are written when deliver-due sends\n"
        "- slowest stages: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(stages.items(), key=lambda kv: -kv[1]))
        + "\n"
    )
    create_markdown_artifact(key="prepare-edition", markdown=md, description=f"Edition of {day} prepared")
    print(
        f"Edition of {day}: {len(edition.facts)} papers, {len(edition.themes)} themes; "
        f"{receiving} readers will receive papers; LLM {llm.calls} calls."
    )
    return report


@flow(name="prepare-edition", log_prints=True)
def prepare_edition(
    from_paths: list[str] | None = None, date_: str | None = None, skip_ingest: bool = False
) -> RunReport:
    """Ingest and prepare the day's edition (themes, per-paper summaries, theme syntheses); sends nothing."""
    services = Services.open(load_settings())
    day = date.fromisoformat(date_) if date_ else services.clock.today(services.settings.edition_timezone)
    try:
        return prepare_day(services, paths=from_paths, day=day, skip_ingest=skip_ingest)
    except EditionHeld as exc:
        return held(exc)


__all__ = ["prepare_edition", "prepare_day"]
