"""A ranking that learns: once a radar has enough signal, a per-radar classifier blends with similarity.

Signal: the radar's likes and its library papers (positives) and its dislikes (negatives). Below
``MIN_POSITIVES`` positives the profile is today's Rocchio one (likes and dislikes move the query
vector: ``match.py``). From there, a logistic regression on the paper vectors (the edition's TF-IDF,
the same space as matching) is trained per radar, with ``RANDOM_NEGATIVES`` of the day's other papers
as negatives as well (Scholar Inbox's recipe: what a reader did not pick is mostly not theirs), and
its probability blends with the similarity:

    score = (1 - w) · similarity + w · p(relevant) · scale,   w = LEARNED_WEIGHT · min(1, signal / FULL_SIGNAL)

``scale`` is the row's best similarity (so the blend reorders within the similarity's range and the
floor keeps its meaning). Deterministic: the random negatives are drawn with a seed from the radar's
key. Measured by simulating readers who rate with the judged labels (``bench/learning_curve.py``).
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from academichub.editions.vectorise import Vectoriser

if TYPE_CHECKING:
    from academichub.matching.match import ProfileSpec

MIN_POSITIVES = 5
FULL_SIGNAL = 20
LEARNED_WEIGHT = 0.5
RANDOM_NEGATIVES = 30
SIGNAL_MEMORY = 50  # most recent likes/dislikes used, as for Rocchio


def positives(p: ProfileSpec) -> list[str]:
    return [*p.liked[-SIGNAL_MEMORY:], *(e.text for e in p.library)]


def blend_learned(vectoriser: Vectoriser, papers, profiles: list[ProfileSpec], S: np.ndarray) -> np.ndarray:
    """``S`` (profiles x papers similarity) with the rows of radars that have enough signal blended with
    their classifier's probabilities."""
    from sklearn.linear_model import LogisticRegression

    n = papers.shape[0]
    for row, p in enumerate(profiles):
        pos = positives(p)
        if len(pos) < MIN_POSITIVES or n < 2:
            continue
        neg = p.disliked[-SIGNAL_MEMORY:]
        rng = np.random.default_rng(zlib.crc32(p.key.encode()))
        sample = rng.choice(n, size=min(RANDOM_NEGATIVES, n), replace=False)
        X = (
            sp.vstack([vectoriser.encode(pos + neg), papers[sample]])
            if sp.issparse(papers)
            else np.vstack([np.asarray(vectoriser.encode(pos + neg)), np.asarray(papers)[sample]])
        )
        y = np.array([1] * len(pos) + [0] * (len(neg) + len(sample)))
        clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=200)
        clf.fit(X, y)
        proba = clf.predict_proba(papers)[:, 1].astype(np.float32)
        finite = S[row][np.isfinite(S[row])]
        scale = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        w = LEARNED_WEIGHT * min(1.0, (len(pos) + len(neg)) / FULL_SIGNAL)
        S[row] = np.where(np.isfinite(S[row]), (1 - w) * S[row] + w * proba * scale, S[row])
    return S
