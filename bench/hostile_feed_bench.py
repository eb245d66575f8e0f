"""Hostile feeds against normal feeds of the same size: time and memory of parsing each.

    .venv/bin/python bench/hostile_feed_bench.py [--runs 5] [--only NAME]

Each hostile feed of issue 13 part 4 (and the quadratic inputs found while fixing it) is generated
once, with a normal feed of about the same number of bytes: real-format arXiv RSS items for XML
feeds, medRxiv ``details`` items for JSON. For each pair, ``parse_document`` (sniff, entity check,
feedparser, normalise, per-item validation) runs ``--runs`` times for the wall-time median, then once
under tracemalloc for the peak of Python allocations. A refused feed counts as parsed: refusing it is
its cost. Prints one line per pair with the ratios hostile / normal. Not a test: performance is
measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from academichub.papers.parse import parse_document  # noqa: E402
from academichub.papers.records import FeedError  # noqa: E402

HEAD = (
    '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">'
    "<channel><title>cs.AI updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.AI</link>"
    "<description>cs.AI updates on the arXiv.org e-print archive.</description>"
    "<pubDate>Mon, 27 Apr 2026 00:00:00 -0400</pubDate>\n"
)
TAIL = "</channel></rss>\n"
ABSTRACT = (
    "We study $O(\\log n)$ algorithms for \\textbf{robust} learning of sparse models from noisy data, "
    "and show that a simple estimator attains the minimax rate under mild assumptions. "
) * 6


def item(n: int, *, version: str = "1", announce: str = "new", title: str = "", description: str = "") -> str:
    arxiv_id = f"2604.{10000 + n:05d}"
    title = title or f"Paper {n}: sparse estimators under noise"
    description = description or f"arXiv:{arxiv_id}v{version} Announce Type: {announce} \nAbstract: {ABSTRACT}"
    return (
        f"<item><title>{title}</title><link>https://arxiv.org/abs/{arxiv_id}</link>"
        f"<description>{description}</description>"
        f'<guid isPermaLink="false">oai:arXiv.org:{arxiv_id}v{version}</guid><category>cs.AI</category>'
        f"<arxiv:announce_type>{announce}</arxiv:announce_type><dc:creator>A. One, B. Two</dc:creator></item>\n"
    )


def rss(items: list[str], prolog: str = "") -> bytes:
    return (prolog + HEAD + "".join(items) + TAIL).encode()


def normal_rss(size: int) -> bytes:
    """A feed of real-format items, about ``size`` bytes (at least one item)."""
    one = len(item(0).encode())
    return rss([item(n) for n in range(max(1, round((size - len(HEAD) - len(TAIL)) / one)))])


RXIV = {
    "doi": "10.1101/2026.04.27.000000",
    "title": "Interpretable biomarker programs predict treatment response",
    "authors": "Kumar, P.; Aurange, A.; Keshari, S.; Nalwad, S.",
    "date": "2026-04-27",
    "version": "1",
    "category": "nephrology",
    "server": "medRxiv",
    "abstract": "O_ST_ABSBackgroundC_ST_ABSWe did. C_LIO_LIFirst point ({beta} = 2). " + ABSTRACT,
    "published": "NA",
}


def rxiv_json(items: list[dict]) -> bytes:
    return json.dumps(
        {"messages": [{"status": "ok", "count": len(items), "total": len(items)}], "collection": items}
    ).encode()


def rxiv_item(n: int, **fields: object) -> dict:
    return dict(RXIV, doi=f"10.1101/2026.04.27.{n:06d}", **fields)


def normal_json(size: int) -> bytes:
    one = len(json.dumps(rxiv_item(0)))
    return rxiv_json([rxiv_item(n) for n in range(max(1, round(size / one)))])


def hostile_feeds() -> dict[str, tuple[bytes, Callable[[int], bytes]]]:
    good = [item(n) for n in range(49)]
    big = "A" * 100_000
    laughs = '<!ENTITY lol "lol">\n' + "".join(
        f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">\n' for i in range(1, 10)
    )
    bad_items = [
        item(900, version="99999999999999999999"),
        item(901, version="3000000000"),
        item(902, version="9" * 5000),
        item(903, announce="x" * 40),
        item(904, description="arXiv:javascript:alert(1)// Announce Type: new Abstract: x")
        .replace("oai:arXiv.org:2604.10904v1", "urn:x")
        .replace("https://arxiv.org/abs/2604.10904", "https://example.org/x"),
    ]
    wrong_types = [rxiv_item(n) for n in range(49)] + [rxiv_item(99, title=["a", "list"]), "x", 17]
    return {
        # one 100,000-character internal entity referenced 20,000 times (issue: 62 s, 6.1 GB)
        "internal-entity": (
            rss(good + [item(99, description="&big; " * 20_000)], f'<!DOCTYPE rss [\n<!ENTITY big "{big}">\n]>\n'),
            normal_rss,
        ),
        "billion-laughs": (rss(good + [item(99, description="&lol9;")], f"<!DOCTYPE rss [\n{laughs}]>\n"), normal_rss),
        # 50,000 nested escaped <div>s in one description (issue: 609 s)
        "nested-divs": (
            rss(good + [item(99, description="&lt;div&gt;" * 50_000 + "x" + "&lt;/div&gt;" * 50_000)]),
            normal_rss,
        ),
        "1-MB-title": (rss(good + [item(99, title="word " * 200_000)]), normal_rss),
        "bad-ids-and-versions": (rss(good + bad_items), normal_rss),
        "wrong-typed-json-items": (rxiv_json(wrong_types), normal_json),
        # found while fixing: a 50,000-name list without commas, 50,000 unclosed JATS markers
        "authors-without-commas": (
            rxiv_json([rxiv_item(n) for n in range(49)] + [rxiv_item(99, authors="Abc " * 50_000)]),
            normal_json,
        ),
        "unclosed-jats-markers": (
            rxiv_json([rxiv_item(n) for n in range(49)] + [rxiv_item(99, abstract="O_SCPLOW x " * 50_000)]),
            normal_json,
        ),
        "initials-without-end": (
            rxiv_json([rxiv_item(n) for n in range(49)] + [rxiv_item(99, authors="Smith, " + "A " * 60 + "!")]),
            normal_json,
        ),
    }


def parse(body: bytes) -> str:
    try:
        feed = parse_document(body)
    except FeedError as exc:
        return f"refused: {str(exc)[:60]}"
    return f"{len(feed.records)} kept, {len(feed.rejected)} skipped"


def measure(body: bytes, runs: int) -> tuple[float, float, str]:
    times = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        outcome = parse(body)
        times.append(time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()
    parse(body)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20, outcome


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    print(
        f"{'feed':<24} {'KB':>6} {'hostile s':>10} {'normal s':>9} {'time ×':>7} "
        f"{'hostile MiB':>12} {'normal MiB':>11} {'mem ×':>6}  outcome"
    )
    for name, (body, twin) in hostile_feeds().items():
        if args.only and args.only != name:
            continue
        normal = twin(len(body))
        h_s, h_mib, outcome = measure(body, args.runs)
        n_s, n_mib, _ = measure(normal, args.runs)
        print(
            f"{name:<24} {len(body) / 1024:>6.0f} {h_s:>10.3f} {n_s:>9.3f} {h_s / n_s:>7.2f} "
            f"{h_mib:>12.1f} {n_mib:>11.1f} {h_mib / n_mib:>6.2f}  {outcome} (normal: {len(normal) / 1024:.0f} KB)",
            flush=True,
        )


if __name__ == "__main__":
    main()
