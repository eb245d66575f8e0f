"""Pure relevance ranking: TF-IDF over a rolling corpus window, one matrix product for all readers.

The matching issue deepens this (profiles, boosts, diversity, embeddings); the seam stays the
same: papers and profiles in, an ordered list of Match per profile out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

RESEARCH_KINDS = frozenset({"article"})


@dataclass(frozen=True, slots=True)
class PaperText:
    id: str
    title: str
    abstract: str
    kind: str = "article"

    @property
    def text(self) -> str:
        # The title says what a paper is about most densely: count it twice.
        return f"{self.title}. {self.title}. {self.abstract}"


@dataclass(slots=True)
class Match:
    paper_id: str
    score: float
    reasons: list[str] = field(default_factory=list)  # the shared terms that weighed most


def fit_vectorizer(corpus: list[str]) -> TfidfVectorizer:
    vec = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2), min_df=1, max_df=0.6, dtype=np.float32)
    vec.fit(corpus or [""])
    return vec


def rank(
    papers: list[PaperText],
    interests: dict[str, str],
    *,
    corpus: list[str] | None = None,
    top_k: int = 8,
    min_score: float = 0.05,
) -> dict[str, list[Match]]:
    """For each profile key, the best ``top_k`` research papers scoring at least ``min_score``.

    ``corpus`` is the rolling window the IDF weights are fitted on (the edition is added to it).
    """
    candidates = [p for p in papers if p.kind in RESEARCH_KINDS]
    result: dict[str, list[Match]] = {key: [] for key in interests}
    if not candidates or not interests:
        return result
    texts = [p.text for p in candidates]
    vec = fit_vectorizer((corpus or []) + texts)
    P = vec.transform(texts)  # papers x terms, L2-normalised
    keys = list(interests)
    Q = vec.transform([interests[k] for k in keys])  # profiles x terms
    scores = (Q @ P.T).toarray()  # profiles x papers: cosine similarity
    terms = vec.get_feature_names_out()
    for row, key in enumerate(keys):
        order = np.argsort(-scores[row], kind="stable")[:top_k]
        q = Q.getrow(row)
        for j in order:
            s = float(scores[row, j])
            if s < min_score:
                break
            result[key].append(Match(candidates[j].id, round(s, 4), _reasons(q, P.getrow(j), terms)))
    return result


def _reasons(q, p, terms, limit: int = 3) -> list[str]:
    """The shared terms that contributed most to the score (the composer words them per language)."""
    shared = q.multiply(p).tocoo()
    if shared.nnz == 0:
        return []
    order = np.argsort(-shared.data)
    picked: list[str] = []
    for idx in order:
        term = terms[shared.col[idx]]
        if any(term in t or t in term for t in picked):
            continue
        picked.append(term)
        if len(picked) == limit:
            break
    return picked
