"""``academichub`` command line: each command opens the settings and calls the library (or a flow).

The command modules register themselves on the Typer app when imported. They import only Typer and
rich at the top; each command imports the library it uses when it runs (Prefect only for the commands
that run a flow), so ``--help`` and the read-only commands answer at once (bench/cli_bench.py)."""

from __future__ import annotations

import os
import sys

from academichub.cli import channels, day, delivery, libsync, papers, radars, roster, sources, subscribers, web  # noqa: F401  (register the commands)
from academichub.cli.common import app, err
from academichub.cli.helptext import named, usage_error


def user_errors() -> tuple[type[Exception], ...]:
    """The errors that are the user's to fix: their message is the whole answer. (Imported when an
    error is to be told apart, not at start-up: a command that raised one has loaded its module.)"""
    from academichub.db import DatabaseError
    from academichub.papers.ingest import InputError
    from academichub.papers.library import LibraryError
    from academichub.papers.sources import SourceConfigError
    from academichub.settings import SettingsError
    from subscribers.service import SubscriberError

    return (InputError, LibraryError, SubscriberError, DatabaseError, SourceConfigError, SettingsError)


def main() -> None:
    from typer import Abort
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    try:
        code = named(app).main(prog_name="academichub", standalone_mode=False)  # errors: below, one line each
    except ClickException as exc:
        if not isinstance(exc, NoArgsIsHelpError):  # that one has printed the help already
            usage_error(exc)
        sys.exit(exc.exit_code)
    except Abort:
        err.print("aborted")
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # nothing a user does shows a stack trace
        if isinstance(exc, user_errors()):
            err.print(f"[bold red]error:[/bold red] {exc}", highlight=False)
            sys.exit(2)
        if os.environ.get("ACADEMICHUB_DEBUG"):
            raise
        err.print(
            f"[bold red]unexpected error:[/bold red] {exc.__class__.__name__}: {exc}\n"
            "Set ACADEMICHUB_DEBUG=1 to see the traceback, and please report it.",
            highlight=False,
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
