"""What seeding a radar from the reader's own papers is worth, on the judged evaluation (tests/eval/radar.toml).

The set judges each profile on one day only, so a reader's relevant papers "from other days" do not
exist in it. The closest honest version: a simulated reader's library is ``m`` of the profile's judged
relevant papers, and those papers are **taken out of the day** (not candidates, not judged, not in the
day's TF-IDF fit): the radar is then measured on the rest of that day, against the judgements of the
rest. Every choice of ``m`` library papers is tried (all combinations) and averaged per profile, then
over profiles; only profiles with at least ``m + 1`` relevant papers take part (one must be left to
find). Three rankings, each `academichub match --top 5` as the product runs it with no LLM (TF-IDF,
the default floor, offline Chinese terms), recall@10 from `--top 10`:

- interests only: the judged profile (interests and keywords), no library;
- library only: no interests or keywords, the library alone (matching/library.py);
- both: the profile and its library (blended at ``LIBRARY_BLEND``);
- and, as a diagnostic only, interests with no floor at all (always 5 papers, even ones that share no
  word with the profile), to tell how much of a gain is the library filling an email the floor left short.

Nothing is tuned here (the library constants are as shipped); the report part is the result, the tune
part is printed for comparison. Themes are the full day's (the plain install's LSA themes), so the
per-theme cap is the same in the three rankings.

    PYTHONPATH=. .venv/bin/python bench/library_bench.py [--sizes 1 2] [--profiles]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from itertools import combinations
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from academichub.editions.vectorise import TfidfVectoriser  # noqa: E402
from academichub.matching.evaluate import day_papers, load_radar, ndcg_at, recall_at  # noqa: E402
from academichub.matching.library import library_examples  # noqa: E402
from academichub.matching.match import Matcher  # noqa: E402
from academichub.matching.zh import make_chinese_terms  # noqa: E402
from academichub.settings import Settings  # noqa: E402

MODES = ("interests only", "library only", "both", "interests, no floor")
# The cross-day check: a reader judged on one day whose library is papers judged relevant (grade 2, with
# the set's reason) to a profile of the same interest on ANOTHER day. Which profile's papers a reader
# would own is a call made here, not a judgement of the set: only pairs whose interests are the same
# topic are listed, each with why. The reader is measured on their whole judged day (nothing removed).
LIFE_CLINICAL = ["doi:10.64898/2026.09.13.26362948", "doi:10.64898/2026.09.14.26363001"]
LIFE_WHY = "life day's interpretable biomarkers of lupus response and interpretable ABR classification"
CROSS_DAY = {
    "en-jailbreak": (
        ["2606.12747", "2602.14211", "2602.16835"],
        "sample day's LLM-safety papers: jailbreak evaluations, prompt injection, safety alignment",
    ),
    "zh-jailbreak": (
        ["2606.12747", "2602.14211", "2602.16835"],
        "sample day's LLM-safety papers, for the Chinese jailbreak reader",
    ),
    "zh-safety": (["2510.22628"], "csai day's real-time defence against LLM jailbreaks"),
    "zh-demo-safety": (["2510.22628"], "csai day's real-time defence against LLM jailbreaks"),
    "old-llm-safety": (["2510.22628"], "csai day's real-time defence against LLM jailbreaks"),
    "en-clinical-prediction": (
        ["2606.16337", "doi:10.1101/sample.2026-06-18.0004"],
        "sample day's interpretable clinical decision rules and ML stroke prognosis",
    ),
    "old-clinical-ml": (LIFE_CLINICAL, LIFE_WHY),
    "zh-medical": (LIFE_CLINICAL, LIFE_WHY),
    "en-interpretability": (LIFE_CLINICAL, LIFE_WHY),
    "en-nlg-metrics": (
        ["2606.90013", "2606.90005"],
        "sample day's LLM evaluation: summarisation reasoning study, dialogue benchmark",
    ),
    "en-llm-eval": (["2204.11574", "2604.21935"], "csai day's NLP evaluation metrics, mathematical reasoning test"),
}


def measure(papers, spec, relevant: dict[str, int], library: tuple[str, ...], zh, min_score: float) -> dict:
    """One (profile, library) draw: the three rankings on the day without the library's papers."""
    rest = [p for p in papers if p.id not in library]
    matcher = Matcher(rest, TfidfVectoriser([p.text for p in rest]), zh=zh)
    by_id = {p.id: p for p in papers}
    rows = [{"id": pid, "title": by_id[pid].title, "abstract": by_id[pid].abstract, "year": 2026} for pid in library]
    examples = library_examples(rows)
    judged = {pid: g for pid, g in relevant.items() if pid not in library}
    specs = {
        "interests only": spec,
        "library only": replace(spec, interests="", keywords=[], library=examples),
        "both": replace(spec, library=examples),
        "interests, no floor": spec,
    }
    out = {}
    for mode, s in specs.items():
        floor = -1.0 if mode == "interests, no floor" else min_score  # a diagnostic: always 5 (10) papers
        five = [m.paper_id for m in matcher.match([replace(s, top_n=5)], min_score=floor, explain=False)[s.key]]
        ten = [m.paper_id for m in matcher.match([replace(s, top_n=10)], min_score=floor, explain=False)[s.key]]
        out[mode] = {"ndcg@5": ndcg_at(five, judged, 5), "recall@10": recall_at(ten, judged, 10), "sent": len(five)}
    return out


def moved(rows: list[dict]) -> str:
    """How many profiles "both" moves against "interests only" (nDCG@5 up / within 0.005 / down)."""
    delta = [r["both"]["ndcg@5"] - r["interests only"]["ndcg@5"] for r in rows]
    return f"{sum(d > 0.005 for d in delta)} / {sum(abs(d) <= 0.005 for d in delta)} / {sum(d < -0.005 for d in delta)}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 2], help="library sizes m (default 1 2)")
    ap.add_argument("--profiles", action="store_true", help="one line per profile")
    args = ap.parse_args()
    started = time.perf_counter()
    min_score = Settings.model_fields["min_score"].default
    days, cases = load_radar(ROOT / "tests" / "eval" / "radar.toml")
    zh = make_chinese_terms()
    results: dict[tuple[int, str], list[tuple[object, dict]]] = {}
    draws = 0
    all_papers = {day: day_papers([ROOT / p for p in paths]) for day, paths in days.items()}
    for day, papers in all_papers.items():
        for c in (c for c in cases if c.day == day):
            wanted = sorted(pid for pid, g in c.relevant.items() if g > 0)
            for m in args.sizes:
                if len(wanted) < m + 1:
                    continue
                got = [measure(papers, c.spec, c.relevant, lib, zh, min_score) for lib in combinations(wanted, m)]
                draws += len(got)
                per = {mode: {k: mean(g[mode][k] for g in got) for k in got[0][mode]} for mode in MODES}
                results.setdefault((m, c.split), []).append((c, per))
    print(f"min_score {min_score}, {draws} library draws, {time.perf_counter() - started:.1f} s")
    heads = " | ".join(f"{mode}: nDCG@5 / recall@10 / sent" for mode in MODES)
    print(f"| part | library | profiles | {heads} | both vs interests: nDCG@5 up / same / down |")
    print("|---|---:|---:|" + "---|" * (len(MODES) + 1))
    for split in ("report", "tune"):
        for m in args.sizes:
            for lang in ("all", "en", "zh"):
                rows = [per for c, per in results.get((m, split), []) if lang in ("all", c.language)]
                if not rows:
                    continue
                cells = " | ".join(
                    f"{mean(r[mode]['ndcg@5'] for r in rows):.3f} / {mean(r[mode]['recall@10'] for r in rows):.3f}"
                    f" / {mean(r[mode]['sent'] for r in rows):.2f}"
                    for mode in MODES
                )
                print(f"| {split}, {lang} | {m} | {len(rows)} | {cells} | {moved(rows)} |")
    cross: dict[str, list[tuple[object, dict]]] = {}
    by_id = {p.id: p for ps in all_papers.values() for p in ps}
    for day, papers in all_papers.items():
        for c in (c for c in cases if c.day == day and c.spec.key in CROSS_DAY):
            lib = CROSS_DAY[c.spec.key][0]
            assert all(pid in by_id and pid not in {p.id for p in papers} for pid in lib), c.spec.key  # other days
            cross.setdefault(c.split, []).append(
                (c, measure(papers + [by_id[pid] for pid in lib], c.spec, c.relevant, tuple(lib), zh, min_score))
            )
    print("\nCross-day libraries (the reader's papers from another judged day):")
    print(f"| part | profiles | {heads} | both vs interests: nDCG@5 up / same / down |")
    print("|---|---:|" + "---|" * (len(MODES) + 1))
    for split in ("report", "tune"):
        rows = [per for _c, per in cross.get(split, [])]
        cells = " | ".join(
            f"{mean(r[mode]['ndcg@5'] for r in rows):.3f} / {mean(r[mode]['recall@10'] for r in rows):.3f}"
            f" / {mean(r[mode]['sent'] for r in rows):.2f}"
            for mode in MODES
        )
        print(f"| {split} | {len(rows)} | {cells} | {moved(rows)} |")
    for split in ("report", "tune"):
        for c, per in cross.get(split, []):
            cells = "  ".join(f"{mode[:4]} {per[mode]['ndcg@5']:.2f}" for mode in MODES[:3])
            print(f"{split:6} {c.day:6} {c.spec.key:24} {cells}  ({CROSS_DAY[c.spec.key][1]})")
    if args.profiles:
        for (m, split), rows in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            for c, per in rows:
                cells = "  ".join(f"{mode[:4]} {per[mode]['ndcg@5']:.2f}" for mode in MODES)
                print(f"{split:6} m={m} {c.day:6} {c.spec.key:24} {cells}")


if __name__ == "__main__":
    main()
