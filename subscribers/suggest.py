"""Close matches for a value that is not one of the known keys (an unknown category's "did you mean")."""

from __future__ import annotations

from rapidfuzz import fuzz, process


def close_matches(value: str, known: frozenset[str], limit: int = 3) -> list[str]:
    """The known keys closest to ``value``: a case-insensitive equal first, then rapidfuzz's best."""
    same = sorted(k for k in known if k.lower() == value.lower())
    found = process.extract(value, sorted(known), scorer=fuzz.ratio, limit=limit, score_cutoff=60)
    return list(dict.fromkeys([*same, *(k for k, _score, _i in found)]))[:limit]
