"""What every command shares: the Typer app and its groups, the consoles, argument checks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from academichub.papers.ingest import collect_paths
from academichub.settings import Settings, load_settings

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

FROM_HELP = (
    "Read saved feed responses (files or folders; repeat --from for several) instead of fetching the configured "
    "sources. The format is recognised from the content."
)
DATE_HELP = "Edition date YYYY-MM-DD (default: today in ACADEMICHUB_EDITION_TIMEZONE)."


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


def _date(value: str) -> date:
    """A YYYY-MM-DD argument as a date (a clear error otherwise)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def _check_paths(paths: list[Path] | None) -> list[str] | None:
    if not paths:
        return None
    collect_paths(list(paths))  # fails early with a clear message for a missing path
    return [str(p) for p in paths]


# --- ingest / papers ------------------------------------------------------------------------
