"""Reading a library file for `match --library` and `subscribers add --library`: parse, say what could
not be read (on stderr, entry by entry), resolve bare ids, and say how. Only Typer and rich at the top
(see academichub/cli/main.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from academichub.cli.common import err

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from academichub.settings import Settings

LIBRARY_HELP = (
    "Your own papers: a BibTeX, RIS or CSL-JSON export (Zotero, Mendeley, Google Scholar, EndNote) or a text "
    "file of arXiv ids and DOIs, one a line. They become positive examples, the recent ones weighing more."
)
OFFLINE_HELP = "Resolve the library's bare ids only from the stored papers (no arXiv or Crossref look-up)."


def read_library(settings: Settings, engine: Engine, path: Path, offline: bool) -> list[dict]:
    """The file's papers as stored rows; problems and the resolution are reported on stderr."""
    from academichub.papers.library import read_library_file
    from academichub.papers.resolve import resolve_entries

    parsed = read_library_file(path)
    problems = parsed.problem_lines()
    err.print(
        f"library: {len(parsed.entries)} paper(s) read from {path} ({parsed.format})"
        + (f"; {len(problems)} could not be read:" if problems else ""),
        markup=False,
        highlight=False,
    )
    for line in problems:
        err.print(f"  {line}", markup=False, highlight=False)
    if any(e.id and not e.title for e in parsed.entries):
        resolution = resolve_entries(parsed.entries, engine, settings, offline=offline or settings.library_offline)
        err.print(f"library: {resolution.summary()}", markup=False, highlight=False)
        for note in resolution.notes[:10]:
            err.print(f"  note: {note}", markup=False, highlight=False)
    rows = [e.as_row() for e in parsed.entries]
    if not any(r["title"] for r in rows):
        raise typer.BadParameter(
            f"none of the {len(rows)} id(s) in {path} could be resolved to a paper, so there is nothing to "
            "match against (offline? run again with network access, or use an export with titles)",
            param_hint="--library",
        )
    return rows
