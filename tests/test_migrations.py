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


def test_failure_kinds_move_from_the_reason_text_to_their_own_column(db_url):
    """Migration 0010 on a ledger written before it: ``transient: ``/``permanent: `` prefixes become
    ``failure_kind``, the rest stays the reason, other rows are untouched; a transient row stays retryable."""
    from alembic import command

    from academichub.db import alembic_config

    engine = make_engine(Settings(database_url=db_url, _env_file=None))
    config = alembic_config(engine)
    command.upgrade(config, "0009")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO subscriber (email, name, language, timezone, delivery_hour, frequency, papers_per_email,"
                " status, empty_day, created_at, updated_at, link_key)"
                " VALUES ('a@example.org', '', 'en', 'UTC', 7, 'daily', 8, 'active', 'short', :t, :t, 'k')"
            ),
            {"t": "2026-06-22 07:00:00"},
        )
        sid = conn.execute(text("SELECT id FROM subscriber")).scalar_one()
        for day, state, reason in [
            ("2026-06-22", "failed", "transient: end of DATA: 451 4.7.1 try later"),
            ("2026-06-23", "failed", "permanent: RCPT TO: 550 5.1.1 no such user"),
            ("2026-06-24", "skipped", "paused until 2026-07-01"),
            ("2026-06-25", "failed", "an old reason with no prefix"),
        ]:
            conn.execute(
                text(
                    "INSERT INTO delivery (subscriber_id, edition_date, state, reason, attempts, updated_at)"
                    " VALUES (:s, :d, :state, :reason, 1, :t)"
                ),
                {"s": sid, "d": day, "state": state, "reason": reason, "t": "2026-06-22 07:00:00"},
            )
    command.upgrade(config, "0010")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT edition_date, state, failure_kind, reason FROM delivery ORDER BY edition_date")
        ).all()
    engine.dispose()
    assert [tuple(r)[1:] for r in rows] == [
        ("failed", "transient", "end of DATA: 451 4.7.1 try later"),
        ("failed", "permanent", "RCPT TO: 550 5.1.1 no such user"),
        ("skipped", None, "paused until 2026-07-01"),
        ("failed", None, "an old reason with no prefix"),
    ]
