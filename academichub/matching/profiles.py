"""From subscribers to what the matcher takes: a ``ProfileSpec`` per radar of each reader (the radar,
and the papers liked or disliked under it), and the edition's matcher, built once per edition object."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from academichub.db import session_scope
from academichub.editions.caches import DbEmbeddingCache
from academichub.editions.edition import EditionData
from academichub.editions.vectorise import MODEL_NAME, make_vectoriser
from academichub.matching.library import library_examples
from academichub.matching.match import Match, Matcher, ProfileSpec
from academichub.matching.radars import by_reader
from academichub.matching.zh import make_chinese_terms
from academichub.papers import store
from subscribers.library import library_of
from subscribers.models import Feedback, InterestProfile, Subscriber
from subscribers.radars import feedback_rows, radars_for

Readers = list[tuple[Subscriber, InterestProfile]]

_MATCHER_LOCK = threading.Lock()  # batches on threads of one process build an edition's matcher once


def profile_spec(
    sub: Subscriber,
    profile: InterestProfile,
    feedback: dict[str, int],
    texts: dict[str, str],
    *,
    key: str | None = None,
) -> ProfileSpec:
    """One radar of a reader as the matcher takes it (``key``: the reader's address unless they have
    several radars, then one radar's own key; ``reader`` says whose it is)."""
    return ProfileSpec(
        key=key or sub.email,
        interests=profile.interests,
        expanded=list(profile.expanded),
        keywords=list(profile.keywords),
        exclude=list(profile.exclude),
        categories=list(profile.categories),
        authors=list(profile.authors),
        liked=[texts[p] for p, v in feedback.items() if v > 0 and p in texts],
        disliked=[texts[p] for p, v in feedback.items() if v < 0 and p in texts],
        top_n=sub.papers_per_email,
        reader=sub.email,
        radar=profile.name,
        radar_id=profile.id,
        library=library_examples(library_of(profile)),
    )


def radar_specs(
    sub: Subscriber, radars: list[InterestProfile], votes: list[Feedback], texts: dict[str, str]
) -> list[ProfileSpec]:
    """One spec per radar (first radar first). A vote trains the radar it names; a vote with no radar
    (from before radars, or the CLI's) or naming a radar since removed trains the first radar."""
    ids = {r.id for r in radars}
    per: dict[int | None, dict[str, int]] = {r.id: {} for r in radars}
    for f in sorted(votes, key=lambda f: f.id or 0):  # oldest first, as before radars
        per[f.radar_id if f.radar_id in ids else radars[0].id][f.paper_id] = f.value
    if len(radars) == 1:
        return [profile_spec(sub, radars[0], per[radars[0].id], texts)]
    return [profile_spec(sub, r, per[r.id], texts, key=f"{sub.email}\n{r.id}") for r in radars]


def load_profiles(
    engine: Engine, readers: Readers, radars: dict[int, list[InterestProfile]] | None = None
) -> list[ProfileSpec]:
    """Every radar of every reader (``readers`` carry their first radar; a profile not stored is
    matched as it is). ``radars``: the readers' radars when the caller has read them already."""
    ids = [s.key for s, _ in readers]
    with session_scope(engine) as session:
        stored = radars_for(session, ids) if radars is None else radars
        votes = feedback_rows(session, ids)
        texts = store.paper_texts(session, sorted({f.paper_id for f in votes}))
    by_reader: dict[int, list[Feedback]] = {}
    for f in votes:
        by_reader.setdefault(f.subscriber_id, []).append(f)
    specs: list[ProfileSpec] = []
    for s, p in readers:
        theirs = (stored.get(s.key) if p.id is not None else None) or [p]
        specs += radar_specs(s, theirs, by_reader.get(s.key, []), texts)
    return specs


def build_matcher(engine: Engine, edition: EditionData, representation: str) -> Matcher:
    """The edition's matcher (vectoriser fitted, papers encoded), kept on the edition object:
    deliver-due's batches in one process share it."""
    with _MATCHER_LOCK:
        matcher = edition.matchers.get(representation)
        if matcher is None:
            cache = DbEmbeddingCache(engine, MODEL_NAME)
            matcher = edition.matchers[representation] = Matcher(
                edition.facts,
                make_vectoriser(representation, edition.corpus + [f.text for f in edition.facts], cache),
                zh=make_chinese_terms(),  # Chinese interests that no LLM expanded
            )
    return matcher


def match_profiles(
    engine: Engine, edition: EditionData, profiles: list[ProfileSpec], representation: str, min_score: float
) -> dict[str, list[Match]]:
    """Every reader's papers of the edition (their radars combined: academichub.matching.radars),
    keyed by the reader's address; each match names the radar it was picked for."""
    found = build_matcher(engine, edition, representation).match(profiles, min_score=min_score)
    return by_reader(profiles, found)
