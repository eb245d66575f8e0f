"""``daily-run``: the whole day in one run, ignoring delivery hours (what ``academichub run`` does).

1. Ingest the day's sources; a day that cannot be trusted stops here (the run fails, nobody is emailed).
2. Find the day's audience and the provider's account suppression list.
3. Read the edition (and, for weekly readers, the week's).
4. For each group: match -> write (LLM, cached) -> compose, render and send through the ledger.
5. Record who is due but receives nothing, and publish the run's report as artifacts.

The tasks below take the edition, every reader's matches and texts:
callers pass those in Prefect's ``quote()``, or Prefect walks every element looking for futures
(57 s for 100,000 readers' matches).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TypeVar, cast

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE as NO_CACHE
from prefect.utilities.annotations import quote
from sqlalchemy.engine import Engine

from academichub.briefing.compose import Pieces
from academichub.briefing.pieces import LlmReport, write_pieces
from academichub.db import session_scope
from academichub.delivery import ledger
from academichub.delivery.engine import Delivery, Outcome, Steps, account_suppression, deliver_group, deliver_readers
from academichub.delivery.report import RunReport, run_markdown
from academichub.editions.edition import EditionData, read_edition
from academichub.llm import Deadline, run_deadline
from academichub.mail.backends import Mailer
from academichub.matching.match import Match, ProfileSpec
from academichub.matching.profiles import Readers, match_profiles
from academichub.papers.health import EditionHeld
from academichub.papers.ingest import ensure_not_held, ensure_trusted
from academichub.papers.report import IngestReport
from academichub.services import Services
from academichub.settings import Settings, load_settings
from flows.ingest import held, run_ingest
from subscribers.service import audience

T = TypeVar("T")


def quoted(value: T) -> T:
    """``quote(value)``, typed as the value itself: Prefect unwraps it before the task runs, but a
    task's typed ``__call__`` (its function's parameters) does not know that."""
    return cast(T, quote(value))


@task(name="load-edition", cache_policy=NO_CACHE)
def load_edition(engine: Engine, day: date, corpus_days: int = 30, days: int = 1) -> EditionData:
    return read_edition(engine, day, corpus_days, days)


@task(name="match-subscribers", cache_policy=NO_CACHE)
def match_readers(
    engine: Engine, edition: EditionData, profiles: list[ProfileSpec], representation: str, min_score: float
) -> dict[str, list[Match]]:
    return match_profiles(engine, edition, profiles, representation, min_score)


@task(name="write-briefings", cache_policy=NO_CACHE)
def write_briefings(
    settings: Settings,
    engine: Engine,
    edition: EditionData,
    matches: dict[str, list[Match]],
    readers: Readers,
    deadline: Deadline | None = None,
) -> tuple[dict[str, Pieces], LlmReport]:
    return write_pieces(settings, engine, edition, matches, readers, deadline)


@task(name="compose-render-deliver", cache_policy=NO_CACHE)
def deliver_all(
    settings: Settings,
    engine: Engine,
    edition: EditionData,
    matches: dict[str, list[Match]],
    dry_run: bool,
    pieces: dict[str, Pieces],
    readers: Readers,
    suppressed: dict[str, str],
    mailer: Mailer | None,
    radars: dict[int, list[str]] | None = None,
) -> list[Delivery]:
    return deliver_readers(settings, engine, edition, matches, dry_run, pieces, readers, suppressed, mailer, radars)


# The library's delivery sequence (``engine.deliver_group``) with each step a task run. The
# arguments go in ``quote()`` (see the module's docstring).
TASK_STEPS = Steps(
    match=lambda engine, edition, profiles, *rest: match_readers(engine, quoted(edition), quoted(profiles), *rest),
    write=lambda settings, engine, edition, matches, readers, deadline=None: write_briefings(
        settings, engine, quoted(edition), quoted(matches), quoted(readers), deadline=quoted(deadline)
    ),
    deliver=lambda settings, engine, edition, matches, dry_run, pieces, readers, suppressed, mailer, radars=None: (
        deliver_all(
            settings,
            engine,
            quoted(edition),
            quoted(matches),
            dry_run,
            quoted(pieces),
            quoted(readers),
            suppressed,
            mailer,
            quoted(radars),
        )
    ),
)


def run_day(
    services: Services, *, paths: list[str] | None, day: date, dry_run: bool, skip_ingest: bool = False
) -> RunReport:
    settings, engine = services.settings, services.engine
    ingest = None if skip_ingest else run_ingest(settings, engine, paths=paths, day=day)
    trusted(engine, day, ingest)
    with session_scope(engine) as session:
        readers = audience(session, day)
    suppressed: dict[str, str] = {}
    mailer = None if dry_run else services.mailer
    if mailer is not None and (readers.daily or readers.weekly):
        suppressed, warning = account_suppression(mailer)
        if warning:
            print(f"WARNING: {warning}")
    edition = load_edition(engine, day, settings.corpus_days)
    deadline = run_deadline(settings)  # one for the run's LLM work: daily readers and weekly digests
    deliveries, llm_report = deliver_group(
        settings, engine, edition, readers.daily, dry_run, suppressed, mailer, deadline=deadline, steps=TASK_STEPS
    )
    if readers.weekly:
        week = load_edition(engine, day, settings.corpus_days, days=7)
        weekly, weekly_llm = deliver_group(
            settings, engine, week, readers.weekly, dry_run, suppressed, mailer, deadline=deadline, steps=TASK_STEPS
        )
        deliveries += weekly
        llm_report = llm_report.merge(weekly_llm)
    if readers.skipped:
        if not dry_run:
            with session_scope(engine) as session:
                ledger.record_skipped(session, day, {sub.key: why for sub, why in readers.skipped})
        deliveries += [
            Delivery(sub.email, sub.language, 0, None, "", Outcome.SKIPPED, why) for sub, why in readers.skipped
        ]
    report = RunReport(
        edition_date=day,
        ingest=ingest,
        edition_size=len(edition.facts),
        deliveries=deliveries,
        dry_run=dry_run,
        outbox=None if dry_run else str(Path(settings.outbox_dir) / day.isoformat()),
        llm=llm_report,
        themes=edition.themes,
    )
    publish(report)
    return report


def trusted(engine: Engine, day: date, ingest: IngestReport | None) -> None:
    """Stop the run (``EditionHeld``: the flow run ends Failed) before anyone is matched or emailed
    when the day's edition cannot be trusted; nothing is written to the ledger."""
    if ingest is None:
        ensure_not_held(engine, day)
    else:
        ensure_trusted(ingest)


def publish(report: RunReport) -> None:
    """The run's report, the LLM's calls and the briefings as artifacts in the Prefect UI."""
    day = report.edition_date
    create_markdown_artifact(key="daily-run", markdown=run_markdown(report), description=f"Daily run {day}")
    if report.llm and report.llm.calls_log:
        create_table_artifact(
            key="llm-calls",
            description="Every LLM call of this run: level, prompt and completion tokens",
            table=[
                {"call": i, "level": k, "prompt_tokens": p, "completion_tokens": c}
                for i, (k, p, c) in enumerate(report.llm.calls_log, 1)
            ],
        )
    if report.deliveries:
        create_table_artifact(
            key="briefings",
            table=[{"subscriber": d.who, "language": d.language, "papers": d.papers} for d in report.deliveries],
        )


@flow(name="daily-run", log_prints=True)
def daily_flow(
    from_paths: list[str] | None = None, date_: str | None = None, dry_run: bool = False, skip_ingest: bool = False
) -> RunReport:
    """The whole day on whatever settings the environment gives (embedded defaults with none)."""
    services = Services.open(load_settings())
    day = date.fromisoformat(date_) if date_ else services.clock.today(services.settings.edition_timezone)
    try:
        return run_day(services, paths=from_paths, day=day, dry_run=dry_run, skip_ingest=skip_ingest)
    except EditionHeld as exc:
        return held(exc)
    finally:
        services.close()


__all__ = ["daily_flow", "run_day", "RunReport"]
