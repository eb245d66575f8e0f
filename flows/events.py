"""The ``process-ses-events`` flow: SES bounce and complaint events (SNS -> SQS) mark subscribers
``bounced`` (hard bounces only) or ``complained``; such subscribers are never emailed again.

Parsing and applying the events, and draining the queue, live in ``subscribers.bounces``; this
module wraps the drain in a task and writes the run's artifact.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE as NO_CACHE
from sqlalchemy.engine import Engine

from academichub.db import open_database
from academichub.settings import load_settings
from subscribers.bounces import EventsReport, SqsClient, drain_queue


@task(name="drain-ses-events", cache_policy=NO_CACHE)
def drain(sqs: SqsClient, queue_url: str, engine: Engine, max_batches: int = 50) -> EventsReport:
    return drain_queue(sqs, queue_url, engine, max_batches)


@flow(name="process-ses-events", log_prints=True)
def process_ses_events() -> EventsReport:
    """Read SES bounce and complaint events from ACADEMICHUB_SES_EVENTS_QUEUE_URL."""
    import boto3

    settings = load_settings()
    if not settings.ses_events_queue_url:
        print("ACADEMICHUB_SES_EVENTS_QUEUE_URL is not set: no SES events to read.")
        return EventsReport()
    engine = open_database(settings)
    report = drain(boto3.client("sqs", region_name=settings.ses_region), settings.ses_events_queue_url, engine)
    create_markdown_artifact(
        key="ses-events",
        markdown=(
            f"# SES events\n\n- received: {report.received}\n"
            f"- hard bounces: {len(report.bounced)} {', '.join(report.bounced)}\n"
            f"- complaints: {len(report.complained)} {', '.join(report.complained)}\n"
            f"- ignored (soft bounces, deliveries): {report.ignored}\n"
            f"- **unparseable, left in the queue: {report.unparseable}**\n"
        ),
    )
    return report
