"""Matching quality: precision@k and nDCG@k over a judged evaluation set (pure)."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from academichub.editions.vectorise import make_vectoriser
from academichub.matching.match import Matcher, ProfileSpec
from academichub.papers.views import PaperFacts


@dataclass(frozen=True, slots=True)
class Judged:
    spec: ProfileSpec
    relevant: dict[str, int]


def load_eval(path: Path) -> list[Judged]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Judged(
            ProfileSpec(key=p["key"], interests=p["interests"], expanded=list(p.get("expanded", [])), top_n=5),
            dict(p["relevant"]),
        )
        for p in data["profile"]
    ]


def precision_at(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    return sum(1 for pid in ranked[:k] if relevant.get(pid, 0) > 0) / k


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    dcg = sum((2 ** relevant.get(pid, 0) - 1) / math.log2(i + 2) for i, pid in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def evaluate(
    papers: list[PaperFacts], judged: list[Judged], representation: str, k: int = 5
) -> dict[str, dict[str, float]]:
    """Per profile and mean: P@k and nDCG@k. No floor, so every profile gets k papers."""
    matcher = Matcher(papers, make_vectoriser(representation, [p.text for p in papers]))
    results = matcher.match([j.spec for j in judged], min_score=-1.0, explain=False)
    out = {}
    for j in judged:
        ranked = [m.paper_id for m in results[j.spec.key]]
        out[j.spec.key] = {"p@5": precision_at(ranked, j.relevant, k), "ndcg@5": ndcg_at(ranked, j.relevant, k)}
    out["mean"] = {m: sum(v[m] for v in out.values()) / len(judged) for m in ("p@5", "ndcg@5")}
    return out
