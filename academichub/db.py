"""Engine creation and schema migrations. The database is an edge: logic gets a Session."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from academichub.resources import package_path
from academichub.settings import Settings

MIGRATIONS_DIR = package_path("migrations")
CHUNK = 900  # ids per IN (...): below SQLite's bound-parameter limit

T = TypeVar("T")


class DatabaseError(RuntimeError):
    """The database cannot be reached or migrated; the message says why."""


def make_engine(settings: Settings) -> Engine:
    url = make_url(settings.database_url)
    if url.drivername.startswith("sqlite"):
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    try:
        command.upgrade(alembic_config(engine), "head")
    except Exception as exc:  # a clear message instead of a driver traceback
        raise DatabaseError(
            f"cannot migrate the database at {engine.url.render_as_string(hide_password=True)}: {exc}"
        ) from exc


def open_database(settings: Settings) -> Engine:
    engine = make_engine(settings)
    migrate(engine)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def chunks(items: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``items`` in consecutive slices of at most ``size`` (for IN lists and executemany batches)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def insert_for(session: Session, model: type) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of ``model`` in the session's dialect (PostgreSQL or SQLite), so that
    ``.on_conflict_do_nothing()`` is available."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(model)


def insert_new(session: Session, model: type, rows: list[dict], *, size: int = 500) -> None:
    """INSERT ``rows`` of ``model`` in batches of ``size``, leaving out any whose key is already
    there. Run on the session's connection as plain executemany: the ORM's bulk path (the same
    statement through ``session.execute``) costs several times more per row, and no row here needs
    the ORM (no objects are loaded, no defaults run in Python)."""
    statement = insert_for(session, model).on_conflict_do_nothing()
    connection = session.connection()
    for chunk in chunks(rows, size):
        connection.execute(statement, chunk)


def copy_rows(session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Append ``rows`` (values in ``columns``' order; a list or dict value is stored as JSON) to
    ``table`` in the session's transaction: PostgreSQL's ``COPY ... FROM STDIN`` (one round trip,
    several times cheaper per row than INSERT), executemany elsewhere. No conflict handling: the
    caller removes what the rows replace first."""
    if not rows:
        return
    connection = session.connection()
    plain = [[json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v for v in row] for row in rows]
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None  # a live connection in a transaction
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in plain:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    as_text = [
        tuple(v.isoformat() if isinstance(v, date) else v for v in row) for row in plain
    ]  # as SQLAlchemy stores them
    connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", as_text)
