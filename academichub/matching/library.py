"""A reader's own papers as positive examples (the radar seeded from their library).

Each library paper (title + abstract) is encoded like the day's papers. A paper's library score is its
best recency-weighted similarity to any library paper: ``max_i r_i · cos(paper, lib_i)`` with
``r_i = 0.5 ** (age_i / half_life)``, the age counted in years from the newest paper in the library
(so a reader's latest work counts fully and a library exported years ago is not penalised as a
whole; a paper without a year counts as one half-life old). The nearest paper (not a centroid) keeps
a reader with several topics close to each of them, and names the reason: "close to your paper: …".

Blending: with interests (or likes) as well, score = ``LIBRARY_BLEND · library + (1 − LIBRARY_BLEND)
· interests``; with the library alone, the library score is the similarity the matcher filters and
ranks. At most ``LIBRARY_MATCH_MAX`` papers per reader take part, the most recent first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from academichub.editions.vectorise import Vectoriser, as_dense_rows

if TYPE_CHECKING:
    from academichub.matching.match import ProfileSpec, Reason

HALF_LIFE_YEARS = 3.0
LIBRARY_BLEND = 0.5
LIBRARY_MATCH_MAX = 300
NEAR_REASON = 0.1  # similarity to a library paper under which it is not named as the reason


@dataclass(slots=True, frozen=True)
class LibraryExample:
    id: str | None  # its paper id, when known: the day's copy of a paper the reader has is not sent
    title: str
    text: str  # title + abstract
    weight: float  # recency weight in (0, 1]


def library_examples(rows: Sequence[dict], half_life: float = HALF_LIFE_YEARS) -> list[LibraryExample]:
    """The stored library rows (``subscribers.library``) as weighted examples; rows without a title
    (ids not resolved yet) have no text and are left out."""
    usable = [r for r in rows if isinstance(r, dict) and r.get("title")]
    years = [r["year"] for r in usable if isinstance(r.get("year"), int)]
    newest = max(years) if years else None
    out = []
    for r in usable:
        year = r.get("year")
        age = (newest - year) if newest is not None and isinstance(year, int) else half_life
        weight = 0.5 ** (max(0, age) / half_life)
        text = " ".join(part for part in (r["title"], r.get("abstract") or "") if part)
        out.append(LibraryExample(id=r.get("id"), title=r["title"], text=text, weight=float(weight)))
    out.sort(key=lambda e: -e.weight)
    return out[:LIBRARY_MATCH_MAX]


class LibraryScores:
    """Per profile with a library: its papers' nearest library paper, for the reasons."""

    def __init__(self) -> None:
        # row -> (nearest index, its similarity, titles, the library's vectors, library alone)
        self.nearest: dict[int, tuple[np.ndarray, np.ndarray, list[str], object, bool]] = {}

    def reasons(self, row: int, j: int, shared: Callable[[object, int, int], list[str]] | None = None) -> list[Reason]:
        """Paper j's nearest library paper, named when it is close; for a profile that is its library
        alone (whatever picked the paper was that paper), always, with the words the two share
        (``shared(library vectors, library row, j)``, the matcher's shared terms)."""
        from academichub.matching.match import Reason

        found = self.nearest.get(row)
        if found is None:
            return []
        index, sim, titles, vectors, alone = found
        i = int(index[j])
        if sim[j] < NEAR_REASON and not alone:
            return []
        out = [Reason("library", [titles[i]])]
        terms = shared(vectors, i, j) if alone and shared is not None else []
        return out + [Reason("terms", terms)] if terms else out


def blend_library(
    vectoriser: Vectoriser, papers, profiles: list[ProfileSpec], S: np.ndarray, paper_ids: list[str]
) -> tuple[np.ndarray, LibraryScores]:
    """``S`` (profiles x papers similarity) with each library profile's row blended with its library
    scores (alone when the profile has no interests, keywords or likes of its own); the reader's own
    papers are never sent back to them."""
    scores = LibraryScores()
    has_query = [bool(p.text.strip() or p.liked) for p in profiles]
    for row, p in enumerate(profiles):
        if not p.library:
            continue
        L = vectoriser.encode([e.text for e in p.library])
        L = L.tocsr() if sp.issparse(L) else L  # the shared terms read its rows directly
        sims = as_dense_rows(L @ papers.T).astype(np.float32)  # library x papers
        weighted = sims * np.array([e.weight for e in p.library], dtype=np.float32)[:, None]
        best = np.argmax(weighted, axis=0)
        lib = weighted[best, np.arange(weighted.shape[1])]
        S[row] = LIBRARY_BLEND * lib + (1 - LIBRARY_BLEND) * S[row] if has_query[row] else lib
        own = {e.id for e in p.library if e.id}
        if own:
            S[row, [j for j, pid in enumerate(paper_ids) if pid in own]] = -np.inf
        scores.nearest[row] = (
            best,
            sims[best, np.arange(sims.shape[1])],
            [e.title for e in p.library],
            L,
            not has_query[row],
        )
    return S, scores
