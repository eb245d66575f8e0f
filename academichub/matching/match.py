"""Pure matching: each profile's best papers of the day, with hard controls, diversity and reasons.

score = cosine(profile, paper) + keyword boost + followed-author boost
        (profile vector moved by likes/dislikes, Rocchio-style, bounded and recomputed from the
        current feedback every time, so removing a like undoes it exactly)
hard filters: excluded keywords, category/source filters, non-research kinds
floor: rank-aware. A paper is sent when its similarity reaches ``min_score``, or a keyword or a
       followed author names it, or it is among the profile's best N of the day and shares something
       with the profile (similarity above RANK_FLOOR): a reader who asked for N papers is never starved
       while the day has relevant ones, and a day with nothing in common sends nothing
Chinese interests with no LLM expansion are translated offline (``zh``: academichub.matching.zh) and
       the reasons name the Chinese words that matched
diversity: MMR over a shortlist, and at most ceil(N/2) papers from one theme

Everything per (profile, paper) pair is a sparse or dense matrix product over blocks of profiles;
the only Python loop is over profiles for the final pick from a shortlist of 3N papers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from academichub.editions.vectorise import Vectoriser, as_dense_rows, renormalise
from academichub.matching.learned import blend_learned
from academichub.matching.library import LibraryExample, blend_library
from academichub.matching.words import (  # noqa: F401  author_key: the matcher's public helper
    TOKEN,
    PhrasePresence,
    _binary,
    _name_chinese,
    _phrase_key,
    _singular,
    author_key,
)
from academichub.matching.zh import ChineseTerms, Term, has_cjk
from academichub.papers.views import PaperFacts

RESEARCH_KINDS = frozenset({"article"})
KEYWORD_BOOST = 0.12  # per matched keyword, at most 3
AUTHOR_BOOST = 0.35
LIKE_WEIGHT, DISLIKE_WEIGHT = 0.35, 0.25
FEEDBACK_MEMORY = 50  # most recent likes/dislikes that move a profile
MMR_LAMBDA = 0.75
RANK_FLOOR = 0.0  # similarity a paper needs to fill a reader's N below ``min_score`` (shares a word)
EXACT_PAIRS = 8000


@dataclass(slots=True)
class ProfileSpec:
    key: str
    interests: str = ""
    expanded: list[str] = field(default_factory=list)  # English phrases from the LLM expansion
    keywords: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    liked: list[str] = field(default_factory=list)  # paper texts (newest last)
    disliked: list[str] = field(default_factory=list)
    top_n: int = 8
    reader: str = ""  # the reader's address when a reader has several radars (key: one radar's)
    radar: str = ""  # the radar's name
    radar_id: int | None = None
    library: list[LibraryExample] = field(default_factory=list)  # the reader's own papers (matching/library.py)

    @property
    def text(self) -> str:
        return " ".join([self.interests, *self.expanded, *self.keywords, *self.keywords])


@dataclass(slots=True)
class Reason:
    kind: str  # "terms", "keyword", "author", "category"
    values: list[str]


@dataclass(slots=True)
class Match:
    paper_id: str
    score: float
    reasons: list[Reason] = field(default_factory=list)
    radar: str = ""  # the radar it was picked for (academichub.matching.radars)
    radar_id: int | None = None


class Matcher:
    """Built once per edition: the papers' vectors and facts. ``match`` runs for any profiles."""

    def __init__(
        self, papers: list[PaperFacts], vectoriser: Vectoriser, zh: ChineseTerms | None = None, learn: bool = True
    ):
        self.zh = zh
        self.learn = learn  # a radar with enough signal blends a classifier in (matching/learned.py)
        self._zh_terms: dict[str, list[Term]] = {}
        self._forms: dict[str, list[str]] | None = None  # the day's words by their singular (built on first use)
        self._known: set[str] = set()
        self.papers = [p for p in papers if p.kind in RESEARCH_KINDS]
        self.vectoriser = vectoriser
        self.texts = [p.text for p in self.papers]
        self.lower_texts = [t.lower() for t in self.texts]
        self._presence = PhrasePresence(self.lower_texts)
        self._word_cache: dict[int, str] = {}
        self.P = vectoriser.encode(self.texts) if self.papers else None
        self._dense_P = as_dense_rows(self.P) if self.P is not None and not sp.issparse(self.P) else None
        self.terms = vectoriser.terms()
        facets = sorted({f for p in self.papers for f in p.facets})
        self.facet_index = {f: i for i, f in enumerate(facets)}
        self.PF = _binary([[self.facet_index[f] for f in p.facets] for p in self.papers], len(facets))
        authors = sorted({k for p in self.papers for k in (author_key(a) for a in p.authors) if k})
        self.author_index = {a: i for i, a in enumerate(authors)}
        self.PA = _binary(
            [
                sorted({self.author_index[k] for k in (author_key(a) for a in p.authors) if k in self.author_index})
                for p in self.papers
            ],
            len(authors),
        )
        self.themes = np.array([p.theme if p.theme is not None else -1 - i for i, p in enumerate(self.papers)])
        # Paper-paper similarities for MMR, computed once: exact up to EXACT_PAIRS papers (a 6,000
        # paper day is a 144 MB matrix), beyond that from a 64-dimension projection.
        self.G = (
            as_dense_rows(self.P @ self.P.T).astype(np.float32)
            if self.P is not None and len(self.papers) <= EXACT_PAIRS
            else None
        )
        self.D = self._diversity_space() if self.G is None else None

    def _vectors(self):
        """The papers' vectors: only an edition without research papers has none (``match`` returns early)."""
        if self.P is None:
            raise ValueError("the edition has no research papers to match")
        return self.P

    def _diversity_space(self) -> np.ndarray | None:
        """Dense rows approximating paper-paper similarity when the exact matrix would be too big."""
        if self.P is None:
            return None
        if not sp.issparse(self.P):
            return self._dense_P
        dims = min(64, self.P.shape[1] - 1, len(self.papers) - 1)
        if dims < 2:
            return as_dense_rows(self.P)
        from sklearn.decomposition import TruncatedSVD
        from sklearn.preprocessing import normalize

        return normalize(TruncatedSVD(n_components=dims, random_state=0).fit_transform(self.P)).astype(np.float32)

    # --- profile side -------------------------------------------------------------------------

    def offline_terms(self, p: ProfileSpec) -> list[Term]:
        """Chinese words of the interests and their English phrases, when no LLM expanded them."""
        if self.zh is None or p.expanded or not has_cjk(p.interests):
            return []
        found = self._zh_terms.get(p.interests)
        if found is None:
            found = self._zh_terms[p.interests] = self.zh.expand(p.interests)
        return found

    def query_text(self, p: ProfileSpec) -> str:
        terms = self.offline_terms(p)
        text = " ".join([p.text, *(t.en for t in terms)]) if terms else p.text
        return " ".join([text, *self._variants(text)])

    def _variants(self, text: str) -> list[str]:
        """For a profile word the papers never use, the forms they use that differ only by a plural
        ending ("qubits" finds "qubit", "exoplanet" finds "exoplanets"): TF-IDF has no stemming, and
        a reader should not need to know which form a day's abstracts chose."""
        if self._forms is None:
            self._forms, self._known = {}, set()
            if self.terms is not None:
                self._known = {str(t) for t in self.terms if " " not in t}
                for t in sorted(self._known):
                    self._forms.setdefault(_singular(t), []).append(t)
        words = {w for w in re.findall(TOKEN, text.lower()) if w.isascii() and w not in self._known}
        return sorted({f for w in words for f in self._forms.get(_singular(w), ())})

    def _queries(self, profiles: list[ProfileSpec]):
        Q = self.vectoriser.encode([self.query_text(p) for p in profiles])
        fb_texts: list[str] = []
        rows: list[tuple[int, int, float]] = []
        for i, p in enumerate(profiles):
            liked, disliked = p.liked[-FEEDBACK_MEMORY:], p.disliked[-FEEDBACK_MEMORY:]
            for t in liked:
                rows.append((i, len(fb_texts), LIKE_WEIGHT / len(liked)))
                fb_texts.append(t)
            for t in disliked:
                rows.append((i, len(fb_texts), -DISLIKE_WEIGHT / len(disliked)))
                fb_texts.append(t)
        if rows:
            F = sp.csr_matrix(
                ([w for _, _, w in rows], ([r for r, _, _ in rows], [c for _, c, _ in rows])),
                shape=(len(profiles), len(fb_texts)),
                dtype=np.float32,
            )
            V = self.vectoriser.encode(fb_texts)
            Q = Q + F @ V
            if sp.issparse(Q):
                Q = Q.tocsr()
                Q.data[Q.data < 0] = 0  # a dislike lowers a term, never below nothing
                Q.eliminate_zeros()
            Q = renormalise(Q)
        return Q

    def _phrases(self, lists: list[list[str]], forms: bool = False) -> tuple[dict[str, int], sp.csr_matrix]:
        """Index of every phrase the profiles name, and papers x phrases presence (one pass). With
        ``forms``, a phrase is also present through its last word's forms in the day's papers
        ("jailbreak" in "jailbreaking evaluations")."""
        phrases = sorted({_phrase_key(k) for ks in lists for k in ks if _phrase_key(k)})
        index = {p: i for i, p in enumerate(phrases)}
        if not forms or not phrases:
            return index, self._presence(phrases)
        self._variants("")  # the day's words, on first use
        pairs = sorted({(v, i) for p, i in index.items() for v in self._word_forms(p)})
        names = sorted({v for v, _ in pairs})
        at = {v: j for j, v in enumerate(names)}
        M = sp.csr_matrix(
            (np.ones(len(pairs), dtype=np.float32), ([at[v] for v, _ in pairs], [i for _, i in pairs])),
            shape=(len(names), len(phrases)),
        )
        present = (self._presence(names) @ M) > 0
        return index, sp.csr_matrix(present, dtype=np.float32)

    def _word_forms(self, phrase: str) -> list[str]:
        head, _, last = phrase.rpartition(" ")
        found = {last} | {f for f in (last + "s", last + "es", last + "ing", last + "ed") if f in self._known}
        found |= set(self._forms.get(_singular(last), ()) if self._forms else ())
        return [f"{head} {f}".strip() for f in sorted(found)]

    @staticmethod
    def _rows(lists: list[list[str]], index: dict[str, int]) -> sp.csr_matrix:
        return _binary(
            [sorted({index[_phrase_key(k)] for k in ks if _phrase_key(k) in index}) for ks in lists], len(index)
        )

    # --- matching -------------------------------------------------------------------------------

    def match(
        self, profiles: list[ProfileSpec], *, min_score: float = 0.05, explain: bool = True, block: int = 2000
    ) -> dict[str, list[Match]]:
        """``block`` profiles at a time: a block's profiles x papers matrices are the peak memory."""
        out: dict[str, list[Match]] = {p.key: [] for p in profiles}
        if not self.papers or not profiles:
            return out
        kw = self._phrases([p.keywords for p in profiles], forms=True)
        ex = self._phrases([p.exclude for p in profiles])
        for start in range(0, len(profiles), block):
            chunk = profiles[start : start + block]
            for p, matches in zip(chunk, self._match_block(chunk, min_score, explain, kw, ex), strict=True):
                out[p.key] = matches
        return out

    def _match_block(self, profiles: list[ProfileSpec], min_score: float, explain: bool, kw, ex) -> list[list[Match]]:
        n = len(self.papers)
        Q = self._queries(profiles)
        Q = Q.tocsr() if sp.issparse(Q) else Q  # reasons read its rows directly
        S = as_dense_rows(Q @ self._vectors().T).astype(np.float32)  # cosine similarity, profiles x papers
        S, lib = blend_library(self.vectoriser, self._vectors(), profiles, S, [p.id for p in self.papers])
        # The floor applies to similarity (boosts reorder, they do not rescue noise), except that a
        # keyword or a followed author lifts a paper over it, and the best N that share anything
        # with the profile pass it (``_select``). "Shares anything" is read before the learned blend.
        related = S > RANK_FLOOR
        if self.learn:
            S = blend_learned(self.vectoriser, self._vectors(), profiles, S)
        eligible = S >= min_score
        kw_index, KP = kw
        if kw_index and any(p.keywords for p in profiles):
            hits = as_dense_rows(self._rows([p.keywords for p in profiles], kw_index) @ KP.T)
            S += KEYWORD_BOOST * np.minimum(hits, 3)
            eligible |= hits > 0
        ex_index, EP = ex
        if ex_index and any(p.exclude for p in profiles):
            S[as_dense_rows(self._rows([p.exclude for p in profiles], ex_index) @ EP.T) > 0] = -np.inf
        fa = [
            sorted({self.author_index[k] for k in (author_key(a) for a in p.authors) if k in self.author_index})
            for p in profiles
        ]
        if any(fa):
            AF = _binary(fa, len(self.author_index))
            by_followed = as_dense_rows(AF @ self.PA.T) > 0
            S += AUTHOR_BOOST * by_followed
            eligible |= by_followed
        S[~related & ~eligible] = -np.inf
        filtered = [i for i, p in enumerate(profiles) if p.categories]
        if filtered:
            cats = [
                sorted({self.facet_index[c] for c in profiles[i].categories if c in self.facet_index}) for i in filtered
            ]
            allowed = as_dense_rows(_binary(cats, len(self.facet_index)) @ self.PF.T) > 0
            S[np.array(filtered)[:, None], np.arange(n)[None, :]] = np.where(allowed, S[filtered], -np.inf)
        results = []
        for row, p in enumerate(profiles):
            picked = self._select(S[row], eligible[row], p.top_n)
            matches = [Match(self.papers[j].id, round(float(S[row, j]), 4)) for j in picked]
            if explain:
                for m, j in zip(matches, picked, strict=True):
                    shared = lambda L, i, k, p=p: self._shared_terms(L, i, k, p)  # noqa: E731
                    m.reasons = lib.reasons(row, j, shared) + self._explain(Q, row, j, p)
            results.append(matches)
        return results

    def _select(self, scores: np.ndarray, eligible: np.ndarray, top_n: int) -> list[int]:
        """MMR over a shortlist of the 3N best, with at most ceil(N/2) papers from one theme: papers
        over the floor first, then related ones (sharing something with the profile) up to N."""
        k = min(len(scores), 3 * top_n)
        short = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        short = short[np.argsort(-scores[short], kind="stable")]
        short = short[np.isfinite(scores[short])]  # over the floor, or related (filling up to N only)
        if len(short) == 0:
            return []
        if self.G is not None:
            pair = self.G[np.ix_(short, short)]
        elif self.D is not None:
            vecs = self.D[short]
            pair = vecs @ vecs.T
        else:  # there are papers, so one of the two is set
            raise ValueError("the edition has no research papers to select from")
        cap = max(1, math.ceil(top_n / 2))
        chosen: list[int] = []
        per_theme: dict[int, int] = {}
        max_sim = np.zeros(len(short), dtype=np.float32)
        over = eligible[short]
        # Papers over the floor first, then related ones; within each, MMR with the theme cap. The
        # cap reorders, it never starves: a paper it held back is taken before a weaker one is.
        for group in (over, ~over):
            capped: list[int] = []
            available = group.copy()
            while len(chosen) < top_n and available.any():
                mmr = MMR_LAMBDA * scores[short] - (1 - MMR_LAMBDA) * max_sim
                mmr[~available] = -np.inf
                i = int(np.argmax(mmr))
                available[i] = False
                theme = int(self.themes[short[i]])
                if per_theme.get(theme, 0) >= cap:
                    capped.append(i)
                    continue
                per_theme[theme] = per_theme.get(theme, 0) + 1
                chosen.append(int(short[i]))
                max_sim = np.maximum(max_sim, pair[i])
            for i in capped[: top_n - len(chosen)]:
                chosen.append(int(short[i]))
                max_sim = np.maximum(max_sim, pair[i])
        return chosen

    def _words(self, j: int) -> str:
        """Paper j's text as its tokens joined by spaces (phrases are matched on word boundaries)."""
        words = self._word_cache.get(j)
        if words is None:
            words = self._word_cache[j] = " ".join(re.findall(TOKEN, self.lower_texts[j]))
        return words

    def _explain(self, Q, row: int, j: int, p: ProfileSpec) -> list[Reason]:
        reasons: list[Reason] = []
        kws = [k for k in p.keywords if _phrase_key(k) and _phrase_key(k) in self._words(j)] if p.keywords else []
        if kws:
            reasons.append(Reason("keyword", kws[:3]))
        followed = {author_key(a): a for a in p.authors}
        by = [a for a in self.papers[j].authors if author_key(a) in followed] if followed else []
        if by:
            reasons.append(Reason("author", by[:2]))
        if p.categories:
            shared = [c for c in p.categories if c in self.papers[j].facets]
            if shared:
                reasons.append(Reason("category", shared[:2]))
        terms = self._shared_terms(Q, row, j, p)
        offline = self.offline_terms(p)
        if offline:
            terms = _name_chinese(terms, offline)
        if terms:
            reasons.append(Reason("terms", terms))
        return reasons

    def _shared_terms(self, Q, row: int, j: int, p: ProfileSpec, limit: int = 3) -> list[str]:
        if self.terms is not None and sp.issparse(Q):
            # The terms both rows weigh, heaviest product first: read straight from the CSR arrays
            # (a row slice and a sparse multiply per pick cost ~0.4 ms; this ~20 us).
            P = self._vectors()
            qa, qb = Q.indptr[row], Q.indptr[row + 1]
            pa, pb = P.indptr[j], P.indptr[j + 1]
            cols, qi, pi = np.intersect1d(Q.indices[qa:qb], P.indices[pa:pb], assume_unique=True, return_indices=True)
            weights = Q.data[qa:qb][qi] * P.data[pa:pb][pi]
            picked: list[str] = []
            for idx in np.argsort(-weights, kind="stable"):
                if weights[idx] <= 0:
                    break
                term = str(self.terms[cols[idx]])
                if not any(term in t or t in term for t in picked):
                    picked.append(term)
                if len(picked) == limit:
                    break
            return picked
        # Embeddings have no words: name the profile's phrases that the paper's text contains.
        words = self._words(j)
        phrases = [
            q.strip() for q in re.split(r"[,;，；、。\n]| and ", " , ".join([p.interests, *p.expanded])) if q.strip()
        ]
        return [q for q in phrases if _phrase_key(q) and _phrase_key(q) in words][:limit]
