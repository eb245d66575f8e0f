"""The ``ingest`` flow: fetch (or read) every source, parse, normalise, deduplicate, store.

A task per source does the I/O; a broken source is recorded and the others carry on. The work is
in ``academichub.papers.ingest``; this module wraps it in tasks and writes the run's artifact.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE as NO_CACHE
from prefect.states import Failed
from sqlalchemy.engine import Engine

from academichub.db import open_database
from academichub.papers.fetch import Fetcher
from academichub.papers.health import EditionHeld
from academichub.papers.ingest import (
    Document,
    collect_paths,
    ensure_trusted,
    fetch_document,
    ingest_documents,
    read_document,
    source_config,
)
from academichub.papers.report import IngestReport, ingest_markdown
from academichub.papers.sources import Source, SourceConfig
from academichub.settings import Settings, load_settings


@task(name="fetch-source", cache_policy=NO_CACHE, task_run_name="fetch {source.key}")
def fetch_source(source: Source, fetcher: Fetcher, engine: Engine, day: date) -> Document:
    """I/O task: conditional GET of one source. Retries live in the Fetcher (Retry-After aware)."""
    return fetch_document(source, fetcher, engine, day)


@task(name="read-file", cache_policy=NO_CACHE, task_run_name="read {path.name}")
def read_file(path: Path) -> Document:
    return read_document(path)


@task(name="parse-dedupe-store", cache_policy=NO_CACHE)
def store_documents(
    engine: Engine, docs: list[Document], day: date, settings: Settings, holidays: frozenset[date]
) -> IngestReport:
    return ingest_documents(engine, docs, day=day, settings=settings, holidays=holidays)


def run_ingest(
    settings: Settings, engine: Engine, *, paths: list[str] | None, day: date, config: SourceConfig | None = None
) -> IngestReport:
    """Body of the ingest flow, callable from other flows (run, prepare-edition) with the same settings:
    a task per file or source, one to store, and the ``ingest-report`` artifact."""
    if paths:
        docs = [read_file(p) for p in collect_paths(paths)]
        holidays = source_config(settings, paths=paths, config=config).arxiv_holidays
    else:
        config = source_config(settings, paths=paths, config=config, engine=engine)
        holidays = config.arxiv_holidays
        with Fetcher(settings) as fetcher:
            docs = [fetch_source(s, fetcher, engine, day) for s in config.sources]
    report = store_documents(engine, docs, day, settings, holidays)
    create_markdown_artifact(key="ingest-report", markdown=ingest_markdown(report), description=f"Ingest for {day}")
    return report


def held(exc: EditionHeld) -> Any:
    """A held day's final state: Failed, with the reason as its message (what the alert automation
    sends) and no traceback in the log; a direct call of the flow raises ``exc`` (the CLI's one line)."""
    return Failed(message=str(exc), data=exc)


@flow(name="ingest", log_prints=True)
def ingest_flow(from_paths: list[str] | None = None, date_: str | None = None) -> IngestReport:
    """Fetch the configured sources (or read saved responses from ``from_paths``) into the database.
    A day that cannot be trusted (every source failed, or most of the day) ends the run Failed."""
    settings = load_settings()
    day = date.fromisoformat(date_) if date_ else settings.clock.today(settings.edition_timezone)
    engine = open_database(settings)
    try:
        return ensure_trusted(run_ingest(settings, engine, paths=from_paths, day=day))
    except EditionHeld as exc:
        return held(exc)
