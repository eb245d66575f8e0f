"""Hostile library files against normal exports: what ``parse_library`` (the upload's and the CLI's
parser: sniffing, BibTeX/RIS/CSL-JSON, per-entry checks, dedupe) costs for each, in time (median of
``--runs``) and in the peak of Python allocations (one run under tracemalloc). The normal ones are
the onboarding bench's generated BibTeX export (200 and 2,000 entries with 180-word abstracts).

    PYTHONPATH=. .venv/bin/python bench/hostile_library_bench.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from onboard_bench import bibtex  # noqa: E402

from academichub.papers.library import LibraryError, parse_library  # noqa: E402


def files() -> list[tuple[str, bytes, str]]:
    return [
        ("normal BibTeX, 200 entries", bibtex(200), "a.bib"),
        ("normal BibTeX, 2,000 entries", bibtex(2000), "a.bib"),
        ("BibTeX: 1,000,000 empty `@a{` blocks", b"@a{\n" * 1_000_000, "a.bib"),
        (
            "BibTeX: 100,000 tiny entries",
            "".join(f"@misc{{k{i},title={{T{i}}}}}\n" for i in range(100_000)).encode(),
            "a.bib",
        ),
        ("BibTeX: 300,000 `@string` macros", b"@string{a={x}}\n" * 300_000, "a.bib"),
        ('BibTeX: a 3 MB title of `{"}`', b'@article{k, title="' + b'{"}' * 1_000_000 + b'"}', "a.bib"),
        (
            "BibTeX: 200,000 nested braces",
            b"@article{k, title={" + b"{" * 200_000 + b"x" + b"}" * 200_000 + b"}}",
            "a.bib",
        ),
        (
            "BibTeX: one entry of 300,000 fields",
            b"@article{k," + b"".join(b"f%d={x}," % i for i in range(300_000)) + b"}",
            "a.bib",
        ),
        ("RIS: 400,000 records without an end", b"TY  - JOUR\n" * 400_000, "a.ris"),
        ("CSL-JSON: 1,700,000 empty objects", b"[" + b"{}," * 1_700_000 + b"{}]", "a.json"),
        (
            "CSL-JSON: a 5,000-digit year",
            b'[{"title":"x","issued":{"date-parts":[[1' + b"0" * 5000 + b"]]}}]",
            "a.json",
        ),
    ]


def outcome(data: bytes, name: str) -> str:
    try:
        parsed = parse_library(data, name)
    except LibraryError as exc:
        return f"refused: {str(exc)[:70]}"
    return f"{len(parsed.entries)} entries, {len(parsed.problems) + parsed.skipped} problems"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    parse_library(bibtex(5), "warm.bib")
    print("| file | MB | median s | peak MiB | outcome |\n|---|---:|---:|---:|---|")
    for label, data, name in files():
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            said = outcome(data, name)
            times.append(time.perf_counter() - started)
        tracemalloc.start()
        outcome(data, name)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"| {label} | {len(data) / 1e6:.1f} | {statistics.median(times):.2f} | {peak:.1f} | {said} |", flush=True)


if __name__ == "__main__":
    main()
