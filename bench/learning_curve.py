"""A ranking that learns, measured: readers who rate with the judged labels (tests/eval/radar.toml).

Each judged profile starts from its interests alone. After each step it rates the paper nearest the
decision boundary of a 5-paper email (the unrated paper ranked closest to position 5): 👍 when the
judgement calls it relevant, 👎 otherwise; the rating becomes a like or a dislike, as the email's
buttons do. nDCG@5 is measured after 0, 5, 10 and 20 ratings over the papers not yet rated (a rated
paper is known: ranking it is no credit), for today's Rocchio profile alone and with the per-radar
classifier (matching/learned.py), on both parts of the split (the constants were set on tune only).

    .venv/bin/python bench/learning_curve.py
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from academichub.editions.vectorise import TfidfVectoriser  # noqa: E402
from academichub.matching.evaluate import day_papers, load_radar, ndcg_at  # noqa: E402
from academichub.matching.match import Matcher  # noqa: E402
from academichub.matching.zh import make_chinese_terms  # noqa: E402

STEPS = (0, 5, 10, 20)
BOUNDARY = 5


def curve(matcher: Matcher, spec, relevant: dict[str, int], text: dict[str, str]) -> list[float]:
    spec = replace(spec, top_n=len(matcher.papers), liked=[], disliked=[])
    rated: set[str] = set()
    out = []
    for step in range(max(STEPS) + 1):
        ranked = [m.paper_id for m in matcher.match([spec], min_score=-1.0, explain=False)[spec.key]]
        unrated = [pid for pid in ranked if pid not in rated]
        if step in STEPS:
            out.append(ndcg_at(unrated, {k: g for k, g in relevant.items() if k not in rated}, 5))
        if not unrated:
            out += [out[-1]] * (len(STEPS) - len(out))
            break
        pick = min(unrated, key=lambda pid: (abs(unrated.index(pid) - (BOUNDARY - 1)), unrated.index(pid)))
        rated.add(pick)
        (spec.liked if relevant.get(pick, 0) > 0 else spec.disliked).append(text[pick])
    return out[: len(STEPS)]


def main() -> None:
    started = time.perf_counter()
    days, cases = load_radar(ROOT / "tests" / "eval" / "radar.toml")
    zh = make_chinese_terms()
    rows: dict[tuple[str, bool], list[list[float]]] = {}
    for day, paths in days.items():
        papers = day_papers([ROOT / p for p in paths])
        text = {p.id: p.text for p in papers}
        for learn in (False, True):
            matcher = Matcher(papers, TfidfVectoriser([p.text for p in papers]), zh=zh, learn=learn)
            for c in (c for c in cases if c.day == day and any(g > 0 for g in c.relevant.values())):
                rows.setdefault((c.split, learn), []).append(curve(matcher, c.spec, c.relevant, text))
    print("| part | ranking | profiles | " + " | ".join(f"nDCG@5 after {s}" for s in STEPS) + " |")
    print("|---|---|---:|" + "---:|" * len(STEPS))
    for split in ("tune", "report"):
        for learn in (False, True):
            got = rows.get((split, learn), [])
            name = "Rocchio + classifier" if learn else "Rocchio only (before)"
            cells = " | ".join(f"{mean(r[i] for r in got):.3f}" for i in range(len(STEPS)))
            print(f"| {split} | {name} | {len(got)} | {cells} |")
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
