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
import scipy.sparse as sp
from sklearn.cluster import AgglomerativeClustering
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize

from academichub.editions.theme import Theme
from academichub.editions.vectorise import TfidfVectoriser
from academichub.papers.views import PaperFacts

SEMANTIC_THRESHOLD = 0.6  # cosine distance between sentence embeddings
# A theme's papers must share substance, whatever grouped them: each paper's TF-IDF cosine with the
# rest of its theme (leave-one-out) at least COHERENCE_MIN, or CROSS_FIELD_MIN for a paper outside the
# theme's main field; and a label term found in two of its papers. Without it the plain install's LSA
# on a small day grouped dengue in Kinshasa with LLM summarisation (cosine 0.007), mixture-of-experts
# transformers with a photonic qubit (0.027). Tuned on the sample day: the nonsense themes, all across
# fields but one, at 0.000-0.027; sound ones at 0.033-0.095 and two same-field pairs (quantum
# information, 0.021; LLMs and psychology, 0.017).
COHERENCE_MIN = 0.015
CROSS_FIELD_MIN = 0.03
LSA_THRESHOLD = 0.9  # cosine distance in LSA space at near-full rank (close to the TF-IDF rows' own)
LSA_CAPPED_THRESHOLD = 0.6  # a large day, whose rank MAX_DIMENSIONS caps: the earlier setting, kept
MAX_DIMENSIONS = 100
# LSA keeps nearly the whole rank of a small day (a quarter of it, as before, merged unrelated papers:
# 26 of 26 papers themed on the csai day); measured with bench/theme_coherence.py.
LSA_RANK_SHARE = 0.9
# Words that say nothing about a theme; never used as a label.
GENERIC = frozenset(
    """using based approach approaches method methods model models results result paper propose proposed
study studies data new learning framework frameworks analysis performance show shows task tasks work existing
different present novel use used also however across well two one three high low large small 95 ci
derive derived substantial mechanism mechanisms challenge challenges construction design designs improve
improves improved efficient effective key important significant demonstrate demonstrates provide provides
enable enables including various several multiple particular specific potential recent real world general
simple strong better best state art technique techniques problem problems setting settings experiments
experimental evaluate evaluation evaluations research article listed abstract sample particularly level
levels findings finding develop developed developing realize realized versatile details detail consider
considered""".split()
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


def lsa_dimensions(papers: int, terms: int) -> int:
    """LSA's rank for a day: ``LSA_RANK_SHARE`` of the papers, at most ``MAX_DIMENSIONS``."""
    return max(2, min(MAX_DIMENSIONS, terms - 1, papers - 1, int(papers * LSA_RANK_SHARE)))


def embed_for_themes(texts: list[str], tfidf, cache=None) -> tuple[np.ndarray, float]:
    """Sentence embeddings when the [semantic] extra is installed, else LSA of the TF-IDF rows."""
    from academichub.editions.vectorise import RepresentationUnavailable, SemanticVectoriser

    try:
        return SemanticVectoriser(cache=cache).encode(texts), SEMANTIC_THRESHOLD
    except RepresentationUnavailable:
        dims = lsa_dimensions(len(texts), tfidf.shape[1])
        threshold = LSA_CAPPED_THRESHOLD if dims == MAX_DIMENSIONS else LSA_THRESHOLD
        return normalize(TruncatedSVD(n_components=dims, random_state=0).fit_transform(tfidf)), threshold


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
    rows = normalize(sp.csr_matrix(X))
    themes: list[Theme] = []
    for c in sorted(set(clusters)):
        cluster = [int(i) for i in np.flatnonzero(clusters == c)]
        members = coherent_members(rows, cluster, [field_of(papers[i]) for i in cluster])
        label = shared_label(rows, members, terms)
        if len(members) < 2 or not label:
            continue  # its papers stay unthemed
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
                cross_domain=fields_share_substance(rows, members, [field_of(p) for p in chosen]),
                sources=sources,
            )
        )
    themes.sort(key=lambda t: (-len(t.paper_ids), not t.cross_domain, t.label))
    for i, t in enumerate(themes, 1):
        t.id = i
    return themes


def _loo(rows: sp.csr_matrix, members: list[int]) -> np.ndarray:
    """Each member's cosine with the sum of the other members (rows are L2-normalised)."""
    sub = rows[members]
    total = np.asarray(sub.sum(axis=0)).ravel()
    dense = sub.toarray()
    rest = total[None, :] - dense
    norms = np.linalg.norm(rest, axis=1)
    return np.divide((dense * rest).sum(axis=1), norms, out=np.zeros(len(members)), where=norms > 0)


def coherent_members(rows: sp.csr_matrix, members: list[int], fields: list[str | None]) -> list[int]:
    """The cluster without the papers that share least with the rest: the paper furthest below its bar
    is dropped until each paper's leave-one-out cosine clears it (``COHERENCE_MIN``, or
    ``CROSS_FIELD_MIN`` outside the theme's most common field); fewer than two left: no theme."""
    keep = list(range(len(members)))
    while len(keep) >= 2:
        sims = _loo(rows, [members[i] for i in keep])
        counts = Counter(fields[i] for i in keep)
        top = max(counts.values())
        main = {f for f, n in counts.items() if n == top} if list(counts.values()).count(top) == 1 else set()
        bars = np.array([COHERENCE_MIN if fields[i] in main else CROSS_FIELD_MIN for i in keep])
        worst = int(np.argmin(sims - bars))
        if sims[worst] >= bars[worst]:
            return [members[i] for i in keep]
        keep.pop(worst)
    return []


def shared_label(rows: sp.csr_matrix, members: list[int], terms: np.ndarray) -> list[str]:
    """Up to three of the heaviest centroid terms that at least two of the theme's papers contain (a term
    of one paper, such as a feed's boilerplate "sample research article", never labels a theme)."""
    if len(members) < 2:
        return []
    sub = rows[members]
    centroid = np.asarray(sub.sum(axis=0)).ravel()
    in_papers = np.asarray((sub > 0).sum(axis=0)).ravel()
    label: list[str] = []
    for idx in np.argsort(-centroid, kind="stable"):
        if centroid[idx] <= 0 or len(label) == 3:
            break
        term = str(terms[idx])
        if (
            in_papers[idx] < 2
            or any(w in GENERIC or w.isdigit() for w in term.split())
            or any(term in t or t in term for t in label)
        ):
            continue
        label.append(term)
    return label


def fields_share_substance(rows: sp.csr_matrix, members: list[int], fields: list[str | None]) -> bool:
    """Cross-domain is earned: papers of at least two fields, and each field's papers share substance with
    the others' (their TF-IDF centroids' cosine at least ``CROSS_FIELD_MIN``)."""
    known = sorted({f for f in fields if f})
    if len(known) < 2:
        return False
    for field in known:
        mine = [m for m, f in zip(members, fields, strict=True) if f == field]
        rest = [m for m, f in zip(members, fields, strict=True) if f != field]
        a = np.asarray(rows[mine].sum(axis=0)).ravel()
        b = np.asarray(rows[rest].sum(axis=0)).ravel()
        denom = float(np.linalg.norm(a) * np.linalg.norm(b))
        if denom == 0 or float(a @ b) / denom < CROSS_FIELD_MIN:
            return False
    return True
