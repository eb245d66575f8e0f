"""``deliver-due`` (hourly), the second half of the scheduled day (the first: ``flows/prepare.py``).

1. Find the current edition (the latest that is not held: a held day is never sent) and queue
   everyone whose local delivery time for it has come.
2. Read the provider's account suppression list (SES).
3. Claim batches in the database (``SKIP LOCKED`` on PostgreSQL) and deliver each as its own task
   (match -> the reader's opening from the LLM -> compose -> render -> send) on the task runner
   (threads, or a Dask cluster), so a batch can be retried alone and two workers never take the same
   reader. The per-paper and per-theme texts come from prepare-edition's cache.
4. Retry the chat/webhook channels still waiting for readers whose email is settled (a transient
   failure in an earlier run): composed again, sent to those channels only.
5. Publish the tally as an artifact.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from datetime import date, datetime

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE as NO_CACHE
from sqlalchemy.engine import Engine

from academichub.briefing.pieces import LlmReport
from academichub.clock import fixed
from academichub.db import session_scope
from academichub.delivery import batches, due, ledger
from academichub.delivery.engine import account_suppression
from academichub.delivery.report import DeliverReport, Tally, deliver_markdown
from academichub.mail.backends import mailer_key
from academichub.models import utcnow
from academichub.services import Services
from academichub.settings import Settings, load_settings


class _WorkerServices:
    """This process's services for the batches it runs (a Dask worker is its own process): one per
    database and mail configuration, so the batches of a process share its engine, kept editions and
    mailer (one send-rate bucket, one set of SMTP connections)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple, Services] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(settings: Settings) -> tuple:
        return (settings.database_url, *mailer_key(settings))

    def adopt(self, services: Services) -> None:
        with self._lock:
            self._by_key.setdefault(self._key(services.settings), services)

    def get(self, settings: Settings) -> Services:
        key = self._key(settings)
        with self._lock:
            if key not in self._by_key:
                self._by_key[key] = Services.open(settings, migrate=False)
            return self._by_key[key]


_WORKER = _WorkerServices()


def worker_services(settings: Settings) -> Services:
    """This process's services. Tasks reach ``_WORKER`` through this function: a task's own function is
    pickled by value when it is sent to a Dask worker, and the lock inside ``_WORKER`` cannot be."""
    return _WORKER.get(settings)


@task(name="queue-due-readers", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def queue_due(engine: Engine, day: date, prepared_at: datetime, now: datetime) -> tuple[int, int]:
    return due.queue_due(engine, day, prepared_at, now)


@task(name="claim-batch", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def claim(engine: Engine, day: date, size: int, worker: str) -> list[int]:
    with session_scope(engine) as session:
        return ledger.claim_batch(session, day, size, worker)


@task(name="retry-channels", cache_policy=NO_CACHE)
def retry_channels(
    settings: Settings, day: date, suppressed: dict[str, str], started: datetime
) -> tuple[Tally, LlmReport]:
    services = worker_services(settings)
    return batches.deliver_channel_retries(
        settings, services.engine, services.editions, day, suppressed, started, mailer=services.mailer
    )


@task(name="deliver-batch", cache_policy=NO_CACHE)
def deliver_batch(
    settings: Settings, day: date, row_ids: list[int], suppressed: dict[str, str]
) -> tuple[Tally, LlmReport]:
    """One claimed batch. Takes only plain values: it may run in another process (a Dask worker)."""
    services = worker_services(settings)
    return batches.deliver_claimed(
        settings, services.engine, services.editions, day, row_ids, suppressed, mailer=services.mailer
    )


def task_runner_for(settings: Settings, **cluster: object):
    """Threads in this process, or Dask (a given scheduler, or a local cluster of processes;
    ``cluster``: more arguments for that local cluster)."""
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": settings.dask_workers,
                "threads_per_worker": settings.dask_threads,
                "processes": True,
                "env": _prefect_api_env(),
                **cluster,
            }
        )
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=settings.batch_concurrency)


def _prefect_api_env() -> dict[str, str]:
    """The local cluster's workers report to this flow's Prefect API. Without PREFECT_API_URL the flow
    runs on a temporary server; each worker process would start its own, which outlives the worker."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()  # outside a flow the workers inherit this process's environment
    return {"PREFECT_API_URL": str(ctx.client.api_url).rstrip("/")} if ctx and ctx.client else {}


@flow(name="deliver-batches", log_prints=True)
def deliver_batches(
    settings: Settings, day: date, batch_size: int, worker: str, suppressed: dict[str, str]
) -> tuple[Tally, LlmReport, int]:
    """Claim batches and fan them out on the flow's task runner; each batch its own task run. More
    are claimed only as batches finish, so other workers get their share."""
    services = worker_services(settings)
    in_flight = (
        settings.dask_workers * settings.dask_threads if settings.task_runner == "dask" else settings.batch_concurrency
    )
    futures: list = []
    tally, llm, count = Tally(), LlmReport(model=settings.llm_model), 0
    while True:
        ids = claim(services.engine, day, batch_size, worker)
        if not ids:
            break
        count += 1
        futures.append(deliver_batch.submit(settings, day, ids, suppressed))
        while len(futures) >= in_flight:
            got, report = futures.pop(0).result()
            tally, llm = tally.merge(got), llm.merge(report)
    for f in futures:
        got, report = f.result()
        tally, llm = tally.merge(got), llm.merge(report)
    return tally, llm, count


@flow(name="deliver-due", log_prints=True)
def deliver_due(now: str | None = None, batch_size: int = 500, edition: str | None = None) -> DeliverReport | None:
    """Hourly: everyone whose local delivery time for the current edition has come gets it, once."""
    services = Services.open(load_settings())
    clock = fixed(now).now() if now else services.clock.now()
    until = date.fromisoformat(edition) if edition else None
    current = due.current_edition(services.engine, until)
    for day, why in due.held_editions(services.engine, current[0] if current else None, until):
        print(f"The edition of {day} is held ({why}): none of it is sent until prepare-edition succeeds for that day.")
    if current is None:
        print("No edition prepared yet: nothing to deliver.")
        return None
    day, prepared_at = current
    try:
        return deliver_day(services, day, prepared_at, clock, batch_size)
    finally:
        services.close()


def deliver_day(services: Services, day: date, prepared_at: datetime, now: datetime, batch_size: int) -> DeliverReport:
    settings, stages = services.settings, {}
    started = utcnow()  # channel rows this run touches are retried by the next run, not this one
    t0 = time.perf_counter()
    queued, skipped = queue_due(services.engine, day, prepared_at, now)
    stages["queue due readers"] = time.perf_counter() - t0
    suppressed: dict[str, str] = {}
    if settings.mail_backend == "ses":
        suppressed, warning = account_suppression(services.mailer)
        if warning:
            print(f"WARNING: {warning}")
    t0 = time.perf_counter()
    _WORKER.adopt(services)  # the thread runner's batches reuse this process's kept edition
    edition = batches.kept_edition(services.editions, settings, services.engine, day)
    stages["load edition"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    tally, llm, count = deliver_batches.with_options(task_runner=task_runner_for(settings))(
        settings, day, batch_size, worker, suppressed
    )
    stages["deliver batches"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    retried, retry_llm = retry_channels(settings, day, suppressed, started)
    tally, llm = tally.merge(retried), llm.merge(retry_llm)
    stages["retry channels"] = time.perf_counter() - t0
    with session_scope(services.engine) as session:
        in_ledger = ledger.day_states(session, day)
    report = DeliverReport(
        edition_date=day,
        edition_size=len(edition.facts),
        due=queued,
        skipped=skipped,
        batches=count,
        tally=tally,
        llm=llm,
        stages=stages,
        ledger=in_ledger,
    )
    create_markdown_artifact(
        key="deliver-due", markdown=deliver_markdown(report, now, batch_size), description=f"Deliveries for {day}"
    )
    failed = sum(tally.states[s] for s in ("failed", "stuck", "channel failed", "channel stuck"))
    if failed:
        print(
            f"WARNING: {failed} deliveries failed or are stuck: "
            "see the deliver-due artifact and `academichub deliveries`."
        )
    if report.unsettled:
        print(
            f"WARNING: {report.unsettled} readers of {day} are still queued or claimed in the ledger: "
            "a later deliver-due sends the queued ones, and the claimed ones once their claim is an hour old "
            "(`academichub deliveries` lists them)."
        )
    return report


__all__ = ["deliver_due", "deliver_day"]
