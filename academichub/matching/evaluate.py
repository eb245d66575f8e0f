"""Matching quality (pure): nDCG@k, recall@k and P@k over judged evaluation sets.

Two sets: the older one (``tests/eval/profiles.toml``, one day, built alongside the code) and the
research radar's (``tests/eval/radar.toml``: judged profiles over several recorded days, split into a
tune part and a report part). ``radar_eval`` ranks every profile the way ``academichub match --top K``
does (the product's matcher with its floor, no LLM) and with a plain TF-IDF cosine baseline."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from statistics import mean

import numpy as np

from academichub.editions.vectorise import TfidfVectoriser, as_dense_rows, make_vectoriser
from academichub.matching.match import Matcher, ProfileSpec
from academichub.matching.zh import ChineseTerms, has_cjk
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


def recall_at(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    wanted = {p for p, g in relevant.items() if g > 0}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 1.0


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


# --- the research radar's evaluation (issue 16) -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Case:
    spec: ProfileSpec
    day: str
    language: str  # "zh" when the interests hold Chinese characters, else "en"
    split: str  # "tune" or "report"
    relevant: dict[str, int]
    why: dict[str, str] = field(default_factory=dict)


def split_of(cases: list[dict]) -> dict[str, str]:
    """Each profile's part: its own ``split`` where written, else tune, report, tune, ... in order of
    key within its (day, language) group (deterministic, and both parts get every day and language)."""
    out: dict[str, str] = {}
    groups: dict[tuple[str, str], list[str]] = {}
    for c in cases:
        if "split" in c:
            out[c["key"]] = c["split"]
        else:
            groups.setdefault((c["day"], "zh" if has_cjk(c["interests"]) else "en"), []).append(c["key"])
    for keys in groups.values():
        for i, key in enumerate(sorted(keys)):
            out[key] = "tune" if i % 2 == 0 else "report"
    return out


def load_radar(path: Path) -> tuple[dict[str, list[str]], list[Case]]:
    """The days (name -> paths, relative to the repository) and the judged profiles."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    parts = split_of(data["profile"])
    cases = []
    for p in data["profile"]:
        if p["day"] not in data["day"]:
            raise ValueError(f"profile {p['key']} names an unknown day {p['day']!r}")
        rel = p.get("relevant", {})
        cases.append(
            Case(
                spec=ProfileSpec(key=p["key"], interests=p["interests"], keywords=list(p.get("keywords", []))),
                day=p["day"],
                language="zh" if has_cjk(p["interests"]) else "en",
                split=parts[p["key"]],
                relevant={pid: int(j["grade"]) for pid, j in rel.items()},
                why={pid: str(j["why"]) for pid, j in rel.items()},
            )
        )
    return {name: list(d["paths"]) for name, d in data["day"].items()}, cases


def day_papers(paths: list[Path]) -> list[PaperFacts]:
    """A recorded day's papers as the edition's matcher sees them, themes included (the plain
    install's LSA themes, so the evaluation does not depend on the semantic extra)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    from academichub.editions.theme import theme_of
    from academichub.editions.themes import LSA_THRESHOLD, find_themes, lsa_dimensions
    from academichub.papers.ingest import collect_paths
    from academichub.papers.parse import parse_document
    from academichub.papers.sources import paper_facets

    papers: dict[str, PaperFacts] = {}
    for path in collect_paths(paths):
        if path.suffix not in (".xml", ".json"):
            continue
        for r in parse_document(path.read_bytes()).records:
            facets = paper_facets(r.categories, r.server, [r.source_label])
            papers.setdefault(
                r.id,
                PaperFacts(r.id, r.title, r.abstract, r.kind, tuple(r.categories), facets, tuple(r.authors)),
            )
    facts = list(papers.values())
    research = [p for p in facts if p.kind == "article"]
    X = TfidfVectoriser([p.text for p in research]).encode([p.text for p in research])
    dims = lsa_dimensions(len(research), X.shape[1])
    vectors = normalize(TruncatedSVD(n_components=dims, random_state=0).fit_transform(X))
    ids = theme_of(find_themes(research, vectors=vectors, threshold=LSA_THRESHOLD))
    return [replace(p, theme=ids.get(p.id)) for p in facts]


def baseline_ranking(papers: list[PaperFacts], spec: ProfileSpec, k: int) -> list[str]:
    """Plain TF-IDF cosine between the profile's text and each paper: no floor, no boosts, no diversity.
    Papers that share no word with the profile (cosine 0) are not ranked: their order would be the
    feed's, which is luck, not a baseline."""
    research = [p for p in papers if p.kind == "article"]
    vec = TfidfVectoriser([p.text for p in research])
    scores = as_dense_rows(vec.encode([spec.text]) @ vec.encode([p.text for p in research]).T)[0]
    order = np.argsort(-scores, kind="stable")[:k]
    return [research[i].id for i in order if scores[i] > 0]


def related(matcher: Matcher, spec: ProfileSpec) -> int:
    """How many of the day's research papers share a word with the profile's query (as the product
    builds it: offline Chinese terms and plural forms included)."""
    if matcher.P is None:
        return 0
    q = matcher.vectoriser.encode([matcher.query_text(spec)])
    return int((as_dense_rows(q @ matcher.P.T)[0] > 0).sum())


def radar_eval(
    root: Path, path: Path, *, min_score: float, zh: ChineseTerms | None, top: int = 5, deep: int = 10
) -> list[dict]:
    """One row per judged profile: the product's ranking (``match --top top`` and ``--top deep``) and
    the baseline's, with nDCG@top, recall@deep and how many papers the product sent."""
    days, cases = load_radar(path)
    rows = []
    for day, paths in days.items():
        papers = day_papers([root / p for p in paths])
        matcher = Matcher(papers, TfidfVectoriser([p.text for p in papers]), zh=zh)
        mine = [c for c in cases if c.day == day]
        sent = matcher.match([replace(c.spec, top_n=top) for c in mine], min_score=min_score, explain=False)
        longer = matcher.match([replace(c.spec, top_n=deep) for c in mine], min_score=min_score, explain=False)
        for c in mine:
            got = [m.paper_id for m in sent[c.spec.key]]
            base = baseline_ranking(papers, c.spec, deep)
            rows.append(
                {
                    "key": c.spec.key,
                    "day": day,
                    "language": c.language,
                    "split": c.split,
                    "relevant": sum(1 for g in c.relevant.values() if g > 0),
                    "sent": len(got),
                    "related": min(top, related(matcher, c.spec)),
                    "ndcg@5": ndcg_at(got, c.relevant, top),
                    "recall@10": recall_at([m.paper_id for m in longer[c.spec.key]], c.relevant, deep),
                    "base_ndcg@5": ndcg_at(base, c.relevant, top),
                    "base_recall@10": recall_at(base, c.relevant, deep),
                    "ranked": got,
                }
            )
    return rows


def summarise(rows: list[dict]) -> dict[str, float]:
    if not rows:
        return {}
    return {
        "profiles": float(len(rows)),
        "ndcg@5": mean(r["ndcg@5"] for r in rows),
        "recall@10": mean(r["recall@10"] for r in rows),
        "base_ndcg@5": mean(r["base_ndcg@5"] for r in rows),
        "base_recall@10": mean(r["base_recall@10"] for r in rows),
        "mean_sent": mean(r["sent"] for r in rows),
        # Starved: fewer papers than asked although the day has that many related to the profile
        # (sharing a word with it) and some relevant one.
        "short": float(sum(1 for r in rows if r["relevant"] and r["sent"] < r["related"])),
    }
