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


Radars = dict[int, list[InterestProfile]]  # subscriber id -> their radars, first one first


def _readers(rows) -> tuple[Readers, Radars]:
    """(subscriber, radar or None) rows, a reader's rows together and their radars in order -> each
    reader once, with their first radar (load_profiles and the email's sections take all of them)."""
    out: Readers = []
    radars: Radars = {}
    for sub, profile in rows:
        if profile is None:
            out.append((sub, InterestProfile(subscriber_id=sub.key)))
        elif sub.key not in radars:
            radars[sub.key] = [profile]
            out.append((sub, profile))
        else:
            radars[sub.key].append(profile)
    return out, radars


def readers_of(engine: Engine, row_ids: list[int]) -> tuple[Readers, Radars]:
    """The subscribers of these ledger rows, with their first radar, and all their radars (read once
    for the batch: matching and the email's sections take them from here)."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(Subscriber, InterestProfile)
            .join(LedgerRow, col(Subscriber.id) == LedgerRow.subscriber_id)
            .join(InterestProfile, col(InterestProfile.subscriber_id) == Subscriber.id, isouter=True)
            .where(col(LedgerRow.id).in_(row_ids))
            .order_by(col(LedgerRow.id), col(InterestProfile.id))
        ).all()
    return _readers(rows)


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
    readers, radars = readers_of(engine, row_ids)
    return _deliver(settings, engine, editions, day, readers, radars, suppressed, dry_run, mailer)


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
                .order_by(col(Subscriber.id), col(InterestProfile.id))
            ).all()
            if ids
            else []
        )
    readers, radars = _readers(rows)  # each reader once, however many radars they have
    if not readers:
        return Tally(), LlmReport(model=settings.llm_model)
    return _deliver(settings, engine, editions, day, readers, radars, suppressed, False, mailer)


def _deliver(
    settings: Settings,
    engine: Engine,
    editions: EditionCache,
    day: date,
    readers: Readers,
    radars: Radars,
    suppressed: dict[str, str],
    dry_run: bool,
    mailer: Mailer | None,
) -> tuple[Tally, LlmReport]:
    weekly = [r for r in readers if r[0].frequency == "weekly"]
    daily = [r for r in readers if r[0].frequency != "weekly"]
    deadline = run_deadline(settings)  # a batch runs on its own worker: its LLM work has its own deadline
    matched: Counter = Counter()
    out: list = []
    report = LlmReport(model=settings.llm_model)
    for group, days in ((daily, 1), (weekly, 7)):
        if not group and days == 7:
            continue  # no weekly reader: the week's edition is not read
        delivered, said = deliver_group(
            settings,
            engine,
            kept_edition(editions, settings, engine, day, days=days),
            group,
            dry_run,
            suppressed,
            mailer=mailer,
            deadline=deadline,
            matched=matched,
            radars=radars,
        )
        out += delivered
        report = report.merge(said)
    report.calls_log = []  # every call is in the run's logs; the run keeps the totals
    tally = Tally.of(out)
    tally.matched.update(matched)
    return tally, report
