"""The delivery ledger (deliveries, deliveries resend) and SES events."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from academichub.cli import helptext as ht
from academichub.cli.common import (
    _date,
    _settings,
    announce_prefect_server,
    app,
    console,
    err,
)

deliveries_app = typer.Typer(help="The delivery ledger: who was sent which edition.", invoke_without_command=True)
app.add_typer(deliveries_app, name="deliveries")


@deliveries_app.callback()
def deliveries(
    ctx: typer.Context,
    date_: str | None = typer.Option(None, "--date", metavar=ht.DATE, help="Edition date (default: all dates)."),
    stuck: bool = typer.Option(
        False, "--stuck", help="Only rows left in 'sending' by a crash: their outcome is unknown."
    ),
    json_: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """List deliveries (queued, sending, sent with the provider's message id, failed, skipped): the emails
    and, for readers with chat/webhook channels, one row per channel (masked)."""

    if ctx.invoked_subcommand:
        return
    from academichub.db import open_database, session_scope
    from academichub.delivery import channel_ledger, ledger
    from academichub.models import DeliveryState
    from subscribers.channels import mask_channel

    engine = open_database(_settings())
    with session_scope(engine) as session:
        day = _date(date_) if date_ else None
        rows = ledger.rows_for(session, day, state=DeliveryState.SENDING if stuck else None)
        channel_rows = channel_ledger.rows_for(session, day, state=DeliveryState.SENDING if stuck else None)
    records = [
        {
            "email": e,
            "channel": None,
            "edition": d.edition_date.isoformat(),
            "state": d.state,
            "attempts": d.attempts,
            "message_id": d.message_id,
            "reason": d.reason,
            "failure_kind": d.failure_kind,
            "explained": d.explained,
        }
        for d, e in rows
    ] + [
        {
            "email": e,
            "channel": mask_channel(c.url),
            "edition": d.edition_date.isoformat(),
            "state": d.state,
            "attempts": d.attempts,
            "message_id": None,
            "reason": d.reason,
            "failure_kind": d.failure_kind,
            "explained": d.explained,
        }
        for d, c, e in channel_rows
    ]
    if json_:
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(records)} {'stuck ' if stuck else ''}deliver{'y' if len(records) == 1 else 'ies'}")
    for col in ("edition", "email", "state", "attempts", "message id / reason"):
        table.add_column(col, overflow="fold")
    for r in records:
        table.add_row(
            str(r["edition"]),
            str(r["email"]) + (f" → {r['channel']}" if r["channel"] else ""),
            str(r["state"]),
            str(r["attempts"]),
            str(r["message_id"] or r["explained"] or ""),
        )
    console.print(table)
    if stuck and records:
        console.print(
            "Their outcome is unknown (the sender stopped mid-send). Check the provider, then "
            "`academichub deliveries resend --date D` sends them again on purpose."
        )


@deliveries_app.command("resend")
def deliveries_resend(
    date_: str = typer.Option(..., "--date", metavar=ht.DATE, help="Edition date of the stuck deliveries."),
    email: list[str] | None = typer.Option(
        None, "--email", metavar=ht.EMAIL, help="Only these addresses (repeat); default: every stuck one."
    ),
) -> None:
    """Send stuck deliveries of a day again, on purpose (they may have arrived once already)."""
    from academichub.db import open_database, session_scope
    from academichub.delivery import channel_ledger, ledger
    from academichub.delivery.engine import Outcome

    day = _date(date_).isoformat()
    engine = open_database(_settings())
    only = [e.lower() for e in email] if email else None
    with session_scope(engine) as session:
        addresses = ledger.requeue(session, _date(day), only) + channel_ledger.requeue(session, _date(day), only)
    if not addresses:
        console.print(f"No stuck deliveries for {day}.")
        return
    console.print(f"Re-queued {len(addresses)}: {', '.join(addresses)}", markup=False)
    announce_prefect_server()
    from flows.daily import daily_flow

    report = daily_flow(date_=day, skip_ingest=True)
    sent = [d.who for d in report.deliveries if d.state == Outcome.SENT]
    console.print(f"Sent {len(sent)}: {', '.join(sent) or '-'}", markup=False)


@app.command()
def events() -> None:
    """Read SES bounce and complaint events (SNS -> SQS queue in ACADEMICHUB_SES_EVENTS_QUEUE_URL): hard bounces
    and complaints are never emailed again."""
    if not _settings().ses_events_queue_url:  # before a temporary Prefect server is started for nothing
        err.print(
            "[bold red]error:[/bold red] no SES events queue is configured, so no bounce or complaint was read: "
            "set ACADEMICHUB_SES_EVENTS_QUEUE_URL to the SQS queue subscribed to the SES configuration set's "
            'SNS topic (docs/operations.md, "Amazon SES").',
            highlight=False,
        )
        raise typer.Exit(2)
    announce_prefect_server()
    from flows.events import process_ses_events

    r = process_ses_events()
    console.print(
        f"{r.received} event(s): {len(r.bounced)} hard bounce(s), {len(r.complained)} complaint(s), "
        f"{r.ignored} ignored, {r.unparseable} unparseable (left in the queue).",
        markup=False,
    )
