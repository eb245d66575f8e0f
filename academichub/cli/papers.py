"""Commands over the papers: ingest, papers, match, themes. None needs Prefect: they call the library.

The library is imported inside each command (see academichub/cli/main.py); the ML stack
(scikit-learn, the embedding model) only by ``match`` and by ``themes`` for a day without themes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from academichub.cli import helptext as ht
from academichub.cli.common import (
    DATE_HELP,
    FROM_HELP,
    _check_paths,
    _day,
    _settings,
    app,
    console,
    err,
    held_day,
    print_markdown,
)
from academichub.cli.library import LIBRARY_HELP, OFFLINE_HELP

if TYPE_CHECKING:
    from academichub.editions.theme import Theme
    from academichub.settings import Settings


FAR_DAYS = 3  # saved feeds dated further than this from the day they are filed under get a note


@app.command()
def ingest(
    from_: list[Path] | None = typer.Option(None, "--from", metavar=ht.PATH, help=FROM_HELP),
    date_: str | None = typer.Option(None, "--date", metavar=ht.DATE, help=DATE_HELP),
    json_: bool = typer.Option(False, "--json", help="Print the ingest report as JSON."),
) -> None:
    """Fetch (or read) the day's papers: parse, normalise, deduplicate and store them."""
    from academichub.db import open_database
    from academichub.papers.health import EditionHeld
    from academichub.papers.ingest import ensure_trusted, run_ingest
    from academichub.papers.report import ingest_markdown

    # The library's run, not the ``ingest`` flow: no temporary Prefect server for one command (the
    # deployments run the flow, with its tasks and artifact).
    paths, given = _check_paths(from_), _day(date_)
    settings = _settings()
    day = date.fromisoformat(given) if given else settings.clock.today(settings.edition_timezone)
    try:
        report = ensure_trusted(run_ingest(settings, open_database(settings), paths=paths, day=day))
    except EditionHeld as exc:
        if exc.ingest is not None:
            if json_:
                print(json.dumps(exc.ingest.as_dict(), ensure_ascii=False, indent=2))
            else:
                print_markdown(ingest_markdown(exc.ingest))
        exc.ingest = None  # its sources are in the report above
        held_day(exc, "ingest")
    if json_:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print_markdown(ingest_markdown(report))
    dated = report.feeds_dated
    if paths and not given and dated and abs((dated - day).days) > FAR_DAYS:  # saved feeds filed under today
        err.print(
            f"Note: these feeds are dated {dated}, {abs((dated - day).days)} days from {day}, the day they were "
            f"filed under (today, as no --date was given); to file them under their own day: "
            f"`academichub ingest {' '.join(f'--from {p}' for p in from_ or [])} --date {dated}`.",
            markup=False,
            highlight=False,
        )
    if report.failed:
        err.print(f"[yellow]{len(report.failed)} source(s) failed; the others were stored.[/yellow]")


def _edition(settings: Settings, date_: str | None, engine=None):
    from academichub.db import open_database, session_scope
    from academichub.papers import store

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
        help=(
            "Print JSON objects (id, title, authors, abstract, source, categories, url, doi, published, kind, "
            "theme, ...): the same shape as /api/editions/DATE."
        ),
    ),
    date_: str | None = typer.Option(
        None, "--date", metavar=ht.DATE, help="Edition date (default: the latest edition)."
    ),
) -> None:
    """List the papers of the latest edition (or of --date)."""
    from academichub.papers.views import PaperCard, paper_json

    settings = _settings()
    day, rows = _edition(settings, _day(date_))
    if json_:
        print(json.dumps([paper_json(PaperCard.of(p, label)) for p, label in rows], ensure_ascii=False, indent=2))
    if day is None:
        err.print("No edition yet: run `academichub ingest` (or `academichub ingest --from FOLDER`) first.")
        raise typer.Exit(0 if json_ else 1)
    if not rows:
        from academichub.cli.why import why_no_papers
        from academichub.db import open_database, session_scope

        with session_scope(open_database(settings)) as session:
            err.print(why_no_papers(session, day), markup=False, highlight=False)
        raise typer.Exit(0 if json_ else 1)
    if json_:
        return
    table = Table(title=f"Edition {day.isoformat()}: {len(rows)} papers", show_lines=False)
    for col in ("#", "source", "date", "title", "kind"):
        table.add_column(col, overflow="fold")
    for i, (p, label) in enumerate(rows, 1):
        table.add_row(f"{i:02d}", label, p.published.isoformat() if p.published else "", p.title, p.kind)
    console.print(table)


def _matches(settings: Settings, date_: str | None, specs: list):
    """Rank an edition exactly as the daily run does (same edition loader, themes and matcher)."""
    from academichub.db import open_database, session_scope
    from academichub.editions.edition import read_edition
    from academichub.matching.profiles import build_matcher
    from academichub.matching.radars import by_reader
    from academichub.papers import store

    engine = open_database(settings)
    with session_scope(engine) as session:
        day = date.fromisoformat(date_) if date_ else store.latest_edition_date(session)
    if day is None:
        return None, {}, [], None
    edition = read_edition(engine, day, settings.corpus_days)
    matcher = build_matcher(engine, edition, settings.representation)
    per_radar = matcher.match(specs, min_score=settings.min_score)
    found = next(iter(by_reader(specs, per_radar).values()), [])  # one reader's radars combined
    return day, {pid: card.title for pid, card in edition.cards.items()}, found, matcher


def _day_facets(settings: Settings, date_: str | None) -> frozenset[str]:
    """What the edition's papers answer to (their categories, servers, journals: what `papers --json`
    and the "nothing matched" hint show), so that `match --categories` takes every one of them."""
    from academichub.db import open_database, session_scope
    from academichub.papers import store
    from academichub.papers.sources import paper_facets

    with session_scope(open_database(settings)) as session:
        day = date.fromisoformat(date_) if date_ else store.latest_edition_date(session)
        rows = store.edition_papers(session, day) if day else []
        return frozenset().union(
            *(paper_facets(list(p.categories), p.server, list(p.source_labels)) for p, _label in rows)
        )


@app.command()
def match(
    interests: str | None = typer.Option(
        None,
        "--interests",
        metavar=ht.TEXT,
        help="Free-text interests (an ad-hoc profile). Chinese terms are translated offline by a "
        "research-term glossary; other languages need English words.",
    ),
    library: Path | None = typer.Option(
        None, "--library", metavar=ht.FILE, help=LIBRARY_HELP + " With or without --interests."
    ),
    offline: bool = typer.Option(False, "--offline", help=OFFLINE_HELP),
    subscriber: str | None = typer.Option(
        None, "--subscriber", metavar=ht.EMAIL, help="Rank for a stored subscriber's profile instead (email address)."
    ),
    keywords: str | None = typer.Option(
        None,
        "--keywords",
        metavar=ht.LIST,
        help="With --interests: comma-separated keywords that raise a paper's score.",
    ),
    exclude: str | None = typer.Option(
        None,
        "--exclude",
        metavar=ht.LIST,
        help="With --interests: comma-separated keywords; a paper containing one is left out.",
    ),
    authors: str | None = typer.Option(
        None,
        "--authors",
        metavar=ht.LIST,
        help="With --interests: comma-separated authors to follow (their papers are raised).",
    ),
    categories: str | None = typer.Option(
        None,
        "--categories",
        metavar=ht.LIST,
        help="With --interests: comma-separated filter, only papers from these sources (any key of "
        "`academichub sources`, or a category, server or journal the edition's papers show: `papers --json`).",
    ),
    lang: str = typer.Option(
        "en",
        "--lang",
        metavar=ht.LANG_ZH_EN,
        help="zh or en: the language of the reasons, the table and why nothing matched.",
    ),
    top: int = typer.Option(8, "--top", metavar=ht.TOP, min=1, max=100, help="How many papers at most."),
    json_: bool = typer.Option(
        False, "--json", help="Print JSON objects (id, title, score, reasons, radar: the radar it was picked for)."
    ),
    date_: str | None = typer.Option(
        None, "--date", metavar=ht.DATE, help="Edition date (default: the latest edition)."
    ),
) -> None:
    """Rank the latest edition for an ad-hoc profile (--interests and/or --library) or a subscriber (--subscriber).

    The table is ordered for variety (MMR: diversity re-ranking, at most half the papers from one theme), not
    by score; score = similarity (plus keyword and author boosts). With --lang zh its words are Chinese."""
    from academichub.briefing.compose import word_reasons
    from academichub.cli.subscribers import _known_categories
    from academichub.cli.why import why_nothing_matched
    from academichub.db import open_database, session_scope
    from academichub.i18n.cli import MATCH
    from academichub.matching.match import ProfileSpec
    from academichub.matching.profiles import radar_specs
    from academichub.papers import store
    from subscribers.radars import feedback_rows, radars_of
    from subscribers.service import ProfileInput, get_subscriber, split_list

    if lang not in ("zh", "en"):
        raise typer.BadParameter("--lang must be zh or en")
    if interests is not None and not interests.strip() and library is None:
        raise typer.BadParameter(
            "empty interests: give research interests as text, e.g. --interests 'quantum error correction'",
            param_hint="--interests",
        )
    if (interests is None and library is None) == (subscriber is None):
        raise typer.BadParameter("give --interests TEXT and/or --library FILE, or --subscriber EMAIL")
    controls = {"keywords": keywords, "exclude": exclude, "authors": authors, "categories": categories}
    if subscriber and any(v is not None for v in controls.values()):
        given = ", ".join(f"--{k}" for k, v in controls.items() if v is not None)
        raise typer.BadParameter(f"{given} go with --interests or --library, not --subscriber (whose own are used)")
    settings = _settings()
    if subscriber:
        engine = open_database(settings)
        with session_scope(engine) as session:
            sub, profile = get_subscriber(session, subscriber)
            votes = feedback_rows(session, [sub.key])
            texts = store.paper_texts(session, sorted({f.paper_id for f in votes}))
            specs = radar_specs(sub, radars_of(session, sub.key) or [profile], votes, texts)
        for spec in specs:
            spec.top_n = top
    else:
        listed = {k: split_list(v) if v is not None else None for k, v in controls.items()}
        data = ProfileInput(
            keywords=listed["keywords"],
            exclude=listed["exclude"],
            authors=listed["authors"],
            categories=listed["categories"],
            known_categories=_known_categories(settings) | _day_facets(settings, _day(date_))
            if categories
            else frozenset(),
        )
        data.validate()  # the checks of `subscribers add` (sizes, unknown categories with close matches)
        spec = ProfileSpec(
            key="query",
            interests=interests or "",
            top_n=top,
            keywords=data.keywords or [],
            exclude=data.exclude or [],
            categories=data.categories or [],
            authors=data.authors or [],
        )
        if library is not None:
            from academichub.cli.library import read_library
            from academichub.matching.library import library_examples

            spec.library = library_examples(read_library(settings, open_database(settings), library, offline))
        specs = [spec]
    day, titles, found, matcher = _matches(settings, _day(date_), specs)
    if day is None or not titles:
        err.print(
            "No edition yet: run `academichub ingest` first."
            if day is None
            else f"The edition of {day} has no papers, so there is nothing to match: "
            f"ingest that day first (`academichub ingest --date {day}`).",
            soft_wrap=True,
            highlight=False,
        )
        raise typer.Exit(1)
    own = sorted({e.id for spec in specs for e in spec.library if e.id and e.id in titles})
    if own:
        err.print(
            f"Left out, being in your library: {', '.join(own)} (a reader's own papers are never sent back).",
            highlight=False,
        )
    if not found and matcher is not None:
        for said in dict.fromkeys((lang, "en")):  # --lang zh: in Chinese, then as the CLI says it in English
            err.print(MATCH[said]["nothing"].format(day=day, count=len(titles)), markup=False, highlight=False)
            for line in why_nothing_matched(matcher, specs, settings.min_score, len(titles), said):
                err.print(f"  {line[:1].upper()}{line[1:]}", markup=False, highlight=False)
    if json_:
        print(
            json.dumps(
                [
                    {
                        "id": m.paper_id,
                        "title": titles[m.paper_id],
                        "score": m.score,
                        "reasons": word_reasons(m.reasons, lang),
                        "radar": m.radar or None,
                    }
                    for m in found
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not found:
        raise typer.Exit(0)  # the reasons above are the answer
    several = len(specs) > 1
    w = MATCH[lang]
    table = Table(title=w["title"].format(day=day), caption=w["order"])
    for col in ("score", *(("radar",) if several else ()), "title", "why"):
        table.add_column(w[f"col_{col}"], overflow="fold")
    for m in found:
        radar = (m.radar,) if several else ()
        table.add_row(f"{m.score:.3f}", *radar, titles[m.paper_id], "; ".join(word_reasons(m.reasons, lang)))
    console.print(table)


@app.command()
def themes(
    json_: bool = typer.Option(
        False, "--json", help="Print JSON objects (id, label, papers, categories, fields, cross_domain, sources)."
    ),
    date_: str | None = typer.Option(
        None, "--date", metavar=ht.DATE, help="Edition date (default: the latest edition)."
    ),
) -> None:
    """The themes of the latest edition (or of --date), as the email and the web page show them (without an LLM
    the email names a reader's themes with no text linking their papers); themes that
    span fields are marked cross-domain. A day without stored themes gets them found (and kept) first."""
    from academichub.db import open_database, session_scope
    from academichub.editions.caches import stored_themes, themes_key

    settings = _settings()
    engine = open_database(settings)
    day, rows = _edition(settings, _day(date_), engine)
    found: list[Theme] = []
    if day is not None and rows:
        with session_scope(engine) as session:
            stored = stored_themes(session, day, themes_key(p.id for p, _ in rows))
        if stored is None:
            # Found as the daily run finds them (the edition's papers and corpus) and kept with the edition.
            from academichub.editions.edition import read_edition

            err.print(f"The edition of {day} has no themes yet: finding them now (and keeping them with it).")
            stored = read_edition(engine, day, settings.corpus_days).themes
        found = stored
    titles = {p.id: p.title for p, _ in rows}
    if json_:
        print(json.dumps([t.as_dict() for t in found], ensure_ascii=False, indent=2))
    if day is None:
        err.print("No edition yet: run `academichub ingest` (or `academichub ingest --from FOLDER`) first.")
        raise typer.Exit(0 if json_ else 1)
    if not rows:  # as `papers --date` answers: never ingested, held, or no new papers
        from academichub.cli.why import why_no_papers

        with session_scope(engine) as session:
            err.print(why_no_papers(session, day), markup=False, highlight=False)
        raise typer.Exit(0 if json_ else 1)
    if json_:
        return
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
