"""Matching at scale: 6,000 papers x 100,000 subscribers, top N with diversity, both representations.

    .venv/bin/python bench/match_bench.py [--papers 6000] [--subscribers 100000] [--representation tfidf|semantic|both]

Each representation runs in a fresh process (peak RSS is that process's). Profiles mix what real
ones hold: free text (5-12 words), keywords (30 %), exclusions (10 %), category filters (20 %),
followed authors (10 %), 8 papers each. Timed: building the matcher (paper vectors, facets,
authors) and matching + MMR selection for every subscriber. Reasons are worded only for the
emails actually rendered, so they are not part of this figure (explain=False).

For ``semantic``, vectors are precomputed, as in production (paper vectors are cached per day,
profile vectors when a profile is saved): the matching cost does not depend on what the vectors
contain, so this run uses random unit vectors of the model's 384 dimensions, and separately
measures the model's real encoding throughput on 1,000 paper texts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest_bench import sentence, vocabulary  # noqa: E402

CATS = ["cs.CV", "cs.LG", "cs.AI", "cs.CL", "quant-ph", "medrxiv", "science", "nature"]


def make_papers(n: int, rng: random.Random, vocab: list[str]):
    from academichub.papers.views import PaperFacts

    papers = []
    for i in range(n):
        cats = tuple(rng.sample(CATS[:5], 2)) if rng.random() < 0.85 else ()
        facets = frozenset(cats) | ({rng.choice(CATS[5:])} if not cats else {"arxiv"})
        papers.append(
            PaperFacts(
                id=f"2606.{i:05d}",
                title=sentence(rng, 10, vocab).rstrip("."),
                abstract=" ".join(sentence(rng, rng.randint(15, 25), vocab) for _ in range(7)),
                categories=cats,
                facets=facets,
                authors=tuple(
                    f"A{rng.randint(1, 20000)} Author{rng.randint(1, 20000)}" for _ in range(rng.randint(2, 6))
                ),
                theme=rng.randint(1, 300),
            )
        )
    return papers


def make_profiles(m: int, rng: random.Random, vocab: list[str], papers):
    from academichub.matching.match import ProfileSpec

    out = []
    for i in range(m):
        p = ProfileSpec(key=f"s{i}", interests=sentence(rng, rng.randint(5, 12), vocab), top_n=8)
        if rng.random() < 0.3:
            p.keywords = [" ".join(rng.sample(vocab[:3000], rng.randint(1, 2))) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.1:
            p.exclude = [rng.choice(vocab[:3000])]
        if rng.random() < 0.2:
            p.categories = rng.sample(CATS, rng.randint(1, 3))
        if rng.random() < 0.1:
            p.authors = list(rng.choice(papers).authors[:1]) + [f"Z{rng.randint(1, 9999)} Nobody"]
        out.append(p)
    return out


class Precomputed:
    """A vectoriser answering from precomputed rows (what the caches hold in production)."""

    name = "semantic"

    def __init__(self, texts: list[str], dim: int, rng: np.random.Generator):
        self.index = {t: i for i, t in enumerate(dict.fromkeys(texts))}
        m = rng.standard_normal((len(self.index), dim)).astype(np.float32)
        self.matrix = m / np.linalg.norm(m, axis=1, keepdims=True)

    def encode(self, texts):
        return self.matrix[[self.index[t] for t in texts]]

    def terms(self):
        return None


def one_run(representation: str, n_papers: int, n_subs: int) -> dict:
    from academichub.editions.vectorise import TfidfVectoriser
    from academichub.matching.match import Matcher

    rng = random.Random(11)
    vocab = vocabulary(rng)
    papers = make_papers(n_papers, rng, vocab)
    profiles = make_profiles(n_subs, rng, vocab, papers)
    t0 = time.perf_counter()
    if representation == "tfidf":
        vec = TfidfVectoriser([p.text for p in papers])
    else:
        vec = Precomputed([p.text for p in papers] + [p.text for p in profiles], 384, np.random.default_rng(3))
    matcher = Matcher(papers, vec)
    t1 = time.perf_counter()
    results = matcher.match(profiles, min_score=0.05, explain=False)
    t2 = time.perf_counter()
    sizes = [len(v) for v in results.values()]
    return {
        "representation": representation,
        "papers": n_papers,
        "subscribers": n_subs,
        "build_s": t1 - t0,
        "match_s": t2 - t1,
        "total_s": t2 - t0,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "mean_selected": sum(sizes) / len(sizes),
        "empty": sum(1 for s in sizes if s == 0),
    }


def encode_throughput(n: int = 1000) -> float:
    from academichub.editions.vectorise import SemanticVectoriser

    rng = random.Random(5)
    vocab = vocabulary(rng)
    texts = [p.text for p in make_papers(n, rng, vocab)]
    v = SemanticVectoriser()
    v.encode(texts[:32])  # warm up
    t = time.perf_counter()
    v.encode(texts)
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=6000)
    ap.add_argument("--subscribers", type=int, default=100000)
    ap.add_argument("--representation", default="both", choices=["tfidf", "semantic", "both"])
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--throughput", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.throughput:
        print(json.dumps({"papers_per_s": encode_throughput()}))
        return
    if args.one:
        print(json.dumps(one_run(args.one, args.papers, args.subscribers)))
        return
    reps = ["tfidf", "semantic"] if args.representation == "both" else [args.representation]
    for rep in reps:
        cmd = [
            sys.executable,
            __file__,
            "--one",
            rep,
            "--papers",
            str(args.papers),
            "--subscribers",
            str(args.subscribers),
        ]
        r = json.loads(
            subprocess.run(
                cmd,
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
                env=dict(os.environ, TOKENIZERS_PARALLELISM="false"),
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        print(
            f"{rep}: {r['papers']} papers x {r['subscribers']} subscribers: build {r['build_s']:.1f} s, "
            f"match+select {r['match_s']:.1f} s, total {r['total_s']:.1f} s, peak RSS {r['peak_rss_mib']:.0f} MiB, "
            f"mean selected {r['mean_selected']:.2f}, empty {r['empty']}"
        )
    if "semantic" in reps:
        out = subprocess.run(
            [sys.executable, __file__, "--throughput"], check=True, capture_output=True, text=True, cwd=ROOT
        )
        tp = json.loads(out.stdout.strip().splitlines()[-1])["papers_per_s"]
        print(
            f"semantic encoding (all-MiniLM-L6-v2, CPU): {tp:.0f} paper texts/s -> "
            f"{args.papers / tp:.0f} s for {args.papers} papers, once per day (cached)"
        )


if __name__ == "__main__":
    main()
