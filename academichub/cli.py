"""``academichub`` command line: a thin layer over the flows and the store."""

from __future__ import annotations

import csv
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from academichub import store
from academichub.db import DatabaseError, open_database, session_scope
from academichub.settings import SAMPLE_DAY_DATE, SAMPLE_DAY_DIR, Settings, load_settings
from flows.ingest import InputError, collect_paths
from flows.compose import word_reasons
from flows.rank import PaperText, rank
from flows.sources import SourceConfigError
from subscribers.service import SubscriberError, active_subscribers, count_subscribers, upsert_subscriber

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
    # (email, name, language, interests) — example.org addresses: nothing is ever sent to them.
    ("lin.wei@example.org", "林薇", "zh",
     "大语言模型的安全与对齐：提示注入、越狱、智能体工具使用。English keywords: LLM safety, prompt injection, "
     "jailbreak, alignment, agents, tool use, privilege"),
    ("ada.researcher@example.org", "Ada", "en",
     "quantum machine learning, variational quantum circuits, Rydberg atom simulators, and interpretable "
     "machine learning for clinical prediction"),
]


def _settings() -> Settings:
    return load_settings()


def _day(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None
    return value


def _check_paths(paths: Optional[list[Path]]) -> Optional[list[str]]:
    if not paths:
        return None
    collect_paths(list(paths))  # fails early with a clear message for a missing path
    return [str(p) for p in paths]


# --- ingest / papers ------------------------------------------------------------------------


@app.command()
def ingest(
    from_: Optional[list[Path]] = typer.Option(None, "--from", help=FROM_HELP),
    date_: Optional[str] = typer.Option(None, "--date", help=DATE_HELP),
    json_: bool = typer.Option(False, "--json", help="Print the ingest report as JSON."),
) -> None:
    """Fetch (or read) the day's papers: parse, normalise, deduplicate and store them."""
    from flows.ingest import ingest_flow
    from flows.report import ingest_markdown

    report = ingest_flow(from_paths=_check_paths(from_), date_=_day(date_))
    if json_:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        console.print(ingest_markdown(report), markup=False, highlight=False)
    if report.failed and len(report.failed) == len(report.sources):
        err.print("[yellow]Every source failed, so nothing new was stored. Without network access, read saved "
                  "responses with `academichub ingest --from FOLDER`, or try `academichub demo`.[/yellow]")
    elif report.failed:
        err.print(f"[yellow]{len(report.failed)} source(s) failed; the others were stored.[/yellow]")


def paper_json(paper, label: str) -> dict:
    return {
        "id": paper.id, "title": paper.title, "authors": paper.authors, "abstract": paper.abstract,
        "source": label or (paper.source_labels[0] if paper.source_labels else ""), "sources": paper.source_labels,
        "categories": paper.categories, "url": paper.abs_url or paper.doi_url, "pdf_url": paper.pdf_url,
        "doi": paper.doi, "journal_ref": paper.journal_ref, "published": paper.published.isoformat() if paper.published else None,
        "kind": paper.kind, "announce_type": paper.announce_type, "arxiv_version": paper.arxiv_version,
    }


def _edition(settings: Settings, date_: Optional[str]):
    engine = open_database(settings)
    with session_scope(engine) as session:
        day = date.fromisoformat(date_) if date_ else store.latest_edition_date(session)
        if day is None:
            return None, []
        return day, store.edition_papers(session, day)


@app.command()
def papers(
    json_: bool = typer.Option(False, "--json", help="Print JSON objects (id, title, authors, abstract, source, categories, url, published, kind, ...)."),
    date_: Optional[str] = typer.Option(None, "--date", help="Edition date (default: the latest edition)."),
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


@app.command()
def match(
    interests: str = typer.Option(..., "--interests", help="Free-text interests. TF-IDF matches English words: add English keywords to non-English interests."),
    lang: str = typer.Option("en", "--lang", help="zh or en: the language of the reasons (reserved for the briefing)."),
    top: int = typer.Option(8, "--top", min=1, max=100, help="How many papers at most."),
    json_: bool = typer.Option(False, "--json", help="Print JSON objects (id, title, score, reasons)."),
    date_: Optional[str] = typer.Option(None, "--date", help="Edition date (default: the latest edition)."),
) -> None:
    """Rank the latest edition for an ad-hoc interest profile."""
    if lang not in ("zh", "en"):
        raise typer.BadParameter("--lang must be zh or en")
    settings = _settings()
    day, rows = _edition(settings, _day(date_))
    texts = [PaperText(p.id, p.title, p.abstract, p.kind) for p, _ in rows]
    titles = {p.id: p.title for p, _ in rows}
    found = rank(texts, {"q": interests}, top_k=top, min_score=settings.min_score)["q"]
    if not interests.isascii() and not found:
        err.print("Note: interests not written in English need English keywords too (no LLM is configured to translate them).")
    if json_:
        print(json.dumps([{"id": m.paper_id, "title": titles[m.paper_id], "score": m.score, "reasons": word_reasons(m.reasons, lang)} for m in found], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Best matches in edition {day}" if day else "No edition yet")
    for col in ("score", "title", "why"):
        table.add_column(col, overflow="fold")
    for m in found:
        table.add_row(f"{m.score:.3f}", titles[m.paper_id], "; ".join(word_reasons(m.reasons, lang)))
    console.print(table)


# --- run / demo -------------------------------------------------------------------------------


def _run(paths: Optional[list[str]], date_: Optional[str], dry_run: bool) -> None:
    from flows.daily import daily_flow

    report = daily_flow(from_paths=paths, date_=date_, dry_run=dry_run)
    ing = report.ingest
    if ing:
        console.print(f"Ingested {sum(s.items for s in ing.sources)} items from {len(ing.sources)} source(s): "
                      f"{ing.new_papers} new papers, edition {report.edition_date} has {report.edition_size}.")
        for s in ing.sources:
            if s.health in ("failed", "suspect", "no_announcement"):
                console.print(f"  {s.key}: {s.health} — {s.note or s.error}", markup=False)
    if not report.deliveries:
        console.print("No active subscribers: add one with `academichub subscribers add EMAIL --interests TEXT`.")
        return
    verb = "Rendered (dry run, nothing written)" if dry_run else "Wrote"
    console.print(f"{verb} {len(report.deliveries)} briefing(s):")
    for d in report.deliveries:
        console.print(f"  {d.email} ({d.language}, {d.papers} papers) {d.path or ''}", markup=False, highlight=False)
    if report.outbox and not dry_run:
        console.print(f"Open the emails: {Path(report.outbox).resolve()}/*.html (or the .eml files in a mail client)", markup=False)


@app.command()
def run(
    from_: Optional[list[Path]] = typer.Option(None, "--from", help=FROM_HELP),
    date_: Optional[str] = typer.Option(None, "--date", help=DATE_HELP),
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
            for email, name, lang, interests in SAMPLE_SUBSCRIBERS:
                upsert_subscriber(session, email, interests=interests, language=lang, name=name)
            console.print("Added two sample subscribers (one Chinese, one English).")
    _run([str(SAMPLE_DAY_DIR)], SAMPLE_DAY_DATE, False)


# --- subscribers --------------------------------------------------------------------------------


@subscribers_app.command("add")
def subscribers_add(
    email: str = typer.Argument(..., help="Email address (case-insensitive, unique)."),
    interests: str = typer.Option(..., "--interests", help="Free-text research interests."),
    lang: str = typer.Option("en", "--lang", help="zh, en or bilingual."),
    name: str = typer.Option("", "--name", help="How the email greets the reader."),
) -> None:
    """Add a subscriber, or update the one with that address."""
    engine = open_database(_settings())
    with session_scope(engine) as session:
        row, created = upsert_subscriber(session, email, interests=interests, language=lang, name=name)
    console.print(f"{'Added' if created else 'Updated'} {row.email} ({row.language}).", markup=False)
    if not interests.isascii():
        console.print("Note: without an LLM configured, interests not written in English match only through the English keywords you include.")


@subscribers_app.command("import")
def subscribers_import(path: Path = typer.Argument(..., help="CSV with columns email, interests[, language, name].")) -> None:
    """Import subscribers from a CSV file; existing addresses are updated, bad rows reported."""
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    engine = open_database(_settings())
    added = updated = 0
    problems = []
    with path.open(newline="", encoding="utf-8-sig") as fh, session_scope(engine) as session:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "email" not in reader.fieldnames:
            raise InputError(f"{path}: the first row must name the columns, including 'email' and 'interests'")
        for line, row in enumerate(reader, 2):
            try:
                _, created = upsert_subscriber(session, row.get("email") or "", interests=row.get("interests") or "",
                                               language=(row.get("language") or "en").strip(), name=row.get("name") or "")
            except SubscriberError as exc:
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
def subscribers_export(json_: bool = typer.Option(False, "--json", help="JSON instead of CSV.")) -> None:
    """Write all active subscribers to standard output (CSV, or JSON with --json)."""
    engine = open_database(_settings())
    with session_scope(engine) as session:
        rows = [{"email": s.email, "name": s.name, "language": s.language, "interests": s.interests} for s in active_subscribers(session)]
    if json_:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=["email", "interests", "language", "name"])
    writer.writeheader()
    writer.writerows(rows)


@subscribers_app.command("list")
def subscribers_list() -> None:
    """List active subscribers."""
    engine = open_database(_settings())
    with session_scope(engine) as session:
        subs = active_subscribers(session)
    table = Table(title=f"{len(subs)} active subscriber(s)")
    for col in ("email", "name", "language", "interests"):
        table.add_column(col, overflow="fold")
    for s in subs:
        table.add_row(s.email, s.name, s.language, s.interests)
    console.print(table)


USER_ERRORS = (InputError, SubscriberError, DatabaseError, SourceConfigError)


def main() -> None:
    # Prefect's temporary server would try to send telemetry; this machine may have no network.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
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
        err.print(f"[bold red]unexpected error:[/bold red] {exc.__class__.__name__}: {exc}\n"
                  "Set ACADEMICHUB_DEBUG=1 to see the traceback, and please report it.", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
