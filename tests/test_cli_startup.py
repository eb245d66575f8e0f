"""A CLI that answers at once: help and the read-only commands load neither Prefect nor the ML stack
(and so start no server), ``ingest`` and ``match`` need no Prefect, and ``themes`` shows the themes
stored with the edition (what the email and the web page show), finding them only for a day without.

Each command runs in a fresh interpreter (a subprocess) that reports, after the command, which of the
heavy modules it imported. How long each takes is measured in bench/cli_bench.py, not here."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import typer.main

from academichub.cli.main import app  # with every command registered
from academichub.settings import SAMPLE_DAY_DIR, Settings
from tests.conftest import run_cli

DAY = date(2026, 6, 22)
ROOT = Path(__file__).resolve().parents[1]
PREFECT = ("prefect", "prefect_dask")
ML = ("sklearn", "scipy", "numpy", "torch", "sentence_transformers")
SERVERS = ("uvicorn",)

PROBE = r"""
import json, sys
from academichub.cli.main import main

HEAVY = json.loads(sys.argv[2])
report = []
for argv in json.loads(sys.argv[1]):
    sys.argv = ["academichub", *argv]
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
    report.append({"argv": argv, "code": code, "loaded": sorted(m for m in HEAVY if m in sys.modules)})
print("\nPROBE " + json.dumps(report))
"""


def probe(commands: list[list[str]], cwd: Path, env: dict[str, str] | None = None) -> list[dict]:
    """Run ``commands`` one after another in one new interpreter; after each, the heavy modules loaded."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(commands), json.dumps(PREFECT + ML + SERVERS)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    line = [x for x in result.stdout.splitlines() if x.startswith("PROBE ")][-1]
    return json.loads(line.removeprefix("PROBE "))


def every_command() -> list[list[str]]:
    """Every command and group of the app, as argv prefixes (read from the Typer app itself)."""
    found: list[list[str]] = []

    def walk(command, path: list[str]) -> None:
        found.append(path)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_help_of_every_command_loads_neither_prefect_nor_the_ml_stack(tmp_path):
    commands = every_command()
    names = {" ".join(c) for c in commands}
    assert {"", "papers", "themes", "ingest", "match", "run", "demo", "serve", "subscribers list"} <= names
    report = probe([[*c, "--help"] for c in commands], tmp_path)
    assert [r["code"] for r in report] == [0] * len(commands)
    assert report[-1]["loaded"] == [], [r for r in report if r["loaded"]][:1]  # after every one of them


def test_academichub_help_alone_loads_no_database_or_settings_library(tmp_path):
    """What makes `academichub --help` fast (bench/cli_bench.py): only Typer and rich are loaded."""
    code = (
        "import sys\nfrom academichub.cli.main import main\nsys.argv = ['academichub', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in ('sqlalchemy', 'sqlmodel', 'alembic', 'pydantic_settings', 'bs4', "
        "'prefect', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "LOADED []" in out.stdout, out.stdout[-300:]


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> tuple[Path, list]:
    """A database holding the sample day, its themes (found as the daily run finds them) and a
    subscriber; built once, copied for each test."""
    from academichub.db import open_database, session_scope
    from academichub.editions.edition import read_edition
    from academichub.papers.ingest import run_ingest
    from subscribers.service import ProfileInput, upsert_subscriber

    path = tmp_path_factory.mktemp("sample-db") / "academichub.db"
    settings = Settings(database_url=f"sqlite:///{path}", _env_file=None)
    engine = open_database(settings)
    run_ingest(settings, engine, paths=[str(SAMPLE_DAY_DIR)], day=DAY)
    themes = read_edition(engine, DAY, settings.corpus_days).themes
    with session_scope(engine) as session:
        upsert_subscriber(session, "ada@example.org", ProfileInput(interests="quantum machine learning"))
    engine.dispose()
    return path, themes


@pytest.fixture
def day_with_themes(sample_db, tmp_path, monkeypatch) -> tuple[Path, dict[str, str], list]:
    """A copy of the sample database; the environment (for in-process runs) and cwd point at it."""
    path, themes = sample_db
    shutil.copy(path, tmp_path / "academichub.db")
    env = {
        "ACADEMICHUB_DATABASE_URL": f"sqlite:///{tmp_path / 'academichub.db'}",
        "ACADEMICHUB_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(tmp_path)
    return tmp_path, env, [replace(t) for t in themes]


def test_read_only_commands_load_neither_prefect_nor_the_ml_stack(day_with_themes):
    cwd, env, themes = day_with_themes
    assert themes, "the sample day has themes"
    commands = [
        ["papers"],
        ["papers", "--json"],
        ["themes"],
        ["themes", "--json"],
        ["subscribers", "list"],
        ["subscribers", "export"],
        ["subscribers", "export", "ada@example.org"],
        ["deliveries"],
        ["deliveries", "--json"],
        ["sources"],
        ["sources", "--json"],
        ["sources", "--wanted"],
        ["sources", "--wanted", "--json"],
    ]
    # One interpreter for all: after each command, what had been loaded so far (the first to load a
    # heavy module is the one named).
    for r in probe(commands, cwd, env):
        assert r["code"] == 0, r
        assert r["loaded"] == [], f"academichub {' '.join(r['argv'])} loaded {r['loaded']}"


def test_ingest_from_a_file_and_match_run_without_prefect(day_with_themes):
    cwd, env, _ = day_with_themes
    one_file = str(SAMPLE_DAY_DIR / "arxiv-rss-quant-ph.xml")
    ingest, match = probe(
        [
            ["ingest", "--from", one_file, "--date", DAY.isoformat()],
            ["match", "--interests", "quantum error correction"],
        ],
        cwd,
        env,
    )
    assert ingest["code"] == 0 and ingest["loaded"] == [], ingest
    assert match["code"] == 0 and not set(match["loaded"]) & set(PREFECT + SERVERS), match
    assert "sklearn" in match["loaded"]  # it does rank (TF-IDF), only without Prefect


def test_ingest_without_prefect_stores_the_papers_and_prints_the_report(capsys, monkeypatch, env_settings):
    code, out, err = run_cli(
        capsys, monkeypatch, "ingest", "--from", str(SAMPLE_DAY_DIR / "arxiv-rss-quant-ph.xml"), "--date", "2026-06-22"
    )
    assert code == 0, err
    found = re.search(r"added to the edition: \*\*(\d+)\*\*", out)  # the report, as the flow writes it
    assert found, out
    added = int(found.group(1))
    code, out, _ = run_cli(capsys, monkeypatch, "papers", "--date", "2026-06-22", "--json")
    papers = json.loads(out)
    assert code == 0 and len(papers) == added > 0
    assert all(any(c.startswith("quant-ph") for c in p["categories"]) for p in papers)


def test_themes_shows_the_stored_themes_of_the_day(capsys, monkeypatch, day_with_themes):
    """What the email and the web page show (the edition's stored themes), not a fresh computation:
    a stored theme relabelled by hand is printed as stored."""
    from academichub.db import open_database, session_scope
    from academichub.editions.caches import save_themes, themes_key
    from academichub.papers import store

    cwd, env, themes = day_with_themes
    code, out, err = run_cli(capsys, monkeypatch, "themes", "--json")
    assert code == 0 and "finding them now" not in err
    assert json.loads(out) == [t.as_dict() for t in themes]

    engine = open_database(Settings(database_url=env["ACADEMICHUB_DATABASE_URL"], _env_file=None))
    with session_scope(engine) as session:
        key = themes_key(p.id for p, _ in store.edition_papers(session, DAY))
        themes[0].label = ["a label only the stored edition has"]
        save_themes(session, DAY, key, themes)
    engine.dispose()
    code, out, err = run_cli(capsys, monkeypatch, "themes")
    assert code == 0 and "finding them now" not in err
    assert "1. a label only the stored edition has" in out


def test_themes_finds_and_keeps_them_for_a_day_that_has_none_and_says_so(capsys, monkeypatch, day_with_themes):
    from academichub.db import open_database, session_scope
    from academichub.editions.edition import read_edition
    from academichub.models import Edition

    _, env, themes = day_with_themes
    engine = open_database(Settings(database_url=env["ACADEMICHUB_DATABASE_URL"], _env_file=None))
    with session_scope(engine) as session:  # a day stored before its themes were
        edition = session.get(Edition, DAY)
        assert edition is not None
        edition.themes = edition.themes_key = None
        session.add(edition)
        session.commit()
    code, out, err = run_cli(capsys, monkeypatch, "themes", "--json")
    assert code == 0
    assert "The edition of 2026-06-22 has no themes yet: finding them now" in err
    found = json.loads(out)
    assert found == [t.as_dict() for t in themes]  # as the daily run found them
    code, again, err = run_cli(capsys, monkeypatch, "themes", "--json")
    assert code == 0 and "finding them now" not in err and json.loads(again) == found  # kept
    assert [t.as_dict() for t in read_edition(engine, DAY).themes] == found  # what the email and web page use
    engine.dispose()


def test_themes_name_the_sources_of_their_papers_as_shown(capsys, monkeypatch, day_with_themes):
    """A theme's ``sources`` are its papers' source labels, in the form `papers --json` shows them."""
    code, out, err = run_cli(capsys, monkeypatch, "themes", "--json")
    assert code == 0, err
    found = json.loads(out)
    code, out, err = run_cli(capsys, monkeypatch, "papers", "--date", "2026-06-22", "--json")
    shown = {p["id"]: p["sources"] for p in json.loads(out)}
    assert found and all(t["sources"] for t in found)
    for t in found:
        assert t["sources"] == sorted({s for pid in t["papers"] for s in shown[pid]})
