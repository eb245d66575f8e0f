"""The scheduled day, split the way operators run it:

``prepare-edition`` (after arXiv's announcement): ingest -> edition -> themes -> match everyone ->
the LLM's per-paper, per-theme and per-reader texts, all cached; no email.

``deliver-due`` (hourly): for readers whose local delivery time has come and who have no row for the
current edition: queue them in the ledger, then claim batches in the database (``SKIP LOCKED`` on
PostgreSQL) and deliver each batch as its own task (match -> compose -> render -> send), so a batch
can be retried alone and two workers never take the same reader.
"""

from __future__ import annotations

import os
import socket
import time
from datetime import date, datetime, timezone

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE as NO_CACHE
from sqlalchemy.engine import Engine
from sqlmodel import select

from academichub import ledger
from academichub.db import engine_for, open_database, session_scope
from academichub.models import Edition, EditionPaper
from academichub.settings import Settings, load_settings
from flows.daily import (
    Delivery, EditionData, LlmReport, RunReport, account_suppression, deliver_group, edition_kept, run_markdown,
)
from flows.ingest import today_in
from flows.schedule import due_at
from subscribers.models import InterestProfile, Subscriber
from subscribers.service import SUPPRESSED_STATUSES, skip_reason


@flow(name="prepare-edition", log_prints=True)
def prepare_edition(from_paths: list[str] | None = None, date_: str | None = None) -> RunReport:
    """Ingest and prepare the day's edition (themes, and every text the LLM writes for it); sends nothing."""
    from flows.daily import run_day

    settings = load_settings()
    day = date.fromisoformat(date_) if date_ else today_in(settings.edition_timezone)
    engine = open_database(settings)
    return run_day(settings, engine, paths=from_paths, day=day, dry_run=True)


def current_edition(engine: Engine, until: date | None = None) -> tuple[date, datetime] | None:
    """The latest edition with papers (on or before ``until``) and when it was prepared."""
    with session_scope(engine) as session:
        query = select(Edition.date, Edition.created_at).where(Edition.date.in_(select(EditionPaper.edition_date).distinct()))
        if until is not None:
            query = query.where(Edition.date <= until)
        row = session.exec(query.order_by(Edition.date.desc()).limit(1)).first()
    if row is None:
        return None
    prepared = row[1] if row[1].tzinfo else row[1].replace(tzinfo=timezone.utc)
    return row[0], prepared


@task(name="queue-due-readers", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def queue_due(engine: Engine, day: date, prepared_at: datetime, now: datetime) -> tuple[int, int]:
    """Ledger rows for everyone due now (queued) and everyone due but not receiving (skipped, why)."""
    with session_scope(engine) as session:
        subs = session.exec(select(Subscriber).where(Subscriber.status.in_(("active", "paused", *SUPPRESSED_STATUSES)))).all()
        due, skipped = [], {}
        for sub in subs:
            if due_at(prepared_at, tz=sub.timezone, hour=sub.delivery_hour, frequency=sub.frequency, weekly_day=sub.weekly_day) > now:
                continue
            reason = skip_reason(sub, day)
            if reason:
                skipped[sub.id] = reason
            else:
                due.append(sub.id)
        ledger.release_stale(session, day)
        ledger.prepare(session, day, due)
        ledger.record_skipped(session, day, skipped)
    return len(due), len(skipped)


@task(name="claim-batch", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def claim(engine: Engine, day: date, size: int, worker: str) -> list[int]:
    with session_scope(engine) as session:
        return ledger.claim_batch(session, day, size, worker)


_EDITIONS: dict = {}  # per worker process: each edition (and week) read once, shared by its batches


def _edition(settings: Settings, engine: Engine, day: date, days: int = 1) -> EditionData:
    edition = edition_kept(_EDITIONS, engine, day, settings.corpus_days, days)
    if edition is None:
        raise RuntimeError(f"no papers in the edition of {day} (and the {days - 1} days before): nothing to deliver")
    return edition


@task(name="deliver-batch", cache_policy=NO_CACHE)
def deliver_batch(settings: Settings, day: date, row_ids: list[int], suppressed: dict[str, str],
                  dry_run: bool = False) -> tuple[list[Delivery], LlmReport]:
    """One claimed batch: match -> write (cached) -> compose, render, send. Takes only plain values
    (it may run in another process: a Dask worker); retrying it is safe, the ledger sends each row once."""
    from academichub.models import Delivery as Row

    engine = engine_for(settings)
    daily = _edition(settings, engine, day)
    with session_scope(engine) as session:
        rows = session.exec(select(Row, Subscriber, InterestProfile).join(Subscriber, Subscriber.id == Row.subscriber_id)
                            .join(InterestProfile, InterestProfile.subscriber_id == Subscriber.id, isouter=True)
                            .where(Row.id.in_(row_ids))).all()
    readers = [(sub, profile or InterestProfile(subscriber_id=sub.id)) for _row, sub, profile in rows]
    weekly = [r for r in readers if r[0].frequency == "weekly"]
    out, report = deliver_group(settings, engine, daily, [r for r in readers if r[0].frequency != "weekly"], dry_run, suppressed,
                                as_tasks=False)
    if weekly:
        week = _edition(settings, engine, day, days=7)
        more, weekly_report = deliver_group(settings, engine, week, weekly, dry_run, suppressed, as_tasks=False)
        out += more
        report = report.merge(weekly_report)
    return out, report


def task_runner_for(settings: Settings):
    """Threads in this process, or Dask (a given scheduler, or a local cluster of processes)."""
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": settings.dask_workers, "threads_per_worker": 1, "processes": True})
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=settings.batch_concurrency)


@flow(name="deliver-batches", log_prints=True)
def deliver_batches(settings: Settings, day: date, batch_size: int, worker: str, suppressed: dict[str, str]) -> tuple[list[Delivery], LlmReport, int]:
    """Claim batches and fan them out on the flow's task runner; each batch its own task run."""
    futures = []
    in_flight = settings.dask_workers if settings.task_runner == "dask" else settings.batch_concurrency
    deliveries: list[Delivery] = []
    llm = LlmReport(model=settings.llm_model)
    batches = 0

    def collect(done):
        nonlocal llm
        got, report = done.result()
        deliveries.extend(got)
        llm = llm.merge(report)

    engine = engine_for(settings)
    while True:
        ids = claim(engine, day, batch_size, worker)
        if not ids:
            break
        batches += 1
        futures.append(deliver_batch.submit(settings, day, ids, suppressed))
        while len(futures) >= in_flight:  # claim more only as batches finish: other workers get their share
            collect(futures.pop(0))
    for f in futures:
        collect(f)
    return deliveries, llm, batches


@flow(name="deliver-due", log_prints=True)
def deliver_due(now: str | None = None, batch_size: int = 500, edition: str | None = None) -> RunReport | None:
    """Hourly: everyone whose local delivery time for the current edition has come gets it, once."""
    settings = load_settings()
    engine = open_database(settings)
    clock = datetime.fromisoformat(now) if now else datetime.now(timezone.utc)
    clock = clock if clock.tzinfo else clock.replace(tzinfo=timezone.utc)
    current = current_edition(engine, date.fromisoformat(edition) if edition else None)
    if current is None:
        print("No edition prepared yet: nothing to deliver.")
        return None
    day, prepared_at = current
    return deliver_day(settings, engine, day, prepared_at, clock, batch_size)


def deliver_day(settings: Settings, engine: Engine, day: date, prepared_at: datetime, now: datetime, batch_size: int) -> RunReport:
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    due, skipped = queue_due(engine, day, prepared_at, now)
    stages["queue due readers"] = time.perf_counter() - t0
    worker = f"{socket.gethostname()}:{os.getpid()}"
    suppressed = account_suppression(settings) if settings.mail_backend == "ses" else {}
    t0 = time.perf_counter()
    edition = _edition(settings, engine, day)  # the thread runner's batches reuse it
    stages["load edition"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    runner = task_runner_for(settings)
    deliveries, llm, batches = deliver_batches.with_options(task_runner=runner)(settings, day, batch_size, worker, suppressed)
    stages["deliver batches"] = time.perf_counter() - t0
    report = RunReport(edition_date=day, ingest=None, edition_size=len(edition.facts), deliveries=deliveries, llm=llm,
                       outbox=None)
    md = run_markdown(report).replace(f"# Daily run {day.isoformat()}", f"# Deliveries due at {now.isoformat(timespec='minutes')} "
                                                                          f"for the edition of {day.isoformat()}", 1)
    md += (f"\n- due now: **{due}**, skipped (paused, suppressed): **{skipped}**, batches: **{batches}** of up to {batch_size}\n"
           "- slowest stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(stages.items(), key=lambda kv: -kv[1])) + "\n")
    create_markdown_artifact(key="deliver-due", markdown=md, description=f"Deliveries for {day}")
    failed = [d for d in deliveries if d.state in ("failed", "stuck")]
    if failed:
        print(f"WARNING: {len(failed)} deliveries failed or are stuck: see the deliver-due artifact and `academichub deliveries`.")
    return report


__all__ = ["prepare_edition", "deliver_due", "deliver_day", "current_edition"]
