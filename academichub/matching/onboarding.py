"""The papers a new reader is asked to rate ("rate ten papers"): the ones whose ratings teach a radar
most, chosen from an edition.

A radar's **cut-off** is the score of the last paper it would send (its reader's papers per email,
N): the papers just above it are the ones a 👎 would push out, those just below the ones a 👍 would
bring in, so ratings there move the decision most (Scholar Inbox onboards the same way). For each
radar the matcher ranks ``N + WINDOW`` papers; the unrated ones nearest the cut-off are taken, the
radars taking turns (a paper once, under the first radar that offers it). ``DIVERSE`` more come from
themes none of those papers is in, so the reader can also say what is *not* theirs (the negatives a
classifier needs beside random ones); a rating of one of those trains the first radar. The order is
deterministic: the diverse ones are drawn with a seed from the reader's key, so the same reader on
the same edition is offered the same papers. When a radar ranks too few papers, the rest come from
other themes, then from anywhere in the edition; each pick says which it is (the page labels it so).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace

import numpy as np

from academichub.matching.match import Matcher, ProfileSpec

COUNT = 10
DIVERSE = 3
WINDOW = 12  # papers ranked past a radar's N, to find the ones just under its cut-off


@dataclass(slots=True, frozen=True)
class Pick:
    paper_id: str
    radar: str  # the radar a rating of it trains (its name, shown when the reader has several)
    radar_id: int | None
    score: float | None  # its match score for that radar (None: a diverse pick)
    near_cutoff: bool  # True: near the radar's cut-off (ranked by it)
    other_theme: bool = False  # not ranked by it, from a theme no paper before it is in (exploration)


def boundary_picks(
    matcher: Matcher,
    specs: list[ProfileSpec],
    rated: set[str],
    *,
    count: int = COUNT,
    diverse: int = DIVERSE,
    seed: str = "",
) -> list[Pick]:
    """Up to ``count`` papers of the matcher's edition to rate: near the cut-off of each radar in
    ``specs`` (first radar first), then ``diverse`` from other themes; none in ``rated`` and none of
    the reader's own library papers."""
    if not specs or not matcher.papers:
        return []
    own = {e.id for s in specs for e in s.library if e.id}
    skip = rated | own
    wide = [replace(s, top_n=s.top_n + WINDOW) for s in specs]
    found = matcher.match(wide, explain=False)
    queues: list[list[Pick]] = []
    for s, w in zip(specs, wide, strict=True):
        ranked = sorted(found.get(w.key, []), key=lambda m: -m.score)
        if not ranked:
            queues.append([])
            continue
        cut = ranked[min(s.top_n, len(ranked)) - 1].score
        near = sorted((m for m in ranked if m.paper_id not in skip), key=lambda m: (abs(m.score - cut), -m.score))
        queues.append([Pick(m.paper_id, s.radar, s.radar_id, m.score, True) for m in near])
    picks: list[Pick] = []
    taken: set[str] = set()
    wanted = max(0, count - diverse)
    depth = 0
    while len(picks) < wanted and any(depth < len(q) for q in queues):
        for q in queues:
            if depth < len(q) and len(picks) < wanted and q[depth].paper_id not in taken:
                picks.append(q[depth])
                taken.add(q[depth].paper_id)
        depth += 1
    first = specs[0]
    any_near = bool(picks)  # "another theme" than those of the near ones: none without them
    themes = {int(matcher.themes[i]) for i, p in enumerate(matcher.papers) if p.id in taken}
    order = np.random.default_rng(zlib.crc32(seed.encode())).permutation(len(matcher.papers))
    for unseen_theme_only in (True, False):  # other themes first; any paper when the edition has few
        for i in order:
            if len(picks) >= count:
                return picks
            paper = matcher.papers[int(i)]
            theme = int(matcher.themes[int(i)])
            if paper.id in taken or paper.id in skip or (unseen_theme_only and theme in themes):
                continue
            picks.append(Pick(paper.id, first.radar, first.radar_id, None, False, any_near and unseen_theme_only))
            taken.add(paper.id)
            themes.add(theme)
    return picks
