"""subscribers channel add|list|remove: a reader's chat and webhook channels (Apprise URLs), shown
masked. The library is imported inside each command (see academichub/cli/main.py)."""

from __future__ import annotations

import typer
from rich.table import Table

from academichub.cli import helptext as ht
from academichub.cli.common import _settings, console, subscribers_app

channel_app = typer.Typer(
    help="A reader's chat and webhook channels (Apprise URLs: feishu://, dingtalk://, wecombot://, slack://, "
    "tgram://, discord://, ntfy://, json://...). URLs carry secrets: they are only ever shown masked.",
    no_args_is_help=True,
)
subscribers_app.add_typer(channel_app, name="channel")

CHANNEL_HELP = (
    "Also send the briefing to this chat or webhook channel, an Apprise URL (repeat for several): "
    "feishu://TOKEN, lark://TOKEN, dingtalk://TOKEN, wecombot://KEY, slack://A/B/C, tgram://BOT_TOKEN/CHAT_ID, "
    "discord://ID/TOKEN, ntfy://host/topic, json://host/path."
)


@channel_app.command("add")
def channel_add(
    email: str = typer.Argument(..., metavar=ht.EMAIL, help="The subscriber's address."),
    url: str = typer.Argument(
        ..., metavar=ht.URL, help="An Apprise URL, e.g. feishu://TOKEN or json://hooks.example.org/path."
    ),
) -> None:
    """Add a channel to a subscriber (checked by Apprise first: a bad URL is refused, nothing stored)."""
    from academichub.db import open_database, session_scope
    from subscribers.channels import add_channel, mask_channel
    from subscribers.service import get_subscriber

    engine = open_database(_settings())
    with session_scope(engine) as session:
        sub, _ = get_subscriber(session, email)
        ch = add_channel(session, sub, url, via="cli", allow_private=True)
        console.print(f"Channel {ch.id} for {sub.email}: {mask_channel(ch.url)}", markup=False)


@channel_app.command("list")
def channel_list(
    email: str | None = typer.Argument(None, metavar=ht.EMAIL, help="One subscriber's channels (default: everyone's)."),
) -> None:
    """List channels (masked: scheme, host and a few characters of each secret)."""
    from sqlmodel import col, select

    from academichub.db import open_database, session_scope
    from subscribers.channels import mask_channel
    from subscribers.models import Channel, Subscriber
    from subscribers.service import get_subscriber

    engine = open_database(_settings())
    with session_scope(engine) as session:
        query = select(Channel, Subscriber).join(Subscriber, col(Subscriber.id) == Channel.subscriber_id)
        if email:
            sub, _ = get_subscriber(session, email)
            query = query.where(Channel.subscriber_id == sub.key)
        rows = [
            (c, s.email, s.email_enabled) for c, s in session.exec(query.order_by(Subscriber.email, col(Channel.id)))
        ]
    table = Table(title=f"{len(rows)} channel(s)")
    for col_name in ("id", "email", "channel", "kind", "email too"):
        table.add_column(col_name, overflow="fold")
    for c, address, email_on in rows:
        table.add_row(str(c.id), address, mask_channel(c.url), c.kind, "yes" if email_on else "no (channels only)")
    console.print(table)


@channel_app.command("remove")
def channel_remove(
    email: str = typer.Argument(..., metavar=ht.EMAIL, help="The subscriber's address."),
    channel_id: int = typer.Argument(
        ..., metavar=ht.ID, help="The channel's id (`academichub subscribers channel list`)."
    ),
) -> None:
    """Remove a channel and its delivery rows."""
    from academichub.db import open_database, session_scope
    from subscribers.channels import mask_channel, remove_channel
    from subscribers.service import get_subscriber

    engine = open_database(_settings())
    with session_scope(engine) as session:
        sub, _ = get_subscriber(session, email)
        ch = remove_channel(session, sub, channel_id, via="cli")
    console.print(f"Removed channel {channel_id} ({mask_channel(ch.url)}) of {sub.email}.", markup=False)
