"""Migration 0012: existing single profiles become each reader's first radar, on both databases."""

from __future__ import annotations

from sqlalchemy import inspect, text

from academichub.settings import Settings


def test_migration_0012_makes_each_profile_a_first_radar_and_back(db_url):
    from alembic import command

    from academichub.db import alembic_config, make_engine

    engine = make_engine(Settings(database_url=db_url, _env_file=None))
    config = alembic_config(engine)
    command.upgrade(config, "0009")
    from sqlmodel import Session

    from academichub.models import Paper

    with Session(engine) as session:  # the paper table is the same before and after 0012
        session.add(Paper(id="2606.00001", title="T"))
        session.commit()
    with engine.begin() as conn:  # the subscriber table as it was at 0009 (later migrations add columns)
        for i in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO subscriber (id, email, name, language, timezone, delivery_hour, frequency,"
                    " papers_per_email, status, empty_day, created_at, updated_at, link_key)"
                    " VALUES (:i, :e, '', 'en', 'UTC', 7, 'daily', 8, 'active', 'short', :t, :t, :k)"
                ),
                {"i": i, "e": f"{'ab'[i - 1]}@example.org", "t": "2026-06-22 07:00:00", "k": f"key{i}"},
            )
    with engine.begin() as conn:
        for i, interests in ((1, "quantum sensing"), (2, "蛋白质")):
            conn.execute(
                text(
                    "insert into interest_profile (subscriber_id, interests, keywords, exclude, categories, authors, "
                    "expanded, expanded_for, updated_at) values "
                    "(:i, :t, '[\"nv centers\"]', '[]', '[]', '[]', '[]', '', CURRENT_TIMESTAMP)"
                ),
                {"i": i, "t": interests},
            )
        conn.execute(
            text(
                "insert into feedback (subscriber_id, paper_id, value, created_at) "
                "values (1, '2606.00001', 1, CURRENT_TIMESTAMP)"
            )
        )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        rows = conn.execute(
            text("select id, subscriber_id, name, interests, keywords from interest_profile order by subscriber_id")
        ).all()
        assert [(r.subscriber_id, r.name, r.interests) for r in rows] == [
            (1, "main", "quantum sensing"),
            (2, "main", "蛋白质"),
        ]
        assert "nv centers" in str(rows[0].keywords)
        assert conn.execute(text("select radar_id from feedback")).scalar() is None
    columns = {c["name"] for c in inspect(engine).get_columns("interest_profile")}
    assert {"id", "name", "subscriber_id"} <= columns
    with engine.begin() as conn:  # a second radar: the unique name per reader holds, ids are generated
        conn.execute(
            text(
                "insert into interest_profile (subscriber_id, name, interests, keywords, exclude, categories, "
                "authors, expanded, expanded_for, updated_at) values "
                "(1, 'speech', 'speech recognition', '[]', '[]', '[]', '[]', '[]', '', CURRENT_TIMESTAMP)"
            )
        )
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from interest_profile where subscriber_id = 1")).scalar() == 2
    command.downgrade(config, "0009")  # back: each reader keeps their first radar
    with engine.connect() as conn:
        back = conn.execute(text("select subscriber_id, interests from interest_profile order by subscriber_id")).all()
        assert [tuple(r) for r in back] == [(1, "quantum sensing"), (2, "蛋白质")]
    assert "radar_id" not in {c["name"] for c in inspect(engine).get_columns("feedback")}
    engine.dispose()
