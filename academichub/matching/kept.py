"""Each reader matched once a day: prepare-edition keeps every reader's matches of the edition
(``match_and_keep``, table ``day_match``), and deliver-due's batches read them (``kept_matches``)
instead of matching everyone again.

A kept row counts only while nothing the matcher reads has changed since:

- ``edition_key``: the edition's papers as the matcher sees them (ids, texts, kinds, facets, authors,
  themes; the TF-IDF corpus when that is the representation), the representation, the score floor
  and ``MATCH_FORMAT`` (raised when the matcher's output would change for the same inputs);
- ``reader_key``: every field of every radar's ``ProfileSpec`` as ``load_profiles`` builds it at
  delivery time — interests, keywords, filters, followed authors, the texts of the papers liked and
  disliked, the library, papers per email, the address.

So a reader who edits a radar, gives feedback, syncs a library or changes how many papers they want
after the preparation, and a reader who subscribed later, is matched afresh at delivery, exactly as
before matches were kept. Rows are written and read a batch at a time, never all readers at once:
prepare-edition matches a slice of readers and keeps it before reading the next (``match_and_keep``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from academichub.db import chunks, copy_rows, session_scope
from academichub.editions.edition import EditionData
from academichub.editions.vectorise import MODEL_NAME
from academichub.matching.match import Match, ProfileSpec, Reason
from academichub.matching.profiles import load_profiles, match_profiles
from academichub.matching.radars import reader_of
from academichub.models import DayMatch
from subscribers.models import InterestProfile, Subscriber

MATCH_FORMAT = 1  # raise when the matcher's answer changes for the same inputs: kept rows then miss
KEEP_DAYS = 2  # rows of editions older than this many days before the one prepared are removed
# Readers prepare-edition matches and keeps at a time: small enough that their matches are a small
# part of the process (100,000 readers' were 0.5 GiB), large enough that what each slice costs once
# (profiles' queries, keyword indexes) does not show (2,000 at a time was 20 % slower overall).
SLICE = 10_000

Readers = list[tuple[Subscriber, InterestProfile]]


def edition_key(edition: EditionData, representation: str, min_score: float) -> str:
    """What the matcher's answers depend on besides the reader (see the module's docstring), computed
    once per edition object (deliver-due's batches in one process share it)."""
    key = edition.match_keys.get((representation, min_score))
    if key is None:
        key = edition.match_keys[(representation, min_score)] = _edition_key(edition, representation, min_score)
    return key


def _edition_key(edition: EditionData, representation: str, min_score: float) -> str:
    # The encoder's name carries its input length: a deploy that changes how papers are encoded misses
    # the rows kept before it instead of serving them.
    encoder = MODEL_NAME if representation == "semantic" else None
    h = hashlib.sha256(json.dumps([MATCH_FORMAT, representation, encoder, min_score, str(edition.day)]).encode())
    for f in edition.facts:
        fields = [f.id, f.title, f.abstract, f.kind, list(f.categories), sorted(f.facets), list(f.authors), f.theme]
        h.update(json.dumps(fields, ensure_ascii=False).encode())
    if representation == "tfidf":  # the IDF weights are fitted on it; MiniLM ignores it
        h.update(str(len(edition.corpus)).encode())
        for text in edition.corpus:
            h.update(text.encode())
            h.update(b"\0")
    return h.hexdigest()


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.astuple(value)
    return str(value)


def reader_key(specs: list[ProfileSpec]) -> str:
    """Every field of every one of a reader's radar specs (in their order): any change is a new key."""
    names = [f.name for f in dataclasses.fields(ProfileSpec)]
    values = [[getattr(spec, name) for name in names] for spec in specs]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False, default=_plain).encode()).hexdigest()


def encode(matches: list[Match]) -> list:
    """A reader's matches as a compact JSON value (a list per match)."""
    return [[m.paper_id, m.score, m.radar, m.radar_id, [[r.kind, r.values] for r in m.reasons]] for m in matches]


def decode(rows: Sequence) -> list[Match]:
    return [
        Match(pid, score, [Reason(kind, list(values)) for kind, values in reasons], radar=radar, radar_id=radar_id)
        for pid, score, radar, radar_id, reasons in rows
    ]


def _by_reader(profiles: list[ProfileSpec]) -> dict[str, list[ProfileSpec]]:
    out: dict[str, list[ProfileSpec]] = {}
    for spec in profiles:
        out.setdefault(reader_of(spec), []).append(spec)
    return out


def forget_matches(engine: Engine, day: date) -> None:
    """Before a preparation of ``day``: its earlier rows (replaced) and those of editions more than
    ``KEEP_DAYS`` older (no run delivers them any more) go."""
    with session_scope(engine) as session:
        session.execute(
            delete(DayMatch).where(
                (col(DayMatch.edition_date) == day) | (col(DayMatch.edition_date) < day - timedelta(days=KEEP_DAYS))
            )
        )
        session.commit()


_COLUMNS = ("edition_date", "subscriber_id", "edition_key", "reader_key", "matches")


def _write(
    engine: Engine,
    day: date,
    ekey: str,
    readers: Readers,
    specs: dict[str, list[ProfileSpec]],
    matches: dict[str, list[Match]],
) -> int:
    """One transaction of rows (``copy_rows``: COPY on PostgreSQL). Returns how many were written."""
    rows = [
        (day, sub.key, ekey, reader_key(specs[sub.email]), encode(matches.get(sub.email, [])))
        for sub, _ in readers
        if sub.email in specs
    ]
    with session_scope(engine) as session:
        copy_rows(session, DayMatch.__tablename__, _COLUMNS, rows)
        session.commit()
    return len(rows)


@dataclass(slots=True)
class Kept:
    """What matching and keeping a group told of it: the papers its readers receive, by the readers'
    language setting (what the per-paper and per-theme LLM levels are written for), how many readers
    receive at least one paper, and the rows kept."""

    received: dict[str, set[str]] = field(default_factory=dict)
    receiving: int = 0
    rows: int = 0


def match_and_keep(
    engine: Engine, edition: EditionData, readers: Readers, representation: str, min_score: float, size: int = SLICE
) -> Kept:
    """prepare-edition's matching: ``readers`` ``size`` at a time, each slice's radars read, matched and
    kept (after ``forget_matches`` of the day) before the next is read, so neither every reader's specs
    nor every reader's matches are ever held at once (memory does not grow with the audience)."""
    out, ekey = Kept(), edition_key(edition, representation, min_score)
    for part in chunks(readers, size):
        profiles = load_profiles(engine, part)
        matches = match_profiles(engine, edition, profiles, representation, min_score)
        out.rows += _write(engine, edition.day, ekey, part, _by_reader(profiles), matches)
        for sub, _ in part:
            got = matches.get(sub.email)
            if got:
                out.receiving += 1
                out.received.setdefault(sub.language, set()).update(m.paper_id for m in got)
    return out


def kept_matches(
    engine: Engine,
    edition: EditionData,
    readers: Readers,
    profiles: list[ProfileSpec],
    representation: str,
    min_score: float,
) -> tuple[dict[str, list[Match]], list[ProfileSpec]]:
    """The kept matches of the readers whose row still counts, by address, and the radar specs of the
    others (to be matched now)."""
    specs = _by_reader(profiles)
    ekey = edition_key(edition, representation, min_score)
    wanted = {sub.key: sub.email for sub, _ in readers if sub.email in specs}
    found: dict[str, list[Match]] = {}
    with session_scope(engine) as session:
        for ids in chunks(sorted(wanted)):
            for sid, rkey, rows in session.exec(
                select(DayMatch.subscriber_id, DayMatch.reader_key, DayMatch.matches).where(
                    DayMatch.edition_date == edition.day,
                    DayMatch.edition_key == ekey,
                    col(DayMatch.subscriber_id).in_(ids),
                )
            ):
                email = wanted[sid]
                if rkey == reader_key(specs[email]):
                    found[email] = decode(rows)
    rest = [spec for spec in profiles if reader_of(spec) not in found]
    return found, rest
