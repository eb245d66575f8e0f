"""subscribers export|list: what is stored about readers, shown (channels masked). The library is
imported inside each command (see academichub/cli/main.py)."""

from __future__ import annotations

import csv
import json
import sys

import typer
from rich.table import Table

from academichub.cli import helptext as ht
from academichub.cli.common import _settings, console, subscribers_app


@subscribers_app.command("export")
def subscribers_export(
    email: str | None = typer.Argument(
        None, metavar=ht.EMAIL, help="One person's data (JSON), or everyone when omitted."
    ),
    json_: bool = typer.Option(False, "--json", help="JSON instead of CSV (for everyone)."),
) -> None:
    """Write subscribers to standard output: CSV (import-compatible) or JSON; with EMAIL, that person's data."""
    from academichub.db import open_database, session_scope
    from academichub.delivery import channel_ledger, ledger
    from subscribers.channels import channels_for, mask_channel
    from subscribers.libsources import source_record, sources_of
    from subscribers.radars import feedback_for, radar_record, radars_for, radars_of
    from subscribers.service import all_subscribers, changes_of, get_subscriber, subscriber_record

    engine = open_database(_settings())
    with session_scope(engine) as session:
        if email:
            sub, profile = get_subscriber(session, email)
            record = subscriber_record(sub, profile)
            record["radars"] = [radar_record(r) for r in radars_of(session, sub.key)]
            record["feedback"] = feedback_for(session, [sub.key]).get(sub.key, {})
            record["changes"] = [
                {"at": c.at.isoformat(), "via": c.via, "changes": c.changes} for c in changes_of(session, sub.key)
            ]
            record["deliveries"] = [
                {
                    "edition": d.edition_date.isoformat(),
                    "state": d.state,
                    "reason": d.reason,
                    "message_id": d.message_id,
                }
                for d, _ in ledger.rows_for_subscriber(session, sub.key)
            ]
            record["email_enabled"] = sub.email_enabled
            record["channels"] = [
                {"id": c.id, "channel": mask_channel(c.url), "kind": c.kind, "active": c.active}
                for c in channels_for(session, [sub.key]).get(sub.key, [])
            ]
            record["channel_deliveries"] = [
                {"edition": d.edition_date.isoformat(), "channel": mask_channel(c.url), "state": d.state}
                | {"reason": d.reason, "attempts": d.attempts}
                for d, c, _ in channel_ledger.rows_for(session, subscriber_id=sub.key)
            ]
            names = {r.id: r.name for r in radars_of(session, sub.key)}
            record["library_sources"] = [  # the Zotero key masked
                source_record(s, names.get(s.profile_id, "?")) for s in sources_of(session, sub.key)
            ]
            print(json.dumps(record, ensure_ascii=False, indent=2))
            return
        everyone = all_subscribers(session)
        radars = radars_for(session, [s.key for s, _ in everyone])
        channels = channels_for(session, [s.key for s, _ in everyone])
        rows = [
            {
                **subscriber_record(s, p),
                "radars": [radar_record(r) for r in radars.get(s.key, [])],
                "email_enabled": s.email_enabled,
                "channels": [mask_channel(c.url) for c in channels.get(s.key, [])],
            }
            for s, p in everyone
        ]
    if json_:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    fields = [
        "email",
        "interests",
        "language",
        "name",
        "keywords",
        "exclude",
        "categories",
        "authors",
        "timezone",
        "hour",
        "frequency",
        "weekday",
        "papers",
        "status",
        "radars",
        "email_enabled",
        "channels",
    ]
    writer = csv.DictWriter(sys.stdout, fieldnames=fields)
    writer.writeheader()
    for r in rows:
        writer.writerow(
            {
                "email": r["email"],
                "interests": r["interests"],
                "language": r["language"],
                "name": r["name"],
                "keywords": "; ".join(r["keywords"]),
                "exclude": "; ".join(r["exclude"]),
                "categories": "; ".join(r["categories"]),
                "authors": "; ".join(r["authors"]),
                "timezone": r["timezone"],
                "hour": r["delivery_hour"],
                "frequency": r["frequency"],
                "weekday": r["weekly_day"] or "",
                "papers": r["papers_per_email"],
                "status": r["status"],
                # the radars after the first (whose fields are the columns above), as JSON
                "radars": json.dumps(r["radars"][1:], ensure_ascii=False) if len(r["radars"]) > 1 else "",
                "email_enabled": "yes" if r["email_enabled"] else "no",
                "channels": "; ".join(r["channels"]),  # masked: channels are added again with --channel
            }
        )


@subscribers_app.command("list")
def subscribers_list() -> None:
    """List subscribers with their language, schedule, status and interests."""
    from academichub.db import open_database, session_scope
    from subscribers.channels import channels_for, mask_channel
    from subscribers.library import library_of
    from subscribers.service import all_subscribers

    engine = open_database(_settings())
    with session_scope(engine) as session:
        subs = all_subscribers(session)
        channels = channels_for(session, [s.key for s, _ in subs])
        shown = {sid: [mask_channel(c.url) for c in chs] for sid, chs in channels.items()}
    table = Table(title=f"{len(subs)} subscriber(s)")
    # An address is what a reader of this table copies: it is never folded, whatever the terminal's width.
    table.add_column("email", no_wrap=True, min_width=max((len(s.email) for s, _ in subs), default=5))
    for col in ("name", "lang", "schedule", "status", "interests", "library"):
        table.add_column(col, overflow="fold")
    table.add_column("channels", no_wrap=True)  # masked addresses, read whole (tgram://…/****)
    for s, p in subs:
        weekday = " " + (s.weekly_day or "mon") if s.frequency == "weekly" else ""
        when = f"{s.frequency}{weekday} {s.delivery_hour:02d}:00 {s.timezone}"
        chs = shown.get(s.key, [])
        where = "\n".join(chs) + ("" if s.email_enabled else "\n(no email)") if chs or not s.email_enabled else ""
        table.add_row(s.email, s.name, s.language, when, s.status, p.interests, str(len(library_of(p))), where)
    console.print(table)
