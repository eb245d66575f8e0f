"""What every command shares: the Typer app and its groups, the consoles, argument checks.

Only Typer and rich at the top (see academichub/cli/main.py): the library is imported by the
commands, when they run."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from academichub.papers.health import EditionHeld
    from academichub.papers.report import IngestReport
    from academichub.settings import Settings

app = typer.Typer(
    help="AcademicHub: a personalised daily research briefing. Reads the day's papers, matches them to each "
    "subscriber and emails their briefing: to an outbox folder, or through SES or any SMTP server "
    "(ACADEMICHUB_MAIL_BACKEND=ses|smtp, ACADEMICHUB_SMTP_URL=smtp://user:password@host:587).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},  # every command's context inherits them
)
subscribers_app = typer.Typer(
    help="Subscribers: add, import, export, list and delete them; their feedback, chat channels, radars and libraries.",
    no_args_is_help=True,
)
app.add_typer(subscribers_app, name="subscribers")


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            installed = version("academichub")
        except PackageNotFoundError:  # a checkout that was never installed
            installed = "not installed"
        console.print(f"academichub {installed}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    show_version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the installed version and exit."
    ),
) -> None:
    # The root's options only (--version); its help is the app's, above.
    return None


console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)  # an error is one line a terminal wraps, not cut at 80 columns

FROM_HELP = (
    "Read saved feed responses (files or folders; repeat --from for several) instead of fetching the configured "
    "sources. The format is recognised from the content."
)
DATE_HELP = "Edition date YYYY-MM-DD (default: today in ACADEMICHUB_EDITION_TIMEZONE)."


def _settings() -> Settings:
    from academichub.settings import load_settings

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
    from academichub.papers.ingest import collect_paths

    if not paths:
        return None
    collect_paths(list(paths))  # fails early with a clear message for a missing path
    return [str(p) for p in paths]


def print_markdown(md: str) -> None:
    """A report written as Markdown (what its Prefect artifact shows): rendered by rich on a terminal,
    kept as Markdown when the output goes to a file or another program."""
    if console.is_terminal:
        from rich.markdown import Markdown

        console.print(Markdown(md))
    else:
        console.print(md, markup=False, highlight=False)


PREFECT_SERVER_NOTE = (
    "Starting a temporary Prefect server for this run; on a busy machine that can take a minute "
    "(set PREFECT_API_URL to use your own server)…"
)


def prefect_api_url() -> str | None:
    """The Prefect API a flow would report to (the environment or the active Prefect profile)."""
    from prefect.settings import get_current_settings

    return get_current_settings().api.url


def prefect_server_note(api_url: str | None) -> str | None:
    """What to say before a flow runs: without an API, Prefect starts a temporary server first."""
    return None if api_url else PREFECT_SERVER_NOTE


def announce_prefect_server() -> None:
    """Called by the commands that run a flow (run, demo, deliveries resend, events) before they load it,
    so the wait for a temporary server is never silent (on stderr: the output stays the answer)."""
    note = prefect_server_note(prefect_api_url())
    if note:
        err.print(note, markup=False, highlight=False)


HELD_EXIT = 3  # the day's edition is held: nothing was sent (see docs/operations.md, "A broken day")


def source_lines(ing: IngestReport) -> None:
    """The sources that failed, are suspect or had no announcement, one line each."""
    for s in ing.sources:
        if s.health in ("failed", "suspect", "no_announcement"):
            console.print(f"  {s.key}: {s.health} — {s.note or s.error}", markup=False, highlight=False)


def held_day(exc: EditionHeld, command: str) -> NoReturn:
    """A held day: which sources failed, then one line saying why and what to do; exit status 3."""
    if exc.ingest is not None:
        source_lines(exc.ingest)
    if "no network" in exc.reason:
        hint = (
            f"Without network access, read saved responses with `academichub {command} --from FOLDER`, "
            "or try `academichub demo`."
        )
    else:
        hint = f"Run `academichub {command} --date {exc.day}` again once the sources work."
    err.print(f"[bold red]error:[/bold red] {exc}. {hint}", soft_wrap=True, highlight=False)
    raise typer.Exit(HELD_EXIT)


# --- ingest / papers ------------------------------------------------------------------------
