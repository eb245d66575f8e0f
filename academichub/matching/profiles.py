"""From subscribers to what the matcher takes: each reader's ``ProfileSpec`` (their profile, and the
papers they liked or disliked), and the edition's matcher, built once per edition object."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from academichub.db import session_scope
from academichub.editions.caches import DbEmbeddingCache
from academichub.editions.edition import EditionData
from academichub.editions.vectorise import MODEL_NAME, make_vectoriser
from academichub.matching.match import Match, Matcher, ProfileSpec
from academichub.matching.zh import make_chinese_terms
from academichub.papers import store
from subscribers.models import InterestProfile, Subscriber
from subscribers.service import feedback_for

Readers = list[tuple[Subscriber, InterestProfile]]

_MATCHER_LOCK = threading.Lock()  # batches on threads of one process build an edition's matcher once


def profile_spec(
    sub: Subscriber, profile: InterestProfile, feedback: dict[str, int], texts: dict[str, str]
) -> ProfileSpec:
    return ProfileSpec(
        key=sub.email,
        interests=profile.interests,
        expanded=list(profile.expanded),
        keywords=list(profile.keywords),
        exclude=list(profile.exclude),
        categories=list(profile.categories),
        authors=list(profile.authors),
        liked=[texts[p] for p, v in feedback.items() if v > 0 and p in texts],
        disliked=[texts[p] for p, v in feedback.items() if v < 0 and p in texts],
        top_n=sub.papers_per_email,
    )


def load_profiles(engine: Engine, readers: Readers) -> list[ProfileSpec]:
    with session_scope(engine) as session:
        feedback = feedback_for(session, [s.key for s, _ in readers])
        texts = store.paper_texts(session, sorted({p for f in feedback.values() for p in f}))
    return [profile_spec(s, p, feedback.get(s.key, {}), texts) for s, p in readers]


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
    """Every profile's papers of the edition, best first."""
    return build_matcher(engine, edition, representation).match(profiles, min_score=min_score)
