"""subscribers radar add|list|remove: a reader's several radars (named interest profiles). The first
radar is the profile given at `subscribers add`. The library is imported inside each command (see
academichub/cli/main.py)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from academichub.cli import helptext as ht
from academichub.cli.common import _settings, console, subscribers_app
from academichub.cli.library import LIBRARY_HELP, OFFLINE_HELP, read_library
from academichub.cli.libsync import (
    ORCID_HELP,
    ZOTERO_COLLECTION_HELP,
    ZOTERO_HELP,
    ZOTERO_KEY_HELP,
    attach_and_sync,
    source_inputs,
)

radar_app = typer.Typer(
    help="A reader's radars: several named interest profiles, each with its own section in the email "
    "(the profile given at `subscribers add` is the first).",
    no_args_is_help=True,
)
subscribers_app.add_typer(radar_app, name="radar")


@radar_app.command("add")
def radar_add(
    email: str = typer.Argument(..., metavar=ht.EMAIL, help="The subscriber's address."),
    name: str = typer.Argument(
        ..., metavar=ht.NAME, help="The radar's name (1-40 letters, digits, spaces, '-', '_', '.')."
    ),
    interests: str = typer.Option(
        ..., "--interests", metavar=ht.TEXT, help="Free-text research interests of this radar."
    ),
    keywords: str | None = typer.Option(
        None, "--keywords", metavar=ht.LIST, help="Comma-separated keywords that raise a score."
    ),
    exclude: str | None = typer.Option(
        None, "--exclude", metavar=ht.LIST, help="Comma-separated keywords: such papers never come."
    ),
    categories: str | None = typer.Option(
        None,
        "--categories",
        metavar=ht.LIST,
        help="Comma-separated filter: only these arXiv categories or sources (cs.CL,medrxiv).",
    ),
    authors: str | None = typer.Option(None, "--authors", metavar=ht.LIST, help="Comma-separated authors to follow."),
    library: Path | None = typer.Option(None, "--library", metavar=ht.FILE, help=LIBRARY_HELP + " Seeds this radar."),
    offline: bool = typer.Option(False, "--offline", help=OFFLINE_HELP),
    zotero: str | None = typer.Option(None, "--zotero", metavar="USER_ID|groups/ID", help=ZOTERO_HELP),
    zotero_key: str | None = typer.Option(
        None, "--zotero-key", metavar="KEY", envvar="ZOTERO_API_KEY", show_envvar=True, help=ZOTERO_KEY_HELP
    ),
    zotero_collection: list[str] | None = typer.Option(
        None, "--zotero-collection", metavar="KEY", help=ZOTERO_COLLECTION_HELP
    ),
    orcid: str | None = typer.Option(None, "--orcid", metavar="ORCID_ID", help=ORCID_HELP),
) -> None:
    """Add a radar to a reader: matched on its own, with its own section in the email."""
    from academichub.cli.subscribers import _known_categories
    from academichub.db import open_database, session_scope
    from subscribers.expand import expand_if_needed
    from subscribers.library import set_library
    from subscribers.radars import add_radar
    from subscribers.service import ProfileInput, get_subscriber, split_list

    sources = source_inputs(zotero, zotero_key, zotero_collection, orcid)  # checked before any change
    settings = _settings()
    data = ProfileInput(
        interests=interests,
        keywords=split_list(keywords) if keywords is not None else None,
        exclude=split_list(exclude) if exclude is not None else None,
        categories=split_list(categories) if categories is not None else None,
        authors=split_list(authors) if authors is not None else None,
        known_categories=_known_categories(settings) if categories else frozenset(),
    )
    engine = open_database(settings)
    rows = read_library(settings, engine, library, offline) if library is not None else None  # before any change
    with session_scope(engine) as session:
        sub, _ = get_subscriber(session, email)
        radar = add_radar(session, sub, name, data, via="cli")
        held = set_library(session, sub, radar, rows, via="cli") if rows is not None else None
        note = expand_if_needed(settings, session, radar)
        count = len(_names(session, sub.key))
    console.print(f"Added the radar {radar.name!r} to {sub.email} ({count} radars).", markup=False)
    if held is not None:
        console.print(f"Its library holds {held} paper(s).", markup=False)
    if note:
        console.print(note, markup=False)
    attach_and_sync(settings, engine, sub.email, radar.name, sources)


def _names(session, subscriber_id: int) -> list[str]:
    from subscribers.radars import radars_of

    return [r.name for r in radars_of(session, subscriber_id)]


@radar_app.command("list")
def radar_list(
    email: str = typer.Argument(..., metavar=ht.EMAIL, help="The subscriber's address."),
    json_: bool = typer.Option(
        False, "--json", help="Print JSON objects (name, interests, keywords, exclude, categories, authors, votes)."
    ),
) -> None:
    """A reader's radars, first one first, with the votes that trained each."""
    from academichub.db import open_database, session_scope
    from subscribers.radars import radar_counts, radar_record, radars_of
    from subscribers.service import get_subscriber

    engine = open_database(_settings())
    with session_scope(engine) as session:
        sub, _ = get_subscriber(session, email)
        radars = radars_of(session, sub.key)
        counts = radar_counts(session, sub.key)
    records = []
    for i, r in enumerate(radars):
        votes = counts.get(r.id, 0) + (counts.get(None, 0) if i == 0 else 0)
        records.append({**radar_record(r), "votes": votes})
    if json_:
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{sub.email}: {len(records)} radar(s)")
    for col in ("name", "interests", "keywords", "exclude", "categories", "authors", "votes"):
        table.add_column(col, overflow="fold")
    for rec in records:
        table.add_row(
            rec["name"],
            rec["interests"],
            *(", ".join(rec[k]) for k in ("keywords", "exclude", "categories", "authors")),
            str(rec["votes"]),
        )
    console.print(table)


@radar_app.command("remove")
def radar_remove(
    email: str = typer.Argument(..., metavar=ht.EMAIL, help="The subscriber's address."),
    name: str = typer.Argument(..., metavar=ht.NAME, help="The radar to remove (a reader keeps at least one)."),
) -> None:
    """Remove a radar and the 👍/👎 votes that trained it (a reader's last radar cannot be removed)."""
    from academichub.db import open_database, session_scope
    from subscribers.radars import remove_radar
    from subscribers.service import get_subscriber

    engine = open_database(_settings())
    with session_scope(engine) as session:
        sub, _ = get_subscriber(session, email)
        removed = remove_radar(session, sub, name, via="cli")
        left = _names(session, sub.key)
    console.print(f"Removed the radar {removed.name!r} of {sub.email}; left: {', '.join(left)}.", markup=False)
