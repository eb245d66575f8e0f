"""Synced libraries: the ``--zotero``/``--zotero-key``/``--zotero-collection``/``--orcid`` options of
``subscribers add`` and ``subscribers radar add``, and ``subscribers library sync|list|remove``. Only
Typer and rich at the top (see academichub/cli/main.py). The Zotero key is never printed: sources are
shown through ``subscribers.libsources.describe`` (its last four characters)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from academichub.cli import helptext as ht
from academichub.cli.common import _settings, console, err, subscribers_app

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from academichub.papers.libsync import SyncReport
    from academichub.settings import Settings
    from subscribers.libsources import SourceInput

ZOTERO_HELP = (
    "Sync the reader's Zotero library: your userID (zotero.org/settings/keys) or groups/GROUP_ID. Its items "
    "become the radar's library, refreshed daily (needs --zotero-key)."
)
ZOTERO_KEY_HELP = (
    "A Zotero API key with read access to that library (zotero.org/settings/keys/new). Stored, never shown "
    "(lists show its last four characters); set ZOTERO_API_KEY instead to keep it out of the shell history."
)
ZOTERO_COLLECTION_HELP = "Only the items of this Zotero collection (its 8-character key; repeat for several)."
ORCID_HELP = (
    "Your own publications, found in OpenAlex by your ORCID iD (0000-0002-1825-0097 or an orcid.org link), "
    "refreshed daily."
)

library_app = typer.Typer(
    help="A reader's synced libraries (Zotero, ORCID through OpenAlex): refresh, list, remove.",
    no_args_is_help=True,
)
subscribers_app.add_typer(library_app, name="library")


def source_inputs(
    zotero: str | None, key: str | None, collections: list[str] | None, orcid: str | None
) -> list[SourceInput]:
    """The checked sources the options ask for (before anything is stored); a clear error otherwise."""
    from subscribers.libsources import SourceInput

    if zotero is None and (collections or key):
        raise typer.BadParameter(
            "--zotero-key and --zotero-collection need --zotero USER_ID (or groups/GROUP_ID)", param_hint="--zotero"
        )
    out = []
    if zotero is not None:
        if not key:
            raise typer.BadParameter("--zotero needs --zotero-key KEY (or ZOTERO_API_KEY)", param_hint="--zotero-key")
        out.append(SourceInput.zotero(zotero, key, collections))
    if orcid is not None:
        out.append(SourceInput.orcid(orcid))
    return out


def attach_and_sync(settings: Settings, engine: Engine, email: str, radar: str | None, inputs: list) -> None:
    """Store the sources on the radar (the first one when ``radar`` is None) and sync them now."""
    from academichub.db import session_scope
    from academichub.papers.libsync import refresh_libraries
    from academichub.services import Services
    from subscribers.libsources import add_source, describe
    from subscribers.radars import find_radar
    from subscribers.service import get_subscriber

    if not inputs:
        return
    with session_scope(engine) as session:
        sub, first = get_subscriber(session, email)
        profile = find_radar(session, sub, radar) if radar else first
        for data in inputs:
            add_source(session, sub, profile, data, via="cli")
            console.print(f"Library source: {describe(data)} on the radar {profile.name!r}.", markup=False)
        address = sub.email
    print_report(refresh_libraries(Services(settings, engine), emails=[address], force=True))


def print_report(report: SyncReport) -> None:
    for outcome in report.outcomes:
        where = err if outcome.state in ("failed", "waiting") else console
        prefix = "warning: " if outcome.state == "failed" else ""
        where.print(f"{prefix}{outcome.line()}", markup=False, highlight=False)
    console.print(report.summary(), markup=False)


@library_app.command("sync")
def library_sync(
    emails: list[str] | None = typer.Argument(
        None, metavar=ht.EMAIL, help="Only these subscribers (default: everyone)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Refresh every source now, even one refreshed recently (not one asked to wait)."
    ),
) -> None:
    """Refresh the synced libraries that are due (what the daily refresh-libraries deployment runs):
    Zotero incrementally by library version, ORCID iDs from OpenAlex. A source that fails keeps its
    previous papers and says why; exit code 1 if any failed."""
    from academichub.papers.libsync import refresh_libraries
    from academichub.services import Services

    services = Services.open(_settings())
    if emails:  # an address that is no subscriber is an error, not "0 refreshed"
        from academichub.db import session_scope
        from subscribers.service import get_subscriber

        with session_scope(services.engine) as session:
            for email in emails:
                get_subscriber(session, email)
    report = refresh_libraries(services, emails=emails or None, force=force)
    print_report(report)
    if report.count("failed"):
        raise typer.Exit(1)


@library_app.command("list")
def library_list(
    email: str = typer.Argument(..., metavar=ht.EMAIL, help="The subscriber's address."),
    json_: bool = typer.Option(
        False,
        "--json",
        help="Print JSON objects (id, radar, kind, library, key masked, collections, papers, version, status, "
        "error, synced_at).",
    ),
) -> None:
    """A reader's library sources, with what the last refresh brought or why it failed."""
    from academichub.db import open_database, session_scope
    from subscribers.libsources import source_record, sources_of
    from subscribers.radars import radars_of
    from subscribers.service import get_subscriber

    engine = open_database(_settings())
    with session_scope(engine) as session:
        sub, _ = get_subscriber(session, email)
        names = {r.id: r.name for r in radars_of(session, sub.key)}
        records = [source_record(s, names.get(s.profile_id, "?")) for s in sources_of(session, sub.key)]
    if json_:
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{sub.email}: {len(records)} library source(s)")
    for col in ("id", "radar", "kind", "library", "key", "collections", "papers", "status", "synced_at"):
        table.add_column(col, overflow="fold")
    for rec in records:
        status = rec["status"] + (f": {rec['error']}" if rec["error"] else "")
        table.add_row(
            str(rec["id"]),
            rec["radar"],
            rec["kind"],
            rec["library"],
            rec["key"] or "",
            ", ".join(rec["collections"]),
            str(rec["papers"]),
            status,
            rec["synced_at"] or "never",
        )
    console.print(table)


@library_app.command("remove")
def library_remove(
    email: str = typer.Argument(..., metavar=ht.EMAIL, help="The subscriber's address."),
    source_id: int = typer.Argument(..., metavar=ht.ID, help="The source's id (from `subscribers library list`)."),
) -> None:
    """Remove a library source and its key; the papers it brought leave the radar's library."""
    from academichub.db import open_database, session_scope
    from subscribers.libsources import describe, remove_source
    from subscribers.service import get_subscriber

    engine = open_database(_settings())
    with session_scope(engine) as session:
        sub, _ = get_subscriber(session, email)
        removed = remove_source(session, sub, source_id, via="cli")
        shown = describe(removed)
    console.print(f"Removed the library source {shown} of {sub.email}.", markup=False)
