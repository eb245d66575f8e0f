"""subscribers add|import|delete|feedback (export and list: academichub/cli/roster.py). The library is
imported inside each command (see academichub/cli/main.py)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from academichub.cli import helptext as ht
from academichub.cli.channels import CHANNEL_HELP
from academichub.cli.common import (
    _date,
    _settings,
    console,
    err,
    subscribers_app,
)
from academichub.cli.library import LIBRARY_HELP, OFFLINE_HELP, read_library
from academichub.cli.libsync import (
    ORCID_HELP,
    ZOTERO_COLLECTION_HELP,
    ZOTERO_HELP,
    ZOTERO_KEY_HELP,
    attach_and_sync,
    source_inputs,
)

if TYPE_CHECKING:
    from academichub.settings import Settings


NO_INTERESTS = "no interests"  # add's and import's reason for refusing a reader with nothing to match


def _known_categories(settings: Settings) -> frozenset[str]:
    from academichub.papers.catalogue import bundled_catalogue
    from academichub.papers.plan import choosable
    from academichub.papers.sources import load_sources

    return choosable(load_sources(settings.sources_file), bundled_catalogue())


@subscribers_app.command("add")
def subscribers_add(
    email: str = typer.Argument(..., metavar=ht.EMAIL, help="Email address (case-insensitive, unique)."),
    interests: str | None = typer.Option(
        None,
        "--interests",
        metavar=ht.TEXT,
        help="Free-text research interests, in any language (needed unless --library, --zotero or --orcid is given).",
    ),
    library: Path | None = typer.Option(
        None, "--library", metavar=ht.FILE, help=LIBRARY_HELP + " Replaces the stored library."
    ),
    offline: bool = typer.Option(False, "--offline", help=OFFLINE_HELP),
    zotero: str | None = typer.Option(None, "--zotero", metavar="USER_ID|groups/ID", help=ZOTERO_HELP),
    zotero_key: str | None = typer.Option(
        None, "--zotero-key", metavar="KEY", envvar="ZOTERO_API_KEY", show_envvar=True, help=ZOTERO_KEY_HELP
    ),
    zotero_collection: list[str] | None = typer.Option(
        None, "--zotero-collection", metavar="KEY", help=ZOTERO_COLLECTION_HELP
    ),
    orcid: str | None = typer.Option(None, "--orcid", metavar="ORCID_ID", help=ORCID_HELP),
    lang: str = typer.Option("en", "--lang", metavar=ht.LANG_ANY, help="zh, en or bilingual."),
    name: str = typer.Option("", "--name", metavar=ht.TEXT, help="How the email greets the reader."),
    keywords: str | None = typer.Option(
        None, "--keywords", metavar=ht.LIST, help="Comma-separated keywords that raise a paper's score."
    ),
    exclude: str | None = typer.Option(
        None, "--exclude", metavar=ht.LIST, help="Comma-separated keywords: a paper containing one is never sent."
    ),
    categories: str | None = typer.Option(
        None,
        "--categories",
        metavar=ht.LIST,
        help="Comma-separated filter: only papers from these sources, any key of `academichub sources` "
        "(e.g. math.PR,q-bio.NC,medrxiv.epidemiology,nature-medicine); the day's fetch reads what readers choose.",
    ),
    authors: str | None = typer.Option(
        None, "--authors", metavar=ht.LIST, help="Comma-separated authors to follow (their papers are raised)."
    ),
    tz: str | None = typer.Option(
        None, "--tz", metavar=ht.TIMEZONE, help="IANA time zone, e.g. Asia/Shanghai (default UTC)."
    ),
    hour: int | None = typer.Option(None, "--hour", metavar=ht.HOUR, help="Local delivery hour 0-23 (default 7)."),
    frequency: str | None = typer.Option(None, "--frequency", metavar=ht.FREQUENCY, help="daily or weekly."),
    weekday: str | None = typer.Option(
        None, "--weekday", metavar=ht.WEEKDAY, help="For weekly: mon..sun (default mon)."
    ),
    papers: int | None = typer.Option(None, "--papers", metavar=ht.COUNT, help="Papers per email, 1-30 (default 8)."),
    empty_day: str | None = typer.Option(
        None,
        "--empty-day",
        metavar=ht.EMPTY_DAY,
        help="When nothing matches: short (a short email saying so, default) or none (no email).",
    ),
    pause_until: str | None = typer.Option(
        None,
        "--pause-until",
        metavar=ht.DATE,
        help="Pause emails until this date (YYYY-MM-DD); they resume on that day.",
    ),
    resume: bool = typer.Option(False, "--resume", help="End a pause now."),
    channel: list[str] | None = typer.Option(None, "--channel", metavar=ht.URL, help=CHANNEL_HELP),
    email_on: bool | None = typer.Option(
        None,
        "--email/--no-email",
        help="--no-email: the briefing goes only to the reader's channels (needs at least one); --email: by email too.",
    ),
    resubscribe: bool = typer.Option(
        False,
        "--resubscribe",
        help="Subscribe again an address that unsubscribed, bounced or complained (only at their request); "
        "without it, such an address is refused and nothing changes.",
    ),
) -> None:
    """Add a subscriber, or update the one with that address (one who left only with --resubscribe);
    --channel sends the briefing to chat too; --zotero/--orcid sync their own papers (daily)."""
    from sqlmodel import select

    from academichub.db import open_database, session_scope
    from subscribers.channels import add_channel, channels_of, set_email_enabled, validate_channel
    from subscribers.consent import check_may_update
    from subscribers.consent import resubscribe as make_active
    from subscribers.expand import expand_if_needed, interests_are_english
    from subscribers.library import set_library
    from subscribers.models import Subscriber
    from subscribers.service import ProfileInput, SubscriberError, normalise_email, split_list, upsert_subscriber

    sources = source_inputs(zotero, zotero_key, zotero_collection, orcid)  # checked before any change
    if not (interests or "").strip() and library is None and not sources:
        raise typer.BadParameter(
            NO_INTERESTS + ": give --interests TEXT (or --library FILE, --zotero USER_ID, --orcid ID)",
            param_hint="--interests",
        )
    settings = _settings()
    for url in channel or []:  # every channel is checked before anything is stored
        validate_channel(url, allow_private=True)
    engine = open_database(settings)
    with session_scope(engine) as session:
        returning = check_may_update(session, email, resubscribe=resubscribe)  # before any change
    rows = read_library(settings, engine, library, offline) if library is not None else None  # before any change
    paused_until = _date(pause_until) if pause_until else None
    data = ProfileInput(
        interests=interests,
        language=lang,
        name=name or None,
        keywords=split_list(keywords) if keywords is not None else None,
        exclude=split_list(exclude) if exclude is not None else None,
        categories=split_list(categories) if categories is not None else None,
        authors=split_list(authors) if authors is not None else None,
        timezone=tz,
        delivery_hour=hour,
        frequency=frequency,
        weekly_day=weekday,
        papers_per_email=papers,
        empty_day=empty_day,
        paused_until=paused_until,
        resume=resume,
        known_categories=_known_categories(settings) if categories else frozenset(),
    )
    data.validate()
    with session_scope(engine) as session:
        if email_on is False and not channel:
            known = session.exec(select(Subscriber).where(Subscriber.email == normalise_email(email))).first()
            if known is None or not channels_of(session, known.key, active_only=True):
                raise SubscriberError("--no-email needs a channel: add one with --channel URL")
        sub, profile, created = upsert_subscriber(session, email, data)
        for url in channel or []:
            add_channel(session, sub, url, via="cli", allow_private=True)
        if email_on is not None:
            set_email_enabled(session, sub, email_on, via="cli")
        note = expand_if_needed(settings, session, profile)
        held = set_library(session, sub, profile, rows, via="cli") if rows is not None else None
        if returning is not None:
            make_active(session, sub, via="cli --resubscribe")
        count = len(channels_of(session, sub.key, active_only=True))
    done = "Added" if created else "Re-subscribed" if returning is not None else "Updated"
    console.print(f"{done} {sub.email} ({sub.language}).", markup=False)
    if held is not None:
        console.print(f"Their library holds {held} paper(s).", markup=False)
    if count:
        console.print(
            f"{count} channel(s)"
            + ("" if sub.email_enabled else ", no email")
            + ": `academichub subscribers channel list` shows them.",
            markup=False,
        )
    if note:
        console.print(note, markup=False)
    attach_and_sync(settings, engine, sub.email, None, sources)
    if interests and not interests_are_english(interests) and not profile.expanded and not profile.keywords:
        console.print(
            "Note: without an LLM configured, Chinese interests match through a research-term glossary "
            "and other languages only through the English words you include: add English keywords with "
            "--keywords for terms the glossary lacks."
        )


@subscribers_app.command("import")
def subscribers_import(
    path: Path = typer.Argument(
        ...,
        metavar=ht.FILE,
        help="CSV with columns email, interests[, language, name, keywords, exclude, categories, authors, "
        "timezone, hour, frequency, weekday, papers, radars]; list cells are ;-separated; radars (the reader's "
        "other radars, as `subscribers export` writes them) is a JSON list.",
    ),
) -> None:
    """Import subscribers from a CSV file; existing addresses are updated, bad rows reported."""
    from academichub.db import open_database, session_scope
    from academichub.papers.ingest import InputError
    from subscribers.expand import expand_if_needed
    from subscribers.radars import checked_radars, import_radars
    from subscribers.service import ProfileInput, SubscriberError, split_list, upsert_subscriber

    if not path.is_file():
        raise InputError(f"no such file: {path}")
    settings = _settings()
    known = _known_categories(settings)
    engine = open_database(settings)
    added = updated = 0
    problems = []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); save the CSV as UTF-8") from None
    with session_scope(engine) as session:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            columns = reader.fieldnames
        except csv.Error as exc:
            raise InputError(f"{path}: the first row cannot be read: {exc}") from None
        if not columns or "email" not in columns:
            raise InputError(f"{path}: the first row must name the columns, including 'email' and 'interests'")
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # a broken row (a NUL byte, a runaway quote): reported, the rest go on
                problems.append(f"line {reader.line_num}: {exc}")
                continue
            line = reader.line_num

            def cell(name: str, row: dict = row) -> str | None:
                value = (row.get(name) or "").strip()
                return value or None

            try:
                interests = cell("interests")
                if interests is None and not _has_library(session, row.get("email") or ""):
                    raise SubscriberError(
                        NO_INTERESTS + ": give interests (or a library: `subscribers add EMAIL --library FILE`)"
                    )
                data = ProfileInput(
                    interests=interests,  # None: a reader with a library keeps what they have
                    language=cell("language") or "en",
                    name=cell("name"),
                    keywords=split_list(cell("keywords")) if cell("keywords") else None,
                    exclude=split_list(cell("exclude")) if cell("exclude") else None,
                    categories=split_list(cell("categories")) if cell("categories") else None,
                    authors=split_list(cell("authors")) if cell("authors") else None,
                    timezone=cell("timezone"),
                    delivery_hour=int(hour) if (hour := cell("hour")) else None,
                    frequency=cell("frequency"),
                    weekly_day=cell("weekday"),
                    papers_per_email=int(papers) if (papers := cell("papers")) else None,
                    known_categories=known,
                )
                extra = checked_radars(_extra_radars(cell("radars")), known)  # all checked before anything is stored
                sub, profile, created = upsert_subscriber(session, row.get("email") or "", data)
                note = expand_if_needed(settings, session, profile)
                for radar in import_radars(session, sub, extra, via="import"):
                    expand_if_needed(settings, session, radar)
                if note and note.startswith("Saved, but"):
                    problems.append(f"line {line}: {note}")
            except (SubscriberError, ValueError) as exc:
                session.rollback()
                problems.append(f"line {line}: {exc}")
                continue
            added += created
            updated += not created
    console.print(f"Imported {added} new and updated {updated} subscriber(s).")
    for p in problems:
        err.print(f"  skipped {p}", markup=False)
    if problems:
        raise typer.Exit(1)


def _has_library(session, email: str) -> bool:
    """Whether the address is a stored reader whose first radar holds a library or synced sources (their
    row may leave interests empty, as `subscribers export` writes it)."""
    from sqlmodel import col, select

    from subscribers.library import library_of
    from subscribers.libsources import sources_of
    from subscribers.models import InterestProfile, Subscriber
    from subscribers.service import SubscriberError, normalise_email

    try:
        address = normalise_email(email)
    except SubscriberError:
        return False  # the row's bad address is reported by upsert_subscriber
    sub = session.exec(select(Subscriber).where(Subscriber.email == address)).first()
    if sub is None:
        return False
    profile = session.exec(
        select(InterestProfile).where(InterestProfile.subscriber_id == sub.key).order_by(col(InterestProfile.id))
    ).first()
    return bool(library_of(profile)) or bool(sources_of(session, sub.key))


def _extra_radars(cell: str | None) -> list:
    """The `radars` column: a JSON list of radar objects (name, interests, keywords, ...), or empty."""
    from subscribers.service import SubscriberError

    if not cell:
        return []
    try:
        value = json.loads(cell)
    except json.JSONDecodeError as exc:
        raise SubscriberError(f"radars: not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise SubscriberError("radars: a JSON list of objects with name, interests, keywords, ...")
    return value


@subscribers_app.command("delete")
def subscribers_delete(
    email: str = typer.Argument(..., metavar=ht.EMAIL, help="The address whose data is removed."),
    yes: bool = typer.Option(False, "--yes", help="Do it (without this, only say what would be removed)."),
) -> None:
    """Delete a subscriber and all their data (profile, feedback, change record, delivery ledger)."""
    from academichub.db import open_database, session_scope
    from subscribers.service import delete_subscriber, get_subscriber

    engine = open_database(_settings())
    with session_scope(engine) as session:
        sub, _profile = get_subscriber(session, email)
        if not yes:
            console.print(f"Would delete {sub.email} and all their data; run again with --yes to do it.", markup=False)
            raise typer.Exit(1)
        delete_subscriber(session, sub)
    console.print(f"Deleted {email.strip().lower()} and all their data.", markup=False)


@subscribers_app.command("feedback")
def subscribers_feedback(
    email: str = typer.Argument(..., metavar=ht.EMAIL, help="The subscriber's address."),
    paper_id: str = typer.Argument(..., metavar=ht.PAPER_ID, help="Paper id, e.g. 2606.12345 or doi:10.1101/..."),
    like: bool = typer.Option(False, "--like", help="More like this."),
    dislike: bool = typer.Option(False, "--dislike", help="Less like this."),
    undo: bool = typer.Option(False, "--undo", help="Remove this paper's like or dislike."),
    radar: str | None = typer.Option(
        None,
        "--radar",
        metavar=ht.NAME,
        help="The radar the vote trains (default: the first; see `subscribers radar list`).",
    ),
) -> None:
    """Record a like or dislike (what the 👍/👎 links in the email do): it moves tomorrow's ranking; --undo
    reverses it."""
    from academichub.db import open_database, session_scope
    from academichub.models import Paper
    from academichub.papers.ingest import InputError
    from subscribers.radars import find_radar, set_feedback
    from subscribers.service import get_subscriber

    if like + dislike + undo != 1:
        raise typer.BadParameter("give exactly one of --like, --dislike, --undo")
    engine = open_database(_settings())
    with session_scope(engine) as session:
        sub, _ = get_subscriber(session, email)
        if session.get(Paper, paper_id) is None:
            raise InputError(f"no paper with the id {paper_id!r} (ids look like 2606.12345 or doi:10.1101/...)")
        radar_id = find_radar(session, sub, radar).id if radar else None
        set_feedback(session, sub.key, paper_id, 1 if like else -1 if dislike else 0, radar_id)
    console.print(
        f"{'Liked' if like else 'Disliked' if dislike else 'Removed feedback on'} {paper_id} for {sub.email}.",
        markup=False,
    )
