"""The files AcademicHub ships inside its package (templates, static files, migrations, the bundled
source list, the sample day), found through ``importlib.resources``: an installed wheel finds them
where a checkout does, whatever the current directory."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_path(*parts: str) -> Path:
    """A file or folder inside the ``academichub`` package, as a path on disk (Jinja, Alembic and
    Starlette's static files read folders from the file system)."""
    found = files("academichub").joinpath(*parts)
    if not isinstance(found, Path):  # e.g. imported from a zip archive
        raise RuntimeError(f"AcademicHub must be installed as files on disk, not as {type(found).__name__}")
    return found
