"""Storage and the ingest core on a real database: SQLite, and PostgreSQL when configured."""

from __future__ import annotations

from datetime import date

from sqlalchemy import inspect, text
from sqlmodel import select

from academichub.db import open_database, session_scope
from academichub.models import Edition, EditionPaper, FetchLog, Listing, Paper, PaperAlias
from academichub.papers import store
from academichub.papers.ingest import collect_paths, ingest_documents, read_document
from academichub.settings import Settings

DAY = date(2026, 4, 27)


def counts(engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return {m.__name__: len(s.exec(select(m)).all()) for m in (Paper, PaperAlias, Listing, EditionPaper, Edition)}


def ingest_fixtures(engine, settings, fixtures_dir, names=None):
    paths = [fixtures_dir / n for n in names] if names else collect_paths([fixtures_dir])
    return ingest_documents(engine, [read_document(p) for p in paths], day=DAY, settings=settings)


def test_migrations_create_the_schema_and_are_idempotent(db_url):
    settings = Settings(database_url=db_url, _env_file=None)
    engine = open_database(settings)
    open_database(settings)  # second run: nothing to do, no error
    tables = set(inspect(engine).get_table_names())
    assert {
        "paper",
        "paper_alias",
        "listing",
        "edition",
        "edition_paper",
        "fetch_log",
        "subscriber",
        "alembic_version",
    } <= tables
    from alembic.script import ScriptDirectory

    from academichub.db import alembic_config

    [head] = ScriptDirectory.from_config(alembic_config(engine)).get_heads()  # one line of history, no branches
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == head
    assert {"interest_profile", "feedback"} <= tables


def test_migration_0002_moves_interests_into_profiles(db_url):
    from alembic import command

    from academichub.db import alembic_config, make_engine

    engine = make_engine(Settings(database_url=db_url, _env_file=None))
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "insert into subscriber "
                "(email, name, language, interests, timezone, delivery_hour, papers_per_email, status, created_at) "
                "values ('a@example.org', '', 'en', 'quantum sensing', 'UTC', 7, 8, 'active', CURRENT_TIMESTAMP)"
            )
        )
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as conn:
        assert conn.execute(text("select interests from interest_profile")).scalar() == "quantum sensing"
        assert conn.execute(text("select frequency from subscriber")).scalar() == "daily"
    command.downgrade(alembic_config(engine), "0001")
    with engine.connect() as conn:
        assert conn.execute(text("select interests from subscriber")).scalar() == "quantum sensing"


def test_ingest_stores_everything_and_twice_adds_nothing(db_url, fixtures_dir):
    settings = Settings(database_url=db_url, _env_file=None)
    engine = open_database(settings)
    report = ingest_fixtures(engine, settings, fixtures_dir)
    assert report.new_papers == 105  # 20 API + 3 cs.AI + 3 cs.LG + 1 bioRxiv + 3 medRxiv + 75 Nature
    assert report.edition_added == 100  # the 5 API entries at version > 1 are replacements
    by_key = {s.key: s for s in report.sources}
    assert by_key["arxiv-cs"].health == "no_announcement"
    failed = [s for s in report.sources if s.health == "failed"]
    assert len(failed) == 1 and "Rate exceeded" in failed[0].error
    before = counts(engine)
    again = ingest_fixtures(engine, settings, fixtures_dir)
    assert again.new_papers == 0 and again.updated_papers == 0 and again.edition_added == 0
    assert counts(engine) == before
    with session_scope(engine) as s:
        logs = s.exec(select(FetchLog)).all()
        assert len(logs) == 2 * len(report.sources)
        nature = s.get(Paper, "doi:10.1038/s41586-024-07811-4")
        assert nature.authors == ["Gabriel J. Lovinger", "Marcus H. Sak", "Eric N. Jacobsen"]
        assert nature.source_labels == ["Nature"] and nature.kind == "article" and nature.abstract == ""
        assert nature.published == date(2024, 7, 18)
        ed = store.edition_papers(s, DAY)
        assert len(ed) == 100 and ed[0][1]  # each with its label
        assert store.latest_edition_date(s) == DAY


def test_cross_listing_across_files_merges_in_the_database(db_url, fixtures_dir, tmp_path):
    settings = Settings(database_url=db_url, _env_file=None)
    engine = open_database(settings)
    ai = (fixtures_dir / "arxiv-rss-csAI-jmamath-trimmed.xml").read_bytes()
    # cs.LG lists the first cs.AI paper as a cross-list (how arXiv's cs.LG feed would show it).
    lg = ai.replace(b"cs.AI updates on arXiv.org", b"cs.LG updates on arXiv.org").replace(b"rss/cs.AI", b"rss/cs.LG")
    lg = lg.replace(
        b"<arxiv:announce_type>new</arxiv:announce_type>", b"<arxiv:announce_type>cross</arxiv:announce_type>", 1
    )
    (tmp_path / "ai.xml").write_bytes(ai)
    (tmp_path / "lg.xml").write_bytes(lg)
    report = ingest_documents(
        engine, [read_document(tmp_path / "ai.xml"), read_document(tmp_path / "lg.xml")], day=DAY, settings=settings
    )
    assert report.new_papers == 3 and report.merges == {"cross-listing": 3}
    with session_scope(engine) as s:
        p = s.get(Paper, "2604.21935")
        assert p.source_labels == ["arXiv (cs.AI)", "arXiv (cs.LG)"]
        listings = s.exec(select(Listing).where(Listing.paper_id == "2604.21935")).all()
        assert {(row.source_key, row.announce_type) for row in listings} == {
            ("arxiv-cs.AI", "new"),
            ("arxiv-cs.LG", "cross"),
        }


def test_replacement_on_a_later_day_updates_the_stored_paper(db_url, fixtures_dir, tmp_path):
    settings = Settings(database_url=db_url, _env_file=None)
    engine = open_database(settings)
    ingest_fixtures(engine, settings, fixtures_dir, ["arxiv-rss-csAI-jmamath-trimmed.xml"])
    v2 = (fixtures_dir / "arxiv-rss-csAI-jmamath-trimmed.xml").read_bytes()
    v2 = v2.replace(b"oai:arXiv.org:2604.21935v1", b"oai:arXiv.org:2604.21935v2")
    v2 = v2.replace(
        b"<arxiv:announce_type>new</arxiv:announce_type>", b"<arxiv:announce_type>replace</arxiv:announce_type>", 1
    )
    v2 = v2.replace(b"Math Takes Two: A test", b"Math Takes Two, revised: A test")
    (tmp_path / "v2.xml").write_bytes(v2)
    report = ingest_documents(engine, [read_document(tmp_path / "v2.xml")], day=date(2026, 4, 28), settings=settings)
    assert report.new_papers == 0 and report.updated_papers == 1 and report.edition_added == 0
    with session_scope(engine) as s:
        p = s.get(Paper, "2604.21935")
        assert p.arxiv_version == 2 and p.title.startswith("Math Takes Two, revised")


def test_fetch_history_drives_suspect_and_validators(db_url):
    settings = Settings(database_url=db_url, _env_file=None)
    engine = open_database(settings)
    with session_scope(engine) as s:
        store.add_fetch_logs(
            s,
            [
                FetchLog(
                    run_id=str(i),
                    source_key="arxiv-cs.AI",
                    url="u",
                    http_status=200,
                    items=n,
                    etag=f'"e{i}"',
                    health="ok",
                )
                for i, n in enumerate([300, 310, 290])
            ],
        )
        assert store.item_history(s, "arxiv-cs.AI") == [300, 310, 290]
        assert store.last_validators(s, "arxiv-cs.AI")[0] == '"e2"'
        assert store.last_validators(s, "nope") == (None, None)


def test_embedding_cache_encodes_each_text_once(db_url, monkeypatch):
    import numpy as np

    from academichub.editions.caches import DbEmbeddingCache
    from academichub.editions.vectorise import MODEL_NAME, SemanticVectoriser

    engine = open_database(Settings(database_url=db_url, _env_file=None))
    v = SemanticVectoriser(cache=DbEmbeddingCache(engine, MODEL_NAME))
    calls = []
    real = v._encode_now
    monkeypatch.setattr(v, "_encode_now", lambda texts: calls.append(list(texts)) or real(texts))
    texts = ["quantum error mitigation", "LLM jailbreak defences", "quantum error mitigation"]
    first = v.encode(texts)
    again = v.encode(list(reversed(texts)))
    assert calls == [["quantum error mitigation", "LLM jailbreak defences"]]  # once each, never again
    assert np.allclose(first[0], again[2]) and np.allclose(first[1], again[1]) and first.shape == (3, 384)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)


def test_run_ingest_reads_files_and_fetches_sources_without_prefect(tmp_path, fixtures_dir, httpserver):
    from academichub.papers.ingest import run_ingest
    from academichub.papers.sources import Source, SourceConfig
    from tests.conftest import fixture_bytes

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'academichub.db'}",
        sources_file=tmp_path / "missing.toml",
        http_backoff=0.01,
        arxiv_min_interval=0.0,
        _env_file=None,
    )
    engine = open_database(settings)
    report = run_ingest(settings, engine, paths=[str(fixtures_dir)], day=DAY)  # no sources file: no holidays, no error
    assert report.new_papers == 105 and report.edition_added == 100

    httpserver.expect_request("/nature.rss").respond_with_data(
        fixture_bytes("nature-rss-dakesan.xml"), headers={"ETag": '"n-1"'}
    )
    config = SourceConfig(sources=(Source(key="nature", url=httpserver.url_for("/nature.rss"), label="Nature"),))
    fetched = run_ingest(settings, engine, paths=None, day=DAY, config=config)
    assert [(s.key, s.status, s.items, s.new) for s in fetched.sources] == [("nature", 200, 75, 0)]
    with session_scope(engine) as s:
        assert store.last_validators(s, "nature") == ('"n-1"', None)


def test_migration_0009_gives_every_reader_a_link_key_and_keeps_their_old_links(db_url):
    """Readers stored before link keys get a legacy key (the links already emailed to them carry no
    key and keep working for them); readers added later get a plain key and no keyless link fits them."""
    from alembic import command

    from academichub.db import alembic_config, make_engine
    from subscribers.service import ProfileInput, upsert_subscriber
    from subscribers.tokens import named_reader

    engine = make_engine(Settings(database_url=db_url, _env_file=None))
    command.upgrade(alembic_config(engine), "0008")
    with engine.begin() as conn:
        for address in ("a@example.org", "b@example.org"):
            conn.execute(
                text(
                    "insert into subscriber (email, name, language, timezone, delivery_hour, frequency, "
                    "papers_per_email, status, empty_day, created_at, updated_at) values "
                    f"('{address}', '', 'en', 'UTC', 7, 'daily', 8, 'active', 'short', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as conn:
        keys = dict(conn.execute(text("select id, link_key from subscriber")).all())
    assert len(keys) == 2 and all(k.startswith("legacy.") for k in keys.values()) and len(set(keys.values())) == 2
    with session_scope(engine) as s:
        old_id = min(keys)
        assert named_reader(s, {"s": old_id}).email == "a@example.org"  # a link emailed before the upgrade
        assert named_reader(s, {"s": old_id, "k": keys[old_id]}) is not None
        assert named_reader(s, {"s": old_id, "k": keys[max(keys)]}) is None  # someone else's key
        new, _, _ = upsert_subscriber(s, "c@example.org", ProfileInput(interests="x"))
        assert not new.link_key.startswith("legacy.") and named_reader(s, {"s": new.id}) is None
