"""``academichub`` command line: a thin layer over the flows and the store."""

from __future__ import annotations

import csv
import json
import os
import sys
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from academichub.briefing.compose import word_reasons
from academichub.db import DatabaseError, open_database, session_scope
from academichub.delivery import ledger
from academichub.papers import store
from academichub.papers.ingest import InputError, collect_paths
from academichub.papers.sources import SourceConfigError, known_facets, load_sources
from academichub.papers.views import paper_facts_from
from academichub.settings import SAMPLE_DAY_DATE, SAMPLE_DAY_DIR, Settings, SettingsError, load_settings
from subscribers.expand import expand_if_needed, interests_are_english
from subscribers.service import (
    ProfileInput,
    SubscriberError,
    all_subscribers,
    changes_of,
    count_subscribers,
    delete_subscriber,
    feedback_for,
    get_subscriber,
    split_list,
    subscriber_record,
    upsert_subscriber,
)

app = typer.Typer(
    help="AcademicHub: a personalised daily research briefing. Reads the day's papers, matches them to each "
    "subscriber and writes briefing emails (to an outbox folder unless SES is configured).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
subscribers_app = typer.Typer(help="Add, import, export and list subscribers.", no_args_is_help=True)
app.add_typer(subscribers_app, name="subscribers")
console = Console(soft_wrap=True)
err = Console(stderr=True)

FROM_HELP = "Read saved feed responses (files or folders; repeat --from for several) instead of fetching the configured sources. The format is recognised from the content."
DATE_HELP = "Edition date YYYY-MM-DD (default: today in ACADEMICHUB_EDITION_TIMEZONE)."

SAMPLE_SUBSCRIBERS = [
    # example.org addresses: nothing is ever sent to them.
    {
        "email": "lin.wei@example.org",
        "name": "林薇",
        "language": "zh",
        "interests": "大语言模型的安全与对齐：提示注入、越狱攻击、智能体的工具使用与权限。",
        "keywords": ["LLM safety", "prompt injection", "jailbreak", "alignment", "agents", "tool use", "privilege"],
    },
    {
        "email": "ada.researcher@example.org",
        "name": "Ada",
        "language": "en",
        "interests": "quantum machine learning, variational quantum circuits, Rydberg atom simulators, and "
        "interpretable machine learning for clinical prediction",
        "keywords": ["quantum", "clinical"],
    },
]


def _settings() -> Settings:
    return load_settings()


def _day(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None
    return value


def _check_paths(paths: list[Path] | None) -> list[str] | None:
    if not paths:
        return None
    collect_paths(list(paths))  # fails early with a clear message for a missing path
    return [str(p) for p in paths]


# --- ingest / papers ------------------------------------------------------------------------


@app.command()
def ingest(
    from_: list[Path] | None = typer.Option(None, "--from", help=FROM_HELP),
    date_: str | None = typer.Option(None, "--date", help=DATE_HELP),
    json_: bool = typer.Option(False, "--json", help="Print the ingest report as JSON."),
) -> None:
    """Fetch (or read) the day's papers: parse, normalise, deduplicate and store them."""
    from academichub.papers.report import ingest_markdown
    from flows.ingest import ingest_flow

    report = ingest_flow(from_paths=_check_paths(from_), date_=_day(date_))
    if json_:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        console.print(ingest_markdown(report), markup=False, highlight=False)
    if report.failed and len(report.failed) == len(report.sources):
        err.print(
            "[yellow]Every source failed, so nothing new was stored. Without network access, read saved "
            "responses with `academichub ingest --from FOLDER`, or try `academichub demo`.[/yellow]"
        )
    elif report.failed:
        err.print(f"[yellow]{len(report.failed)} source(s) failed; the others were stored.[/yellow]")


def paper_json(paper, label: str) -> dict:
    return {
        "id": paper.id,
        "title": paper.title,
        "authors": paper.authors,
        "abstract": paper.abstract,
        "source": label or (paper.source_labels[0] if paper.source_labels else ""),
        "sources": paper.source_labels,
        "categories": paper.categories,
        "url": paper.abs_url or paper.doi_url,
        "pdf_url": paper.pdf_url,
        "doi": paper.doi,
        "journal_ref": paper.journal_ref,
        "published": paper.published.isoformat() if paper.published else None,
        "kind": paper.kind,
        "announce_type": paper.announce_type,
        "arxiv_version": paper.arxiv_version,
    }


def _edition(settings: Settings, date_: str | None, engine=None):
    engine = engine or open_database(settings)
    with session_scope(engine) as session:
        day = date.fromisoformat(date_) if date_ else store.latest_edition_date(session)
        if day is None:
            return None, []
        return day, store.edition_papers(session, day)


@app.command()
def papers(
    json_: bool = typer.Option(
        False,
        "--json",
        help="Print JSON objects (id, title, authors, abstract, source, categories, url, published, kind, ...).",
    ),
    date_: str | None = typer.Option(None, "--date", help="Edition date (default: the latest edition)."),
) -> None:
    """List the papers of the latest edition (or of --date)."""
    day, rows = _edition(_settings(), _day(date_))
    if json_:
        print(json.dumps([paper_json(p, label) for p, label in rows], ensure_ascii=False, indent=2))
        return
    if day is None:
        err.print("No edition yet: run `academichub ingest` (or `academichub ingest --from FOLDER`) first.")
        raise typer.Exit(1)
    table = Table(title=f"Edition {day.isoformat()}: {len(rows)} papers", show_lines=False)
    for col in ("#", "source", "date", "title", "kind"):
        table.add_column(col, overflow="fold")
    for i, (p, label) in enumerate(rows, 1):
        table.add_row(f"{i:02d}", label, p.published.isoformat() if p.published else "", p.title, p.kind)
    console.print(table)


def _matches(settings: Settings, date_: str | None, spec):
    """Rank an edition exactly as the daily run does (same edition loader, themes and matcher)."""
    from academichub.editions.edition import read_edition
    from academichub.matching.profiles import build_matcher

    engine = open_database(settings)
    with session_scope(engine) as session:
        day = date.fromisoformat(date_) if date_ else store.latest_edition_date(session)
    if day is None:
        return None, {}, []
    edition = read_edition(engine, day, settings.corpus_days)
    found = build_matcher(engine, edition, settings.representation).match([spec], min_score=settings.min_score)[
        spec.key
    ]
    return day, {pid: card.title for pid, card in edition.cards.items()}, found


@app.command()
def match(
    interests: str | None = typer.Option(
        None,
        "--interests",
        help="Free-text interests (an ad-hoc profile). TF-IDF matches English words: add English keywords to non-English interests.",
    ),
    subscriber: str | None = typer.Option(
        None, "--subscriber", help="Rank for a stored subscriber's profile instead (email address)."
    ),
    lang: str = typer.Option("en", "--lang", help="zh or en: the language of the reasons."),
    top: int = typer.Option(8, "--top", min=1, max=100, help="How many papers at most."),
    json_: bool = typer.Option(False, "--json", help="Print JSON objects (id, title, score, reasons)."),
    date_: str | None = typer.Option(None, "--date", help="Edition date (default: the latest edition)."),
) -> None:
    """Rank the latest edition for an ad-hoc interest profile (--interests) or a subscriber (--subscriber)."""
    from academichub.matching.match import ProfileSpec
    from academichub.matching.profiles import profile_spec

    if lang not in ("zh", "en"):
        raise typer.BadParameter("--lang must be zh or en")
    if (interests is None) == (subscriber is None):
        raise typer.BadParameter("give either --interests TEXT or --subscriber EMAIL")
    settings = _settings()
    if subscriber:
        engine = open_database(settings)
        with session_scope(engine) as session:
            sub, profile = get_subscriber(session, subscriber)
            fb = feedback_for(session, [sub.id]).get(sub.id, {})
            texts = store.paper_texts(session, list(fb))
        spec = profile_spec(sub, profile, fb, texts)
        spec.top_n = top
    else:
        spec = ProfileSpec(key="query", interests=interests, top_n=top)
    day, titles, found = _matches(settings, _day(date_), spec)
    if not interests_are_english(spec.text) and not found:
        err.print(
            "Note: interests not written in English need English keywords too (no LLM is configured to translate them)."
        )
    if json_:
        print(
            json.dumps(
                [
                    {
                        "id": m.paper_id,
                        "title": titles[m.paper_id],
                        "score": m.score,
                        "reasons": word_reasons(m.reasons, lang),
                    }
                    for m in found
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    table = Table(title=f"Best matches in edition {day}" if day else "No edition yet")
    for col in ("score", "title", "why"):
        table.add_column(col, overflow="fold")
    for m in found:
        table.add_row(f"{m.score:.3f}", titles[m.paper_id], "; ".join(word_reasons(m.reasons, lang)))
    console.print(table)


@app.command()
def themes(
    json_: bool = typer.Option(
        False, "--json", help="Print JSON objects (id, label, papers, categories, fields, cross_domain, sources)."
    ),
    date_: str | None = typer.Option(None, "--date", help="Edition date (default: the latest edition)."),
) -> None:
    """Group the latest edition into themes; themes that span fields are marked cross-domain."""
    from academichub.editions.caches import DbEmbeddingCache
    from academichub.editions.themes import find_themes
    from academichub.editions.vectorise import MODEL_NAME

    settings = _settings()
    engine = open_database(settings)
    day, rows = _edition(settings, _day(date_), engine)
    facts = [paper_facts_from(p) for p, _ in rows]
    cache = DbEmbeddingCache(engine, MODEL_NAME)
    found = find_themes(facts, labels_by_id={p.id: list(p.source_labels) for p, _ in rows}, cache=cache)
    titles = {p.id: p.title for p, _ in rows}
    if json_:
        print(json.dumps([t.as_dict() for t in found], ensure_ascii=False, indent=2))
        return
    if day is None:
        err.print("No edition yet: run `academichub ingest` first.")
        raise typer.Exit(1)
    console.print(
        f"Edition {day}: {len(found)} themes over {sum(len(t.paper_ids) for t in found)} of {len(rows)} papers"
    )
    for t in found:
        mark = "  [cross-domain: " + " + ".join(t.fields) + "]" if t.cross_domain else ""
        console.print(
            f"\n{t.id}. {', '.join(t.label)}{mark}  ({', '.join(t.categories) or '-'})", markup=False, highlight=False
        )
        for pid in t.paper_ids:
            console.print(f"   - {titles[pid]}", markup=False, highlight=False)


# --- run / demo -------------------------------------------------------------------------------


def _run(paths: list[str] | None, date_: str | None, dry_run: bool) -> None:
    from flows.daily import daily_flow

    report = daily_flow(from_paths=paths, date_=date_, dry_run=dry_run)
    ing = report.ingest
    if ing:
        console.print(
            f"Ingested {sum(s.items for s in ing.sources)} items from {len(ing.sources)} source(s): "
            f"{ing.new_papers} new papers, edition {report.edition_date} has {report.edition_size}."
        )
        for s in ing.sources:
            if s.health in ("failed", "suspect", "no_announcement"):
                console.print(f"  {s.key}: {s.health} — {s.note or s.error}", markup=False)
    if report.llm and report.llm.model:
        L = report.llm
        cost = f", about ${L.cost_usd:.4f}" if L.cost_usd is not None else ""
        fb = ", ".join(f"{k} {v}" for k, v in sorted(L.fallbacks.items())) or "none"
        console.print(
            f"LLM {L.model}: {L.calls} calls, {L.prompt_tokens + L.completion_tokens} tokens{cost}; fallbacks: {fb}.",
            markup=False,
        )
    if not report.deliveries:
        console.print("No active subscribers: add one with `academichub subscribers add EMAIL --interests TEXT`.")
        return
    if dry_run:
        console.print(f"Rendered (dry run, nothing written or sent) {len(report.deliveries)} briefing(s):")
    else:
        states: dict[str, int] = {}
        for d in report.deliveries:
            states[d.state] = states.get(d.state, 0) + 1
        console.print(
            f"Wrote {states.get('sent', 0)} briefing(s)"
            + "".join(f", {v} {k}" for k, v in sorted(states.items()) if k != "sent")
            + ":"
        )
    for d in report.deliveries:
        extra = d.path or (f"{d.state}: {d.reason}" if d.reason else d.state)
        console.print(f"  {d.email} ({d.language}, {d.papers} papers) {extra}", markup=False, highlight=False)
    if report.outbox and not dry_run:
        console.print(
            f"Open the emails: {Path(report.outbox).resolve()}/*.html (or the .eml files in a mail client)",
            markup=False,
        )


@app.command()
def run(
    from_: list[Path] | None = typer.Option(None, "--from", help=FROM_HELP),
    date_: str | None = typer.Option(None, "--date", help=DATE_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help="Render every briefing but write or send nothing."),
) -> None:
    """Run the whole day: ingest, build the edition, match each subscriber, compose and deliver."""
    _run(_check_paths(from_), _day(date_), dry_run)


@app.command()
def demo() -> None:
    """The embedded demo: the bundled sample day, two sample subscribers (only if there are none), emails in the outbox."""
    settings = _settings()
    engine = open_database(settings)
    with session_scope(engine) as session:
        if count_subscribers(session) == 0:
            for sample in SAMPLE_SUBSCRIBERS:
                upsert_subscriber(
                    session,
                    sample["email"],
                    ProfileInput(
                        interests=sample["interests"],
                        language=sample["language"],
                        name=sample["name"],
                        keywords=sample["keywords"],
                    ),
                )
            console.print("Added two sample subscribers (one Chinese, one English).")
    os.environ["ACADEMICHUB_MAIL_BACKEND"] = "outbox"  # the demo's addresses are example.org: never send them
    _run([str(SAMPLE_DAY_DIR)], SAMPLE_DAY_DATE, False)


# --- subscribers --------------------------------------------------------------------------------


def _known_categories(settings: Settings) -> frozenset[str]:
    return known_facets(load_sources(settings.sources_file))


@subscribers_app.command("add")
def subscribers_add(
    email: str = typer.Argument(..., help="Email address (case-insensitive, unique)."),
    interests: str = typer.Option(..., "--interests", help="Free-text research interests, in any language."),
    lang: str = typer.Option("en", "--lang", help="zh, en or bilingual."),
    name: str = typer.Option("", "--name", help="How the email greets the reader."),
    keywords: str | None = typer.Option(
        None, "--keywords", help="Comma-separated keywords that raise a paper's score."
    ),
    exclude: str | None = typer.Option(
        None, "--exclude", help="Comma-separated keywords: a paper containing one is never sent."
    ),
    categories: str | None = typer.Option(
        None,
        "--categories",
        help="Comma-separated filter: only papers from these arXiv categories or sources (e.g. cs.CL,quant-ph,medrxiv).",
    ),
    authors: str | None = typer.Option(
        None, "--authors", help="Comma-separated authors to follow (their papers are raised)."
    ),
    tz: str | None = typer.Option(None, "--tz", help="IANA time zone, e.g. Asia/Shanghai (default UTC)."),
    hour: int | None = typer.Option(None, "--hour", help="Local delivery hour 0-23 (default 7)."),
    frequency: str | None = typer.Option(None, "--frequency", help="daily or weekly."),
    weekday: str | None = typer.Option(None, "--weekday", help="For weekly: mon..sun (default mon)."),
    papers: int | None = typer.Option(None, "--papers", help="Papers per email, 1-30 (default 8)."),
    empty_day: str | None = typer.Option(
        None, "--empty-day", help="When nothing matches: short (a short email saying so, default) or none (no email)."
    ),
    pause_until: str | None = typer.Option(
        None, "--pause-until", help="Pause emails until this date (YYYY-MM-DD); they resume on that day."
    ),
    resume: bool = typer.Option(False, "--resume", help="End a pause now."),
) -> None:
    """Add a subscriber, or update the one with that address."""
    settings = _settings()
    paused_until = date.fromisoformat(_day(pause_until)) if pause_until else None
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
    engine = open_database(settings)
    with session_scope(engine) as session:
        sub, profile, created = upsert_subscriber(session, email, data)
        note = expand_if_needed(settings, session, profile)
    console.print(f"{'Added' if created else 'Updated'} {sub.email} ({sub.language}).", markup=False)
    if note:
        console.print(note, markup=False)
    if not interests_are_english(interests) and not profile.expanded and not profile.keywords:
        console.print(
            "Note: without an LLM configured, interests not written in English match only through the "
            "English words you include: add English keywords with --keywords."
        )


@subscribers_app.command("import")
def subscribers_import(
    path: Path = typer.Argument(
        ...,
        help="CSV with columns email, interests[, language, name, keywords, exclude, categories, authors, timezone, hour, frequency, weekday, papers]; list cells are ;-separated.",
    ),
) -> None:
    """Import subscribers from a CSV file; existing addresses are updated, bad rows reported."""
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    settings = _settings()
    known = _known_categories(settings)
    engine = open_database(settings)
    added = updated = 0
    problems = []
    with path.open(newline="", encoding="utf-8-sig") as fh, session_scope(engine) as session:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "email" not in reader.fieldnames:
            raise InputError(f"{path}: the first row must name the columns, including 'email' and 'interests'")
        for line, row in enumerate(reader, 2):

            def cell(name):
                value = (row.get(name) or "").strip()
                return value or None

            try:
                data = ProfileInput(
                    interests=cell("interests") or "",
                    language=cell("language") or "en",
                    name=cell("name"),
                    keywords=split_list(cell("keywords")) if cell("keywords") else None,
                    exclude=split_list(cell("exclude")) if cell("exclude") else None,
                    categories=split_list(cell("categories")) if cell("categories") else None,
                    authors=split_list(cell("authors")) if cell("authors") else None,
                    timezone=cell("timezone"),
                    delivery_hour=int(cell("hour")) if cell("hour") else None,
                    frequency=cell("frequency"),
                    weekly_day=cell("weekday"),
                    papers_per_email=int(cell("papers")) if cell("papers") else None,
                    known_categories=known,
                )
                _, profile, created = upsert_subscriber(session, row.get("email") or "", data)
                note = expand_if_needed(settings, session, profile)
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


@subscribers_app.command("export")
def subscribers_export(
    email: str | None = typer.Argument(None, help="One person's data (JSON), or everyone when omitted."),
    json_: bool = typer.Option(False, "--json", help="JSON instead of CSV (for everyone)."),
) -> None:
    """Write subscribers to standard output: CSV (import-compatible) or JSON; with EMAIL, that person's data."""
    engine = open_database(_settings())
    with session_scope(engine) as session:
        if email:
            sub, profile = get_subscriber(session, email)
            record = subscriber_record(sub, profile)
            record["feedback"] = feedback_for(session, [sub.id]).get(sub.id, {})
            record["changes"] = [
                {"at": c.at.isoformat(), "via": c.via, "changes": c.changes} for c in changes_of(session, sub.id)
            ]
            record["deliveries"] = [
                {
                    "edition": d.edition_date.isoformat(),
                    "state": d.state,
                    "reason": d.reason,
                    "message_id": d.message_id,
                }
                for d, _ in ledger.rows_for_subscriber(session, sub.id)
            ]
            print(json.dumps(record, ensure_ascii=False, indent=2))
            return
        rows = [subscriber_record(s, p) for s, p in all_subscribers(session)]
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
            }
        )


@subscribers_app.command("delete")
def subscribers_delete(
    email: str = typer.Argument(..., help="The address whose data is removed."),
    yes: bool = typer.Option(False, "--yes", help="Do it (without this, only say what would be removed)."),
) -> None:
    """Delete a subscriber and all their data (profile, feedback, change record, delivery ledger)."""
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
    email: str = typer.Argument(..., help="The subscriber's address."),
    paper_id: str = typer.Argument(..., help="Paper id, e.g. 2606.12345 or doi:10.1101/..."),
    like: bool = typer.Option(False, "--like", help="More like this."),
    dislike: bool = typer.Option(False, "--dislike", help="Less like this."),
    undo: bool = typer.Option(False, "--undo", help="Remove this paper's like or dislike."),
) -> None:
    """Record a like or dislike (what the 👍/👎 links in the email do): it moves tomorrow's ranking; --undo reverses it."""
    from academichub.models import Paper
    from subscribers.service import set_feedback

    if like + dislike + undo != 1:
        raise typer.BadParameter("give exactly one of --like, --dislike, --undo")
    engine = open_database(_settings())
    with session_scope(engine) as session:
        sub, _ = get_subscriber(session, email)
        if session.get(Paper, paper_id) is None:
            raise InputError(f"no paper with the id {paper_id!r} (ids look like 2606.12345 or doi:10.1101/...)")
        set_feedback(session, sub.id, paper_id, 1 if like else -1 if dislike else 0)
    console.print(
        f"{'Liked' if like else 'Disliked' if dislike else 'Removed feedback on'} {paper_id} for {sub.email}.",
        markup=False,
    )


@subscribers_app.command("list")
def subscribers_list() -> None:
    """List subscribers with their language, schedule, status and interests."""
    engine = open_database(_settings())
    with session_scope(engine) as session:
        subs = all_subscribers(session)
    table = Table(title=f"{len(subs)} subscriber(s)")
    for col in ("email", "name", "lang", "schedule", "status", "interests"):
        table.add_column(col, overflow="fold")
    for s, p in subs:
        when = f"{s.frequency}{' ' + s.weekly_day if s.frequency == 'weekly' else ''} {s.delivery_hour:02d}:00 {s.timezone}"
        table.add_row(s.email, s.name, s.language, when, s.status, p.interests)
    console.print(table)


deliveries_app = typer.Typer(help="The delivery ledger: who was sent which edition.", invoke_without_command=True)
app.add_typer(deliveries_app, name="deliveries")


@deliveries_app.callback()
def deliveries(
    ctx: typer.Context,
    date_: str | None = typer.Option(None, "--date", help="Edition date (default: all dates)."),
    stuck: bool = typer.Option(
        False, "--stuck", help="Only rows left in 'sending' by a crash: their outcome is unknown."
    ),
    json_: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """List deliveries (queued, sending, sent with the provider's message id, failed, skipped)."""

    if ctx.invoked_subcommand:
        return
    engine = open_database(_settings())
    with session_scope(engine) as session:
        day = date.fromisoformat(_day(date_)) if date_ else None
        rows = ledger.rows_for(session, day, state="sending" if stuck else None)
    records = [
        {
            "email": e,
            "edition": d.edition_date.isoformat(),
            "state": d.state,
            "attempts": d.attempts,
            "message_id": d.message_id,
            "reason": d.reason,
        }
        for d, e in rows
    ]
    if json_:
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(records)} {'stuck ' if stuck else ''}deliver{'y' if len(records) == 1 else 'ies'}")
    for col in ("edition", "email", "state", "attempts", "message id / reason"):
        table.add_column(col, overflow="fold")
    for r in records:
        table.add_row(r["edition"], r["email"], r["state"], str(r["attempts"]), r["message_id"] or r["reason"] or "")
    console.print(table)
    if stuck and records:
        console.print(
            "Their outcome is unknown (the sender stopped mid-send). Check the provider, then "
            "`academichub deliveries resend --date D` sends them again on purpose."
        )


@deliveries_app.command("resend")
def deliveries_resend(
    date_: str = typer.Option(..., "--date", help="Edition date of the stuck deliveries."),
    email: list[str] | None = typer.Option(
        None, "--email", help="Only these addresses (repeat); default: every stuck one."
    ),
) -> None:
    """Send stuck deliveries of a day again, on purpose (they may have arrived once already)."""
    from flows.daily import daily_flow

    day = _day(date_)
    engine = open_database(_settings())
    with session_scope(engine) as session:
        addresses = ledger.requeue(session, date.fromisoformat(day), [e.lower() for e in email] if email else None)
    if not addresses:
        console.print(f"No stuck deliveries for {day}.")
        return
    console.print(f"Re-queued {len(addresses)}: {', '.join(addresses)}", markup=False)
    report = daily_flow(date_=day, skip_ingest=True)
    sent = [d.email for d in report.deliveries if d.state == "sent"]
    console.print(f"Sent {len(sent)}: {', '.join(sent) or '-'}", markup=False)


@app.command()
def events() -> None:
    """Read SES bounce and complaint events (SNS -> SQS queue in ACADEMICHUB_SES_EVENTS_QUEUE_URL): hard bounces and complaints are never emailed again."""
    from flows.events import process_ses_events

    r = process_ses_events()
    console.print(
        f"{r.received} event(s): {len(r.bounced)} hard bounce(s), {len(r.complained)} complaint(s), "
        f"{r.ignored} ignored, {r.unparseable} unparseable (left in the queue).",
        markup=False,
    )


USER_ERRORS = (InputError, SubscriberError, DatabaseError, SourceConfigError, SettingsError)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(
        1, "--workers", help="Worker processes (use a redis:// ACADEMICHUB_RATE_LIMIT_STORAGE with more than one)."
    ),
) -> None:
    """The web app: sign-up, preferences, unsubscribe (incl. RFC 8058 one-click), feedback, and the edition pages."""
    import uvicorn

    settings = _settings()
    if settings.uses_placeholder_secret:
        console.print(
            "Note: links are signed with the embedded demo secret; set ACADEMICHUB_SECRET_KEY for anything public.",
            markup=False,
        )
    console.print(f"AcademicHub on http://{host}:{port}/ (links in emails point to {settings.base_url})", markup=False)
    if workers > 1:
        uvicorn.run(
            "academichub.web.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )
    else:
        from academichub.web.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


def main() -> None:
    try:
        app()
    except USER_ERRORS as exc:
        err.print(f"[bold red]error:[/bold red] {exc}", highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # nothing a user does shows a stack trace
        if os.environ.get("ACADEMICHUB_DEBUG"):
            raise
        err.print(
            f"[bold red]unexpected error:[/bold red] {exc.__class__.__name__}: {exc}\n"
            "Set ACADEMICHUB_DEBUG=1 to see the traceback, and please report it.",
            highlight=False,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
