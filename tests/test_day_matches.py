"""Each reader matched once a day: prepare-edition keeps the matches (``day_match``), deliver-due reads
them, and anyone whose radars, feedback, library or papers per email changed since — or who
subscribed later — is matched afresh at delivery (academichub/matching/kept.py), on both databases."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from academichub.db import open_database, session_scope
from academichub.delivery.engine import LIBRARY_STEPS, Steps, deliver_group
from academichub.editions.caches import save_themes, themes_key
from academichub.editions.edition import read_edition
from academichub.matching.kept import encode, forget_matches, kept_matches, match_and_keep
from academichub.matching.profiles import load_profiles, match_profiles
from academichub.models import DayMatch
from academichub.papers.ingest import run_ingest
from academichub.settings import SAMPLE_DAY_DIR, Settings
from subscribers.radars import set_feedback
from subscribers.service import ProfileInput, audience, delete_subscriber, get_subscriber, upsert_subscriber

DAY = date(2026, 6, 22)
READERS = {
    "same@example.com": "quantum information, error correction",
    "edits@example.com": "large language models, prompt injection",
    "votes@example.com": "graph neural networks, molecules",
    "fewer@example.com": "reinforcement learning, robotics",
}


def _setup(db_url: str, tmp_path):
    settings = Settings(database_url=db_url, outbox_dir=tmp_path / "outbox", now="2026-06-22T06:00:00Z", _env_file=None)
    engine = open_database(settings)
    run_ingest(settings, engine, paths=[str(SAMPLE_DAY_DIR)], day=DAY)
    ids = [f.id for f in read_edition(engine, DAY, prepare=False).facts]
    with session_scope(engine) as session:
        save_themes(session, DAY, themes_key(ids), [])  # themes play no part here: no MiniLM to load
        for address, interests in READERS.items():
            upsert_subscriber(session, address, ProfileInput(interests=interests, papers_per_email=5))
    return settings, engine


def _prepare(settings: Settings, engine, edition):
    """What prepare-edition does for the daily readers: match everyone, keep the matches."""
    with session_scope(engine) as session:
        readers = audience(session, DAY).daily
    profiles = load_profiles(engine, readers)
    matches = match_profiles(engine, edition, profiles, settings.representation, settings.min_score)
    forget_matches(engine, DAY)
    assert match_and_keep(engine, edition, readers, settings.representation, settings.min_score).rows == 4
    return matches


def _deliver_matches(settings: Settings, engine, edition, readers):
    """deliver_group's matches per reader, and the addresses the matcher was asked about."""
    asked: list[str] = []
    seen: dict = {}

    def match(engine, edition, profiles, *rest):
        asked.extend(p.reader or p.key for p in profiles)
        return match_profiles(engine, edition, profiles, *rest)

    def deliver(settings, engine, edition, matches, *rest, **kw):
        seen.update(matches)
        return []

    steps = Steps(match=match, write=LIBRARY_STEPS.write, deliver=deliver)
    deliver_group(settings, engine, edition, readers, True, {}, steps=steps)
    return seen, sorted(asked)


def test_kept_matches_serve_unchanged_readers_and_changes_are_matched_afresh(db_url, tmp_path):
    settings, engine = _setup(db_url, tmp_path)
    edition = read_edition(engine, DAY, settings.corpus_days)
    prepared = _prepare(settings, engine, edition)
    assert any(prepared.values())

    with session_scope(engine) as session:
        readers = audience(session, DAY).daily
    # Nothing changed: every reader's kept matches, identical to matching again, and no matching.
    delivered, asked = _deliver_matches(settings, engine, read_edition(engine, DAY, settings.corpus_days), readers)
    assert asked == []
    assert {k: encode(v) for k, v in delivered.items()} == {k: encode(v) for k, v in prepared.items()}

    # After the preparation: a radar edited, a vote, fewer papers wanted, a new reader.
    with session_scope(engine) as session:
        upsert_subscriber(session, "edits@example.com", ProfileInput(interests="superconductivity, phonons"))
        voter, _ = get_subscriber(session, "votes@example.com")
        liked = next(m.paper_id for m in prepared["same@example.com"])
        set_feedback(session, voter.key, liked, 1)
        upsert_subscriber(session, "fewer@example.com", ProfileInput(papers_per_email=2))
        upsert_subscriber(session, "late@example.com", ProfileInput(interests="quantum error correction"))
        readers = audience(session, DAY).daily
    delivered, asked = _deliver_matches(settings, engine, edition, readers)
    changed = ["edits@example.com", "fewer@example.com", "late@example.com", "votes@example.com"]
    assert asked == changed
    fresh = match_profiles(engine, edition, load_profiles(engine, readers), settings.representation, settings.min_score)
    assert {k: encode(v) for k, v in delivered.items()} == {k: encode(v) for k, v in fresh.items()}
    assert encode(delivered["same@example.com"]) == encode(prepared["same@example.com"])
    assert len(delivered["fewer@example.com"]) <= 2 < len(prepared["fewer@example.com"])
    assert encode(delivered["edits@example.com"]) != encode(prepared["edits@example.com"])

    # Another score floor (or edition) is another edition key: nobody's kept row counts.
    profiles = load_profiles(engine, readers)
    found, rest = kept_matches(engine, edition, readers, profiles, settings.representation, settings.min_score + 0.01)
    assert found == {} and len(rest) == len(profiles)

    # Deleting a reader deletes their kept matches (and the foreign key lets it happen).
    with session_scope(engine) as session:
        sub, _ = get_subscriber(session, "same@example.com")
        delete_subscriber(session, sub)
        assert session.exec(select(DayMatch).where(DayMatch.subscriber_id == sub.key)).first() is None


def test_a_new_preparation_replaces_the_day_and_old_days_go(db_url, tmp_path):
    settings, engine = _setup(db_url, tmp_path)
    edition = read_edition(engine, DAY, settings.corpus_days)
    with session_scope(engine) as session:
        sid = get_subscriber(session, "same@example.com")[0].key
        for day, key in ((date(2026, 6, 19), "old"), (date(2026, 6, 21), "yesterday"), (DAY, "stale")):
            session.add(DayMatch(edition_date=day, subscriber_id=sid, edition_key=key, reader_key=key, matches=[]))
        session.commit()
    _prepare(settings, engine, edition)  # forgets the day's stale rows and the old day's, then keeps
    with session_scope(engine) as session:
        rows = session.exec(select(DayMatch.edition_date, DayMatch.edition_key)).all()
    assert sorted(str(d) for d, _ in rows) == ["2026-06-21"] + ["2026-06-22"] * 4
    assert "stale" not in {k for _, k in rows}


def test_match_and_keep_a_slice_at_a_time_keeps_what_matching_everyone_at_once_gives(db_url, tmp_path):
    settings, engine = _setup(db_url, tmp_path)
    with session_scope(engine) as session:
        upsert_subscriber(session, "zh@example.com", ProfileInput(interests="量子纠错", language="zh"))
        upsert_subscriber(session, "nothing@example.com", ProfileInput(interests="medieval Latin palaeography"))
        readers = audience(session, DAY).daily
    edition = read_edition(engine, DAY, settings.corpus_days)
    whole = match_profiles(engine, edition, load_profiles(engine, readers), settings.representation, settings.min_score)
    for size in (1, 4, 100):  # one reader per slice, a slice that ends mid-audience, one slice
        forget_matches(engine, DAY)
        found = match_and_keep(engine, edition, readers, settings.representation, settings.min_score, size=size)
        assert found.rows == len(readers) == 6
        assert found.receiving == sum(1 for m in whole.values() if m) < len(readers)  # palaeography gets none
        by_setting: dict[str, set[str]] = {}
        for sub, _ in readers:
            by_setting.setdefault(sub.language, set()).update(m.paper_id for m in whole[sub.email])
        assert found.received == {k: v for k, v in by_setting.items() if v}
        assert set(found.received) == {"en", "zh"}
        kept, rest = kept_matches(
            engine, edition, readers, load_profiles(engine, readers), settings.representation, settings.min_score
        )
        assert rest == []
        assert {k: encode(v) for k, v in kept.items()} == {k: encode(v) for k, v in whole.items()}
