"""``academichub`` command line: each command opens the settings and calls the library (or a flow).

The command modules register themselves on the Typer app when imported; heavy modules (Prefect, the
ML stack) are imported inside the commands that need them, so ``--help`` answers at once."""

from __future__ import annotations

import os
import sys

from academichub.cli import day, delivery, papers, subscribers, web  # noqa: F401  (register the commands)
from academichub.cli.common import app, err
from academichub.db import DatabaseError
from academichub.papers.ingest import InputError
from academichub.papers.sources import SourceConfigError
from academichub.settings import SettingsError
from subscribers.service import (
    SubscriberError,
)

USER_ERRORS = (InputError, SubscriberError, DatabaseError, SourceConfigError, SettingsError)


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
