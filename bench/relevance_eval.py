"""The research radar's relevance evaluation (issue 16): product ranking vs plain TF-IDF cosine.

    python bench/relevance_eval.py                      # both parts, English and Chinese
    python bench/relevance_eval.py --zh-mode cedict     # another offline Chinese option
    python bench/relevance_eval.py --zh-mode none       # no offline Chinese at all
    python bench/relevance_eval.py --absolute-floor     # the floor as it was (similarity >= min_score)
    python bench/relevance_eval.py --profiles           # one line per profile

Judged profiles and days: tests/eval/radar.toml. The product is `academichub match --top 5` with no
LLM (TF-IDF, the default floor); recall@10 is from `--top 10`. Results go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from academichub.matching import match  # noqa: E402
from academichub.matching.evaluate import radar_eval, summarise  # noqa: E402
from academichub.matching.zh import MODES, make_chinese_terms  # noqa: E402
from academichub.settings import Settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zh-mode", choices=[*MODES, "none"], default="glossary")
    ap.add_argument("--absolute-floor", action="store_true", help="papers under min_score are never sent")
    ap.add_argument("--min-score", type=float, default=Settings.model_fields["min_score"].default)
    ap.add_argument("--profiles", action="store_true", help="print every profile's row")
    args = ap.parse_args()
    if args.absolute_floor:
        match.RANK_FLOOR = math.inf
    zh = None if args.zh_mode == "none" else make_chinese_terms(args.zh_mode)
    started = time.perf_counter()
    rows = radar_eval(ROOT, ROOT / "tests/eval/radar.toml", min_score=args.min_score, zh=zh)
    took = time.perf_counter() - started
    if args.profiles:
        for r in rows:
            print(
                f"{r['split']:6} {r['day']:6} {r['key']:24} rel={r['relevant']:2} sent={r['sent']} "
                f"ndcg@5={r['ndcg@5']:.2f} (tfidf {r['base_ndcg@5']:.2f}) "
                f"recall@10={r['recall@10']:.2f} (tfidf {r['base_recall@10']:.2f})"
            )
    floor = "absolute" if args.absolute_floor else "rank-aware"
    print(f"zh mode {args.zh_mode}, min_score {args.min_score}, floor {floor}")
    print("part    lang  n   nDCG@5 product / tfidf   recall@10 product / tfidf   papers sent (mean)  starved")
    for split in ("tune", "report"):
        for lang in ("en", "zh", "all"):
            s = summarise([r for r in rows if r["split"] == split and lang in (r["language"], "all")])
            print(
                f"{split:7} {lang:4} {int(s['profiles']):2}   {s['ndcg@5']:.3f} / {s['base_ndcg@5']:.3f}"
                f"            {s['recall@10']:.3f} / {s['base_recall@10']:.3f}"
                f"               {s['mean_sent']:.2f}             {int(s['short'])}"
            )
    print(f"({len(rows)} profiles over 3 days in {took:.1f} s)")


if __name__ == "__main__":
    main()
