"""``academichub sources [--json] [--wanted]``: the source catalogue, or the day's fetch plan. Both
are read-only: no Prefect, no ML stack (tests/test_cli_startup.py). The library is imported inside
the command (see academichub/cli/main.py)."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from academichub.cli.common import _settings, app, console


@app.command()
def sources(
    json_: bool = typer.Option(
        False,
        "--json",
        help="Print JSON: the catalogue as a list of objects (key, kind, group, label_en, label_zh, url); with "
        "--wanted, the plan's feeds (key, url, kind, label, default, readers, covers, wanted_by).",
    ),
    wanted: bool = typer.Option(
        False,
        "--wanted",
        help="Show the day's fetch plan instead: the operator's default feeds and what readers chose, each feed "
        "once, with how many readers want it.",
    ),
) -> None:
    """List the source catalogue: every arXiv category, the bioRxiv and medRxiv subjects and leading
    journals. Any key may go in a reader's --categories (`subscribers add --categories math.PR,nature-medicine`)."""
    from academichub.papers.catalogue import bundled_catalogue

    catalogue = bundled_catalogue()
    if wanted:
        _plan(catalogue, json_)
        return
    if json_:
        print(json.dumps([e.as_dict() for e in catalogue.entries], ensure_ascii=False, indent=2))
        return
    for group in catalogue.groups:
        table = Table(title=f"{group.label_en} · {group.label_zh}", title_justify="left", show_edge=False)
        for column in ("key", "label", "标签", "feed"):
            table.add_column(column, overflow="fold")
        for e in catalogue.in_group(group.key):
            table.add_row(e.key, e.label_en, e.label_zh, e.url)
        console.print(table)
    console.print(
        f"{len(catalogue.entries)} sources. A reader chooses any key with --categories; "
        "`academichub sources --wanted` shows what today's fetch will read.",
        highlight=False,
    )


def _plan(catalogue, json_: bool) -> None:
    from academichub.db import open_database, session_scope
    from academichub.papers.plan import build_plan, reader_wants
    from academichub.papers.sources import load_sources

    settings = _settings()
    engine = open_database(settings)
    with session_scope(engine) as session:
        wants = reader_wants(session)
    plan = build_plan(load_sources(settings.sources_file), catalogue, wants)
    if json_:
        print(json.dumps([f.as_dict() for f in plan.feeds], ensure_ascii=False, indent=2))
        return
    table = Table(title="The day's fetch plan", title_justify="left", show_edge=False)
    for column in ("feed", "kind", "default", "readers", "brings", "url"):
        table.add_column(column, overflow="fold")
    for f in plan.feeds:
        brings = ", ".join(f"{k} ({n})" for k, n in sorted(f.wanted_by.items())) or "-"
        table.add_row(f.source.key, f.kind, "yes" if f.default else "no", str(f.readers), brings, f.source.url)
    console.print(table)
    arxiv = sum(1 for f in plan.feeds if f.kind == "arxiv")
    console.print(
        f"{len(plan.feeds)} feeds ({arxiv} from arXiv, read one request per {settings.arxiv_min_interval:g} s). "
        "A feed no reader wants is fetched only when it is a default.",
        highlight=False,
    )
    for key, n in sorted(plan.unknown.items()):
        console.print(
            f"not fetched: {key} ({n} reader(s)) is in neither the catalogue nor the sources file", highlight=False
        )
