"""A reader with several radars: each radar is matched as its own profile, then one list is made.

The rule (``combine``), for a reader who wants N papers:

1. A paper picked by several radars is kept once, under the radar that scored it highest (on a tie,
   the earlier radar).
2. The radars take turns: round k offers each radar's k-th paper (in that radar's own order), the
   higher-scored offers first, until N papers are taken. Every radar with papers gets a share before
   any radar gets a second paper, and when N cuts a round short the stronger papers win.
3. The list comes back grouped by radar (the reader's order of radars), each radar's papers in their
   own order: the email's sections.

A reader with one radar gets that radar's matches unchanged (the single-profile behaviour).
"""

from __future__ import annotations

from academichub.matching.match import Match, ProfileSpec


def reader_of(spec: ProfileSpec) -> str:
    return spec.reader or spec.key


def combine(radars: list[tuple[ProfileSpec, list[Match]]], top_n: int) -> list[Match]:
    """One reader's papers from their radars' matches (radars in the reader's order): the rule above."""
    best: dict[str, tuple[float, int]] = {}
    for r, (_spec, matches) in enumerate(radars):
        for m in matches:
            held = best.get(m.paper_id)
            if held is None or m.score > held[0]:
                best[m.paper_id] = (m.score, r)
    lists = [[m for m in matches if best[m.paper_id][1] == r] for r, (_spec, matches) in enumerate(radars)]
    taken = [0] * len(lists)
    total, depth = 0, 0
    while total < top_n and any(depth < len(found) for found in lists):
        offers = sorted(
            (r for r, found in enumerate(lists) if depth < len(found)), key=lambda r: (-lists[r][depth].score, r)
        )
        for r in offers:
            if total >= top_n:
                break
            taken[r] += 1
            total += 1
        depth += 1
    return [
        Match(m.paper_id, m.score, m.reasons, radar=spec.radar, radar_id=spec.radar_id)
        for (spec, _matches), found, n in zip(radars, lists, taken, strict=True)
        for m in found[:n]
    ]


def by_reader(profiles: list[ProfileSpec], found: dict[str, list[Match]]) -> dict[str, list[Match]]:
    """The matcher's answer per radar (``found``, keyed by spec key) -> each reader's papers, keyed by
    the reader (``combine`` for readers with several radars)."""
    groups: dict[str, list[ProfileSpec]] = {}
    for p in profiles:
        groups.setdefault(reader_of(p), []).append(p)
    out: dict[str, list[Match]] = {}
    for reader, specs in groups.items():
        if len(specs) == 1:
            spec = specs[0]
            out[reader] = found.get(spec.key, [])
            for m in out[reader]:
                m.radar, m.radar_id = spec.radar, spec.radar_id
        else:
            out[reader] = combine([(s, found.get(s.key, [])) for s in specs], max(s.top_n for s in specs))
    return out
