"""Pure theme discovery: cluster an edition's papers, label each cluster, mark cross-domain ones.

Method: sentence embeddings (all-MiniLM-L6-v2, the [semantic] extra) or, without them, TF-IDF
reduced with truncated SVD (LSA); then agglomerative clustering with average linkage on cosine
distance and a distance threshold. On the seed papers the embeddings group agents, speech,
medical ML, LLM safety, quantum and learning-theory papers coherently at a threshold of 0.6,
while LSA at that size also joins unrelated papers; so embeddings are used when installed (see
docs/architecture.md). Why agglomerative clustering:
the number of themes is not known in advance (a threshold finds it, k-means would need k), the
result is deterministic (no random restarts, the same day gives the same themes), and average
linkage does not chain unrelated papers together the way single linkage does. A theme needs at
least two papers; the rest stay unthemed. Labels are the heaviest terms of the cluster's
TF-IDF centroid. A theme is cross-domain when its papers come from at least two fields
(computer science, physics, medicine, biology, ...), e.g. cs.CL with medRxiv, cs.LG with quant-ph.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize

from academichub.editions.theme import Theme
from academichub.editions.vectorise import TfidfVectoriser
from academichub.papers.views import PaperFacts

SEMANTIC_THRESHOLD = 0.6  # cosine distance between sentence embeddings
LSA_THRESHOLD = 0.6  # cosine distance in LSA space
MAX_DIMENSIONS = 100
# Words that say nothing about a theme; never used as a label.
GENERIC = frozenset(
    """using based approach approaches method methods model models results result paper propose proposed
study studies data new learning framework frameworks analysis performance show shows task tasks work existing
different present novel use used also however across well two one three high low large small 95 ci""".split()
)

_FIELD_BY_ARCHIVE = {
    "cs": "computer science",
    "stat": "statistics",
    "math": "mathematics",
    "eess": "engineering",
    "q-bio": "biology",
    "q-fin": "economics",
    "econ": "economics",
    "quant-ph": "physics",
    "physics": "physics",
    "cond-mat": "physics",
    "astro-ph": "physics",
    "gr-qc": "physics",
    "hep-th": "physics",
    "hep-ph": "physics",
    "hep-ex": "physics",
    "hep-lat": "physics",
    "nucl-th": "physics",
    "nucl-ex": "physics",
    "nlin": "physics",
    "math-ph": "physics",
}


def field_of(paper: PaperFacts) -> str | None:
    """The research field of a paper, from its primary category or its preprint server."""
    if "medrxiv" in paper.facets:
        return "medicine"
    if "biorxiv" in paper.facets:
        return "biology"
    if paper.categories:
        archive = paper.categories[0].split(".")[0]
        return _FIELD_BY_ARCHIVE.get(archive, archive)
    return None


def embed_for_themes(texts: list[str], tfidf, cache=None) -> tuple[np.ndarray, float]:
    """Sentence embeddings when the [semantic] extra is installed, else LSA of the TF-IDF rows."""
    from academichub.editions.vectorise import RepresentationUnavailable, SemanticVectoriser

    try:
        return SemanticVectoriser(cache=cache).encode(texts), SEMANTIC_THRESHOLD
    except RepresentationUnavailable:
        dims = min(MAX_DIMENSIONS, tfidf.shape[1] - 1, max(2, len(texts) // 4))
        return normalize(TruncatedSVD(n_components=dims, random_state=0).fit_transform(tfidf)), LSA_THRESHOLD


def find_themes(
    papers: list[PaperFacts],
    *,
    corpus: list[str] | None = None,
    labels_by_id: dict[str, list[str]] | None = None,
    vectors: np.ndarray | None = None,
    threshold: float | None = None,
    cache=None,
) -> list[Theme]:
    """Themes of an edition, largest first (cross-domain first among equals).

    ``vectors`` (one L2-normalised row per research paper) may be passed in, e.g. cached
    embeddings; otherwise they are computed here."""
    papers = [p for p in papers if p.kind == "article"]
    if len(papers) < 2:
        return []
    vec = TfidfVectoriser((corpus or []) + [p.text for p in papers])
    X = vec.encode([p.text for p in papers])
    if vectors is None:
        vectors, default_threshold = embed_for_themes([p.text for p in papers], X, cache)
    else:
        default_threshold = SEMANTIC_THRESHOLD
    clusters = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold or default_threshold
    ).fit_predict(vectors)
    terms = vec.terms()
    themes: list[Theme] = []
    for c in sorted(set(clusters)):
        members = np.flatnonzero(clusters == c)
        if len(members) < 2:
            continue
        centroid = np.asarray(X[members].sum(axis=0)).ravel()
        label: list[str] = []
        for idx in np.argsort(-centroid):
            term = str(terms[idx])
            if centroid[idx] <= 0 or len(label) == 3:
                break
            if any(w in GENERIC for w in term.split()) or any(term in t or t in term for t in label):
                continue
            label.append(term)
        chosen = [papers[i] for i in members]
        cats = Counter(p.categories[0] for p in chosen if p.categories)
        fields = sorted({f for f in (field_of(p) for p in chosen) if f})
        sources = sorted({s for p in chosen for s in (labels_by_id or {}).get(p.id, [])})
        themes.append(
            Theme(
                id=0,
                label=label,
                paper_ids=[p.id for p in chosen],
                categories=[c for c, _ in cats.most_common()],
                fields=fields,
                cross_domain=len(fields) >= 2,
                sources=sources,
            )
        )
    themes.sort(key=lambda t: (-len(t.paper_ids), not t.cross_domain, t.label))
    for i, t in enumerate(themes, 1):
        t.id = i
    return themes
