"""Theme coherence on the recorded days of the relevance evaluation (tests/eval/radar.toml), with the
plain install's themes (LSA, no embeddings, as ``matching.evaluate.day_papers`` finds them). For each
day: research papers, themes, papers themed, themes marked cross-domain, and the weakest paper's
leave-one-out TF-IDF cosine with the rest of its theme (what the coherence rule reads).

    .venv/bin/python bench/theme_coherence.py [--list]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.decomposition import TruncatedSVD  # noqa: E402
from sklearn.preprocessing import normalize  # noqa: E402

from academichub.editions import themes as T  # noqa: E402
from academichub.editions.vectorise import TfidfVectoriser  # noqa: E402
from academichub.matching.evaluate import day_papers, load_radar  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", action="store_true", help="print each theme's label and titles")
    args = ap.parse_args()
    days, _ = load_radar(ROOT / "tests" / "eval" / "radar.toml")
    print("| day | research papers | themes | papers themed | cross-domain | weakest paper's cosine |")
    print("|---|---:|---:|---:|---:|---:|")
    for day, paths in days.items():
        research = [p for p in day_papers([ROOT / p for p in paths]) if p.kind == "article"]
        X = TfidfVectoriser([p.text for p in research]).encode([p.text for p in research])
        dims = T.lsa_dimensions(len(research), X.shape[1])
        lsa = normalize(TruncatedSVD(n_components=dims, random_state=0).fit_transform(X))
        themes = T.find_themes(research, vectors=lsa, threshold=T.LSA_THRESHOLD)
        rows = normalize(X)
        at = {p.id: i for i, p in enumerate(research)}
        weakest = [float(T._loo(rows, [at[i] for i in t.paper_ids]).min()) for t in themes]
        print(
            f"| {day} | {len(research)} | {len(themes)} | {sum(len(t.paper_ids) for t in themes)} | "
            f"{sum(t.cross_domain for t in themes)} | {min(weakest) if weakest else float('nan'):.3f} |"
        )
        if args.list:
            title = {p.id: p.title for p in research}
            for t in themes:
                mark = "cross-domain " if t.cross_domain else ""
                print(f"    #{t.id} {mark}{', '.join(t.label)}: " + " | ".join(title[i][:50] for i in t.paper_ids))


if __name__ == "__main__":
    main()
