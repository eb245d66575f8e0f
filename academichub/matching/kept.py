"""Each reader matched once a day: prepare-edition keeps every reader's matches of the edition
(``keep_matches``, table ``day_match``), and deliver-due's batches read them (``kept_matches``)
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
before matches were kept. Rows are written and read a batch at a time, never all readers at once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from academichub.db import chunks, insert_new, session_scope
from academichub.editions.edition import EditionData
from academichub.editions.vectorise import MODEL_NAME
from academichub.matching.match import Match, ProfileSpec, Reason
from academichub.matching.radars import reader_of
from academichub.models import DayMatch
from subscribers.models import InterestProfile, Subscriber

MATCH_FORMAT = 1  # raise when the matcher's answer changes for the same inputs: kept rows then miss
KEEP_DAYS = 2  # rows of editions older than this many days before the one prepared are removed
ROWS = 2000  # readers encoded and inserted (or read) at a time

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


def _rows(
    day: date, ekey: str, readers: Readers, specs: dict[str, list[ProfileSpec]], matches: dict[str, list[Match]]
) -> Iterator[list[dict]]:
    for part in chunks(readers, ROWS):
        yield [
            {
                "edition_date": day,
                "subscriber_id": sub.key,
                "edition_key": ekey,
                "reader_key": reader_key(specs[sub.email]),
                "matches": encode(matches.get(sub.email, [])),
            }
            for sub, _ in part
            if sub.email in specs
        ]


def keep_matches(
    engine: Engine,
    edition: EditionData,
    readers: Readers,
    profiles: list[ProfileSpec],
    matches: dict[str, list[Match]],
    representation: str,
    min_score: float,
) -> int:
    """Keep these readers' matches of ``edition`` (as ``match_profiles`` returned them for ``profiles``),
    ``ROWS`` readers to a transaction. Returns how many rows were written."""
    ekey, specs, written = edition_key(edition, representation, min_score), _by_reader(profiles), 0
    for rows in _rows(edition.day, ekey, readers, specs, matches):
        with session_scope(engine) as session:
            insert_new(session, DayMatch, rows, size=ROWS)
            session.commit()
        written += len(rows)
    return written


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
