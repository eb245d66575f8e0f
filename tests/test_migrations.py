"""Migrations started together on one empty database: the schema ends at head and nobody fails."""

from __future__ import annotations

import multiprocessing as mp

import pytest
from sqlalchemy import inspect, text

from academichub.db import make_engine
from academichub.settings import Settings

PROCESSES = 4


def _migrate_after(barrier, url: str, results) -> None:
    from academichub.db import DatabaseError, migrate

    engine = make_engine(Settings(database_url=url, _env_file=None))
    barrier.wait()
    try:
        migrate(engine)
        results.put("ok")
    except DatabaseError as exc:  # the race showed as UniqueViolation on alembic_version / pg_type
        results.put(f"failed: {exc}")
    finally:
        engine.dispose()


def test_processes_migrating_an_empty_database_at_once_all_succeed(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers itself; the race is PostgreSQL's")
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [ctx.Process(target=_migrate_after, args=(barrier, db_url, results)) for _ in range(PROCESSES)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    outcomes = [results.get(timeout=5) for _ in procs]
    assert outcomes == ["ok"] * PROCESSES, outcomes

    engine = make_engine(Settings(database_url=db_url, _env_file=None))
    with engine.connect() as conn:
        heads = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert len(heads) == 1
    assert {"paper", "subscriber", "delivery"} <= set(inspect(engine).get_table_names())
    engine.dispose()
