"""The whole day: run, and the demo on the bundled sample day."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from academichub.cli import helptext as ht
from academichub.cli.common import (
    DATE_HELP,
    FROM_HELP,
    _check_paths,
    _day,
    _settings,
    announce_prefect_server,
    app,
    console,
    held_day,
    source_lines,
)

SAMPLE_SUBSCRIBERS: list[dict[str, Any]] = [
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


def _run(paths: list[str] | None, date_: str | None, dry_run: bool) -> None:
    from academichub.papers.health import EditionHeld

    announce_prefect_server()
    from flows.daily import daily_flow

    try:
        report = daily_flow(from_paths=paths, date_=date_, dry_run=dry_run)
    except EditionHeld as exc:
        held_day(exc, "run")
    ing = report.ingest
    if ing:
        console.print(
            f"Ingested {sum(s.items for s in ing.sources)} items from {len(ing.sources)} source(s): "
            f"{ing.new_papers} new papers, edition {report.edition_date} has {report.edition_size}."
        )
        source_lines(ing)
        if ing.kept:
            console.print(f"This run's sources failed ({ing.kept}); the day's edition from an earlier run is used.")
    if report.llm and report.llm.model:
        L = report.llm
        cost = f", about ${L.cost_usd:.4f}" if L.cost_usd is not None else ""
        fb = ", ".join(f"{k} {v}" for k, v in sorted(L.fallbacks.items())) or "none"
        retried = f" ({L.attempts} requests)" if L.attempts != L.calls else ""
        console.print(
            f"LLM {L.model}: {L.calls} calls{retried}, {L.prompt_tokens + L.completion_tokens} tokens{cost}; "
            f"fallbacks: {fb}.",
            markup=False,
        )
        if L.fallbacks.get("server_down"):
            console.print("The LLM server stopped answering: extractive text finished the day.")
        if L.fallbacks.get("deadline"):
            console.print(
                "The run's LLM deadline (ACADEMICHUB_LLM_DEADLINE_SECONDS) was reached: extractive text "
                "finished the day."
            )
    if not report.deliveries:
        console.print("No active subscribers: add one with `academichub subscribers add EMAIL --interests TEXT`.")
        return
    if dry_run:
        console.print(
            f"Dry run (nothing written or sent): {len(report.deliveries)} briefing(s) rendered or skipped, "
            "as a real run would (one that would send it says `would be sent`):"
        )
    else:
        states: dict[str, int] = {}
        for d in report.deliveries:
            states[d.counted_as] = states.get(d.counted_as, 0) + 1
        console.print(
            f"Wrote {states.get('sent', 0)} briefing(s)"
            + "".join(f", {v} {k}" for k, v in sorted(states.items()) if k != "sent")
            + ":"
        )
    for d in report.deliveries:
        state = "would be sent" if d.state == "rendered" else d.state  # a dry run's
        extra = d.path or (f"{state}: {d.reason}" if d.reason else state)
        papers = f", {d.papers} papers" if d.papers or d.state == "sent" else ""
        console.print(f"  {d.who} ({d.language}{papers}) {extra}", markup=False, highlight=False)
    if dry_run:
        return
    outbox = Path(report.outbox).resolve() if report.outbox else None
    if any(d.state == "sent" and d.path for d in report.deliveries) and outbox is not None:
        console.print(f"Open the emails: {outbox}/*.html (or the .eml files in a mail client)", markup=False)
    already = [d for d in report.deliveries if d.reason == "already sent"]
    if already:
        _already_sent(len(already), str(report.edition_date), outbox)


def _already_sent(count: int, day: str, outbox: Path | None) -> None:
    """Readers who were sent this edition before: where those emails are, and how to start afresh."""
    from sqlalchemy.engine import make_url

    settings = _settings()
    kept = outbox is not None and any(outbox.glob("*.html"))
    where = f"they are in {outbox}/*.html" if kept else f"`academichub deliveries --date {day}` lists them"
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        database = str(Path(url.database).resolve()) if url.database else "in memory"
    else:
        database = url.render_as_string(hide_password=True)  # a password is never shown
    console.print(
        f"{count} briefing(s) of {day} were already sent earlier (a reader never gets the same edition "
        f"twice): {where}. To start afresh, remove the database ({database}) and the outbox "
        f"({Path(settings.outbox_dir).resolve()}), or point ACADEMICHUB_DATABASE_URL and ACADEMICHUB_OUTBOX_DIR "
        "somewhere new, and run the command again.",
        markup=False,
        highlight=False,
    )


@app.command()
def run(
    from_: list[Path] | None = typer.Option(None, "--from", metavar=ht.PATH, help=FROM_HELP),
    date_: str | None = typer.Option(None, "--date", metavar=ht.DATE, help=DATE_HELP),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Render every briefing but write or send nothing; say for each reader what a real run "
        "would do (already sent: skipped; the empty-day email named).",
    ),
) -> None:
    """Run the whole day: ingest, build the edition, match each subscriber, compose and deliver."""
    _run(_check_paths(from_), _day(date_), dry_run)


@app.command()
def demo() -> None:
    """The embedded demo: the bundled sample day, two sample subscribers (only if there are none), emails in
    the outbox."""
    from academichub.db import open_database, session_scope
    from academichub.settings import SAMPLE_DAY_DATE, SAMPLE_DAY_DIR
    from subscribers.service import ProfileInput, count_subscribers, upsert_subscriber

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
