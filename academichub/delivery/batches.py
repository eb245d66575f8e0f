"""One claimed batch of deliver-due: its readers (daily, and weekly ones with the week's digest)
through match -> write -> compose, render and send, summed up in a ``Tally`` whose size does not grow
with the batch."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from academichub.briefing.pieces import LlmReport
from academichub.db import session_scope
from academichub.delivery import channel_ledger
from academichub.delivery.engine import deliver_group
from academichub.delivery.report import Tally
from academichub.editions.edition import EditionCache, EditionData
from academichub.llm import run_deadline
from academichub.mail.backends import Mailer
from academichub.matching.profiles import Readers
from academichub.models import Delivery as LedgerRow
from academichub.settings import Settings
from subscribers.models import InterestProfile, Subscriber


class NoEdition(RuntimeError):
    """The edition to deliver has no papers."""


def kept_edition(editions: EditionCache, settings: Settings, engine: Engine, day: date, days: int = 1) -> EditionData:
    edition = editions.get(engine, day, settings.corpus_days, days)
    if edition is None:
        raise NoEdition(f"no papers in the edition of {day} (and the {days - 1} days before): nothing to deliver")
    return edition


def readers_of(engine: Engine, row_ids: list[int]) -> Readers:
    """The subscribers (with their first radar; load_profiles reads the others) of these ledger rows."""
    seen: list[int | None] = []
    with session_scope(engine) as session:
        rows = session.exec(
            select(LedgerRow, Subscriber, InterestProfile)
            .join(Subscriber, col(Subscriber.id) == LedgerRow.subscriber_id)
            .join(InterestProfile, col(InterestProfile.subscriber_id) == Subscriber.id, isouter=True)
            .where(col(LedgerRow.id).in_(row_ids))
            .order_by(col(LedgerRow.id), col(InterestProfile.id))
        ).all()
    out: Readers = []
    for row, sub, profile in rows:  # a reader with several radars has a row per radar: the first is theirs
        if not out or seen[-1] != row.id:
            seen.append(row.id)
            out.append((sub, profile or InterestProfile(subscriber_id=sub.key)))
    return out


def deliver_claimed(
    settings: Settings,
    engine: Engine,
    editions: EditionCache,
    day: date,
    row_ids: list[int],
    suppressed: dict[str, str],
    dry_run: bool = False,
    mailer: Mailer | None = None,
) -> tuple[Tally, LlmReport]:
    """Deliver one claimed batch; safe to retry (the ledger sends each row once)."""
    return _deliver(settings, engine, editions, day, readers_of(engine, row_ids), suppressed, dry_run, mailer)


def deliver_channel_retries(
    settings: Settings,
    engine: Engine,
    editions: EditionCache,
    day: date,
    suppressed: dict[str, str],
    started: datetime,
    mailer: Mailer | None = None,
) -> tuple[Tally, LlmReport]:
    """The day's channels still waiting for readers whose email is settled (a transient failure last
    hour): composed again and sent to those channels only (the email ledger says the email is done)."""
    with session_scope(engine) as session:
        ids = channel_ledger.retry_readers(session, day, started)
        rows = (
            session.exec(
                select(Subscriber, InterestProfile)
                .join(InterestProfile, col(InterestProfile.subscriber_id) == Subscriber.id, isouter=True)
                .where(col(Subscriber.id).in_(ids), Subscriber.status == "active")
            ).all()
            if ids
            else []
        )
    readers = [(sub, profile or InterestProfile(subscriber_id=sub.key)) for sub, profile in rows]
    if not readers:
        return Tally(), LlmReport(model=settings.llm_model)
    return _deliver(settings, engine, editions, day, readers, suppressed, False, mailer)


def _deliver(
    settings: Settings,
    engine: Engine,
    editions: EditionCache,
    day: date,
    readers: Readers,
    suppressed: dict[str, str],
    dry_run: bool,
    mailer: Mailer | None,
) -> tuple[Tally, LlmReport]:
    weekly = [r for r in readers if r[0].frequency == "weekly"]
    daily = [r for r in readers if r[0].frequency != "weekly"]
    deadline = run_deadline(settings)  # a batch runs on its own worker: its LLM work has its own deadline
    matched: Counter = Counter()
    out, report = deliver_group(
        settings,
        engine,
        kept_edition(editions, settings, engine, day),
        daily,
        dry_run,
        suppressed,
        mailer=mailer,
        deadline=deadline,
        matched=matched,
    )
    if weekly:
        week = kept_edition(editions, settings, engine, day, days=7)
        more, weekly_report = deliver_group(
            settings, engine, week, weekly, dry_run, suppressed, mailer=mailer, deadline=deadline, matched=matched
        )
        out += more
        report = report.merge(weekly_report)
    report.calls_log = []  # every call is in the run's logs; the run keeps the totals
    tally = Tally.of(out)
    tally.matched.update(matched)
    return tally, report
