"""``deliver-due`` (hourly), the second half of the scheduled day (the first: ``flows/prepare.py``).

For readers whose local delivery time has come and who have no row for the current edition: queue
them in the ledger, then claim batches in the database (``SKIP LOCKED`` on PostgreSQL) and deliver
each batch as its own task (match -> the reader's opening from the LLM -> compose -> render -> send),
so a batch can be retried alone and two workers never take the same reader. The per-paper and
per-theme texts come from prepare-edition's cache.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE as NO_CACHE
from sqlalchemy.engine import Engine
from sqlmodel import select

from academichub.delivery import ledger
from academichub.clock import fixed
from academichub.db import engine_for, open_database, session_scope
from academichub.models import Edition, EditionPaper
from academichub.settings import Settings, load_settings
from flows.daily import (
    Delivery, EditionData, LlmReport, account_suppression, deliver_group, edition_kept, llm_lines,
)
from academichub.delivery.schedule import due_at
from subscribers.models import InterestProfile, Subscriber
from subscribers.service import SUPPRESSED_STATUSES, skip_reason


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
_EDITIONS_LOCK = threading.Lock()  # a worker's threads wait for the one reading it


def _edition(settings: Settings, engine: Engine, day: date, days: int = 1) -> EditionData:
    with _EDITIONS_LOCK:
        edition = edition_kept(_EDITIONS, engine, day, settings.corpus_days, days)
    if edition is None:
        raise RuntimeError(f"no papers in the edition of {day} (and the {days - 1} days before): nothing to deliver")
    return edition


@task(name="deliver-batch", cache_policy=NO_CACHE)
def deliver_batch(settings: Settings, day: date, row_ids: list[int], suppressed: dict[str, str],
                  dry_run: bool = False) -> tuple["Tally", LlmReport]:
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
    report.calls_log = []  # every call is in the task's logs; the run keeps the totals
    return Tally.of(out), report


PROBLEMS_SHOWN = 200


@dataclass(slots=True)
class Tally:
    """What happened to a batch's (or a run's) readers, in a size that does not grow with them:
    counts by state and by reason, and the first ``PROBLEMS_SHOWN`` failed or stuck deliveries."""
    states: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)  # (state, reason) -> readers
    problems: list[Delivery] = field(default_factory=list)

    @classmethod
    def of(cls, deliveries: list[Delivery]) -> "Tally":
        t = cls()
        for d in deliveries:
            t.states[d.state] += 1
            if d.state in ("skipped", "failed", "stuck"):
                t.reasons[(d.state, d.reason or "")] += 1
                if d.state != "skipped" and len(t.problems) < PROBLEMS_SHOWN:
                    t.problems.append(d)
        return t

    def merge(self, other: "Tally") -> "Tally":
        return Tally(self.states + other.states, self.reasons + other.reasons, (self.problems + other.problems)[:PROBLEMS_SHOWN])

    @property
    def sent(self) -> int:
        return self.states["sent"]


@dataclass(slots=True)
class DeliverReport:
    edition_date: date
    edition_size: int
    due: int
    skipped: int  # at queueing: paused, suppressed
    batches: int
    tally: Tally
    llm: LlmReport
    stages: dict[str, float] = field(default_factory=dict)


def deliver_markdown(r: DeliverReport, now: datetime, batch_size: int) -> str:
    lines = [f"# Deliveries due at {now.isoformat(timespec='minutes')} for the edition of {r.edition_date.isoformat()}", "",
             f"- edition: **{r.edition_size}** papers",
             f"- due now: **{r.due}**, skipped at queueing (paused, suppressed): **{r.skipped}**, batches: **{r.batches}** of up to {batch_size}",
             "- deliveries: " + (", ".join(f"{k} {v}" for k, v in sorted(r.tally.states.items())) or "none")]
    lines += llm_lines(r.llm)
    lines.append("- slowest stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(r.stages.items(), key=lambda kv: -kv[1])))
    if r.tally.reasons:
        lines += ["", "| state | reason | readers |", "|---|---|---:|"]
        lines += [f"| {state} | {reason.replace('|', '/') or '-'} | {n} |" for (state, reason), n in r.tally.reasons.most_common()]
    if r.tally.problems:
        shown = len(r.tally.problems)
        lines += ["", f"Failed or stuck (first {shown}; all of them: `academichub deliveries`):", "",
                  "| subscriber | state | reason |", "|---|---|---|"]
        lines += [f"| {d.email} | {d.state} | {(d.reason or '').replace('|', '/')} |" for d in r.tally.problems]
    return "\n".join(lines) + "\n"


def task_runner_for(settings: Settings, **cluster: object):
    """Threads in this process, or Dask (a given scheduler, or a local cluster of processes;
    ``cluster``: more arguments for that local cluster)."""
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": settings.dask_workers, "threads_per_worker": settings.dask_threads,
                                              "processes": True, "env": _prefect_api_env(), **cluster})
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=settings.batch_concurrency)


def _prefect_api_env() -> dict[str, str]:
    """The local cluster's workers report to this flow's Prefect API. Without PREFECT_API_URL the flow
    runs on a temporary server; each worker process would start its own, which outlives the worker."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()  # outside a flow the workers inherit this process's environment
    return {"PREFECT_API_URL": str(ctx.client.api_url).rstrip("/")} if ctx and ctx.client else {}


@flow(name="deliver-batches", log_prints=True)
def deliver_batches(settings: Settings, day: date, batch_size: int, worker: str, suppressed: dict[str, str]) -> tuple[Tally, LlmReport, int]:
    """Claim batches and fan them out on the flow's task runner; each batch its own task run."""
    futures = []
    in_flight = settings.dask_workers * settings.dask_threads if settings.task_runner == "dask" else settings.batch_concurrency
    tally, llm, batches = Tally(), LlmReport(model=settings.llm_model), 0

    def collect(done):
        nonlocal tally, llm
        got, report = done.result()
        tally, llm = tally.merge(got), llm.merge(report)

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
    return tally, llm, batches


@flow(name="deliver-due", log_prints=True)
def deliver_due(now: str | None = None, batch_size: int = 500, edition: str | None = None) -> DeliverReport | None:
    """Hourly: everyone whose local delivery time for the current edition has come gets it, once."""
    settings = load_settings()
    engine = open_database(settings)
    clock = fixed(now).now() if now else settings.clock.now()
    current = current_edition(engine, date.fromisoformat(edition) if edition else None)
    if current is None:
        print("No edition prepared yet: nothing to deliver.")
        return None
    day, prepared_at = current
    return deliver_day(settings, engine, day, prepared_at, clock, batch_size)


def deliver_day(settings: Settings, engine: Engine, day: date, prepared_at: datetime, now: datetime, batch_size: int) -> DeliverReport:
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
    tally, llm, batches = deliver_batches.with_options(task_runner=runner)(settings, day, batch_size, worker, suppressed)
    stages["deliver batches"] = time.perf_counter() - t0
    report = DeliverReport(edition_date=day, edition_size=len(edition.facts), due=due, skipped=skipped, batches=batches,
                           tally=tally, llm=llm, stages=stages)
    create_markdown_artifact(key="deliver-due", markdown=deliver_markdown(report, now, batch_size), description=f"Deliveries for {day}")
    failed = tally.states["failed"] + tally.states["stuck"]
    if failed:
        print(f"WARNING: {failed} deliveries failed or are stuck: see the deliver-due artifact and `academichub deliveries`.")
    return report


__all__ = ["deliver_due", "deliver_day", "current_edition"]
