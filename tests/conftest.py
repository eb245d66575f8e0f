"""Shared fixtures: real recorded feeds, a fresh database per test (SQLite, and PostgreSQL when
ACADEMICHUB_TEST_DATABASE_URL is set), and one Prefect test harness per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from academichub.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"


def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist each worker gets its own PostgreSQL database (``<name>_gw0``, …), created on
    first use, so that workers resetting their schema never meet; without xdist the URL is as given."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from sqlalchemy.engine import make_url

    base = make_url(Settings(database_url=url).database_url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


PG_URL = _worker_database(os.environ.get("ACADEMICHUB_TEST_DATABASE_URL"))


def run_cli(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    """Run the console script in-process (its real entry point, error handling included)."""
    import sys

    from academichub.cli import main as cli

    monkeypatch.setattr(sys, "argv", ["academichub", *args])
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def web_settings(tmp_path: Path) -> Settings:
    """A web app's settings on a fresh SQLite file: TestClient's base URL and a fixed signing key."""
    return Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        outbox_dir=str(tmp_path / "outbox"),
        base_url="http://testserver",
        secret_key="k",
    )


def ingest_paths(app, paths: list[Path], day) -> None:
    """Ingest recorded feeds (files or folders) into the web app's database as the edition of ``day``."""
    from academichub.papers.ingest import collect_paths, ingest_documents, read_document

    docs = [read_document(p) for p in collect_paths(paths)]
    ingest_documents(app.state.ctx.engine, docs, day=day, settings=app.state.ctx.settings)


def seeded_copy(template: Path, tmp_path: Path) -> None:
    """Copy a module's once-built SQLite file to this test's ``web.db``: a test may change its copy,
    and the day's ingest (seconds) runs once per module instead of once per test."""
    import shutil

    shutil.copyfile(template, tmp_path / "web.db")


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


def _reset_postgres(url: str) -> None:
    engine = create_engine(Settings(database_url=url).database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database URL. Tests that take it run on both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'academichub.db'}"
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set ACADEMICHUB_TEST_DATABASE_URL (CI always does)")
    _reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings on a fresh SQLite file and a temporary outbox; fast, no network back-off."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'academichub.db'}",
        outbox_dir=tmp_path / "outbox",
        http_backoff=0.01,
        arxiv_min_interval=0.0,
        _env_file=None,
    )


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the whole session (flows run against it, not a server)."""
    from prefect.testing.utilities import prefect_test_harness

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    external = os.environ.get("ACADEMICHUB_TEST_PREFECT_API_URL")
    if external:  # a Prefect server the caller runs (scripts/suite_at_offset.sh: on the real clock)
        from prefect.context import refresh_global_settings_context

        os.environ["PREFECT_API_URL"] = external  # process-wide: threads that run flows see it too
        refresh_global_settings_context()
        yield
        return
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def env_settings(monkeypatch, tmp_path):
    """Point the environment (what flows and the CLI read) at a temporary database and outbox."""
    db = f"sqlite:///{tmp_path / 'academichub.db'}"
    monkeypatch.setenv("ACADEMICHUB_DATABASE_URL", db)
    monkeypatch.setenv("ACADEMICHUB_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("ACADEMICHUB_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("ACADEMICHUB_ARXIV_MIN_INTERVAL", "0")
    monkeypatch.setenv("ACADEMICHUB_MAIL_BACKEND", "outbox")
    monkeypatch.chdir(tmp_path)  # no stray .env is read, var/ lands in tmp
    return tmp_path


@pytest.fixture(autouse=True)
def _prefect_console_follows_capture():
    """Prefect's console log handler keeps the stderr it found when logging was set up; under pytest
    that can be an earlier test's capture buffer, closed since. Point it at this test's stderr."""
    import logging
    import sys

    try:
        from prefect.logging.handlers import PrefectConsoleHandler
    except ImportError:  # pragma: no cover
        yield
        return
    handlers = {
        h for name in ("", *logging.root.manager.loggerDict) for h in getattr(logging.getLogger(name), "handlers", [])
    }
    prefect_handlers = [h for h in handlers if isinstance(h, PrefectConsoleHandler)]
    for h in prefect_handlers:
        h.stream = sys.stderr
        h.console.file = sys.stderr
    yield
    # After the test its capture buffer closes; a line Prefect logs later (a temporary server stopping
    # at exit: Prefect issue #16626) must go to the real stderr, not raise "I/O operation on closed file".
    for h in prefect_handlers:
        h.stream = sys.__stderr__
        h.console.file = sys.__stderr__


def sample_day_site(tmp_path_factory, name: str, *, themes: bool = False, readers: bool = False):
    """A module's one database holding the sample day, the environment pointing at it (what the CLI
    reads: in-process ``run_cli`` calls use it) and the web app on it. A generator for a module-scoped
    fixture: ``yield from sample_day_site(tmp_path_factory, "x")`` gives (app, TestClient, folder).
    ``themes``: the day's themes found and stored, as its run would (with the TF-IDF/LSA vectors of an
    install without the [semantic] extra: seconds, not the embedding model's half-minute); ``readers``:
    the demo's two sample subscribers."""
    from datetime import date

    from fastapi.testclient import TestClient

    from academichub.db import open_database
    from academichub.papers.ingest import run_ingest
    from academichub.settings import SAMPLE_DAY_DATE, SAMPLE_DAY_DIR, load_settings
    from academichub.web.app import create_app

    folder = tmp_path_factory.mktemp(name)
    env = {
        "ACADEMICHUB_DATABASE_URL": f"sqlite:///{folder / 'academichub.db'}",
        "ACADEMICHUB_OUTBOX_DIR": str(folder / "outbox"),
        "ACADEMICHUB_MAIL_BACKEND": "outbox",
        "ACADEMICHUB_BASE_URL": "http://testserver",
        "ACADEMICHUB_SECRET_KEY": "k",
    }
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        mp.chdir(folder)  # no stray .env is read
        settings = load_settings(_env_file=None)
        day = date.fromisoformat(SAMPLE_DAY_DATE)
        engine = open_database(settings)
        run_ingest(settings, engine, paths=[str(SAMPLE_DAY_DIR)], day=day)
        if themes:
            from academichub.editions import vectorise
            from academichub.editions.edition import read_edition

            def no_model():
                raise vectorise.RepresentationUnavailable("no [semantic] extra in this test")

            with pytest.MonkeyPatch.context() as model:
                model.setattr(vectorise, "_load_minilm", no_model)
                read_edition(engine, day, settings.corpus_days)
        if readers:
            from academichub.cli.day import SAMPLE_SUBSCRIBERS
            from academichub.db import session_scope
            from subscribers.service import ProfileInput, upsert_subscriber

            with session_scope(engine) as session:
                for r in SAMPLE_SUBSCRIBERS:
                    profile = ProfileInput(
                        interests=r["interests"], language=r["language"], name=r["name"], keywords=r["keywords"]
                    )
                    upsert_subscriber(session, r["email"], profile)
        app = create_app(settings)
        yield app, TestClient(app), folder
