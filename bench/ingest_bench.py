"""Ingest benchmark: 20,000 feed items across 10 feeds into SQLite (parse, normalise, dedupe, store).

    .venv/bin/python bench/ingest_bench.py [--items 20000] [--runs 3] [--floor]

Generates the feeds once (arXiv RSS 2.0 in the real format, with cross-listings and replacements,
a medRxiv RSS 1.0 feed and a journal RSS 1.0 feed), then for each run starts a fresh process that
ingests them into a new SQLite file and reports wall time and peak RSS. Prints the median.
Not a test: performance is measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CATS = ["cs.CV", "cs.LG", "cs.AI", "cs.CL", "quant-ph", "stat.ML", "eess.IV", "cs.RO"]
WORDS = (
    "model learning neural network quantum transformer graph diffusion agent language vision robust "
    "causal inference benchmark dataset training optimisation sparse attention retrieval clinical "
    "protein genome circuit entanglement policy reward representation embedding contrastive"
).split()


SYLLABLES = "ka lo mi ne tra spe qua ten sor vin gra phe lux dia mor tel gen ric ova pri".split()


def vocabulary(rng: random.Random, size: int = 20000) -> list[str]:
    """A research vocabulary: common words first, then pseudo-terms (titles carry specific terms)."""
    words = list(WORDS)
    while len(words) < size:
        words.append("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return words


def sentence(rng: random.Random, n: int, vocab: list[str] | None = None) -> str:
    vocab = vocab or WORDS
    # Zipf-like: word rank r drawn with probability ~ 1/r, as in natural text.
    picks = [vocab[min(int(rng.paretovariate(1.0)) - 1, len(vocab) - 1)] for _ in range(n)]
    return " ".join(picks).capitalize() + "."


def make_feeds(folder: Path, total: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    per_feed = total // 10
    arxiv_feeds = {c: [] for c in CATS}
    papers = []
    n = 0
    for cat in CATS:
        for _ in range(per_feed):
            r = rng.random()
            if r < 0.15 and papers:  # cross-listing of a paper announced in another feed
                p = rng.choice(papers)
                arxiv_feeds[cat].append(dict(p, type="cross"))
            elif r < 0.25 and papers:  # replacement (new version) of an earlier paper
                p = rng.choice(papers)
                arxiv_feeds[cat].append(dict(p, type="replace", version=2, title=p["title"] + " (v2)"))
            else:
                n += 1
                p = {
                    "id": f"2606.{n:05d}",
                    "version": 1,
                    "type": "new",
                    "cats": [cat, rng.choice(CATS)],
                    "title": sentence(rng, 9, vocab).rstrip("."),
                    "abstract": " ".join(sentence(rng, rng.randint(14, 24), vocab) for _ in range(7))
                    + r" We reach $O(\log n)$ with \textbf{few} samples.",
                    "authors": ", ".join(
                        f"Author{rng.randint(1, 5000)} Name{rng.randint(1, 5000)}" for _ in range(rng.randint(2, 8))
                    ),
                }
                papers.append(p)
                arxiv_feeds[cat].append(p)
    for cat, items in arxiv_feeds.items():
        body = [
            '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'version="2.0"><channel>'
            f"<title>{cat} updates on arXiv.org</title><link>http://rss.arxiv.org/rss/{cat}</link>"
            "<pubDate>Mon, 22 Jun 2026 00:00:00 -0400</pubDate>"
            "<skipDays><day>Saturday</day><day>Sunday</day></skipDays>"
        ]
        for p in items:
            cats = "".join(f"<category>{c}</category>" for c in p["cats"])
            body.append(
                f"<item><title>{escape(p['title'])}</title><link>https://arxiv.org/abs/{p['id']}</link>"
                f"<description>arXiv:{p['id']}v{p['version']} Announce Type: {p['type']} "
                f"\nAbstract: {escape(p['abstract'])}</description>"
                f'<guid isPermaLink="false">oai:arXiv.org:{p["id"]}v{p["version"]}</guid>{cats}'
                "<pubDate>Mon, 22 Jun 2026 00:00:00 -0400</pubDate>"
                f"<arxiv:announce_type>{p['type']}</arxiv:announce_type>"
                f"<dc:creator>{escape(p['authors'])}</dc:creator></item>"
            )
        body.append("</channel></rss>")
        (folder / f"arxiv-{cat}.xml").write_text("".join(body), encoding="utf-8")
    for name, pub in (("medrxiv", "medRxiv"), ("journal", "Journal of Benchmarks")):
        items = []
        for i in range(per_feed):
            doi = f"10.1101/2026.06.{i:05d}" if name == "medrxiv" else f"10.9999/jb.{i:05d}"
            items.append(
                f'<item rdf:about="https://example.org/{doi}"><title><![CDATA[ {sentence(rng, 10, vocab)} ]]></title>'
                f"<link>https://example.org/{doi}v1?rss=1</link>"
                f"<description><![CDATA[ {' '.join(sentence(rng, 18, vocab) for _ in range(6))} "
                f"O_ST_ABSMethodsC_ST_ABS ({{beta}} = 1) ]]></description>"
                f"<dc:creator><![CDATA[ Smith, J.; Doe, A. B.; Roe, C. ]]></dc:creator><dc:date>2026-06-22</dc:date>"
                f"<dc:identifier>doi:{doi}</dc:identifier></item>"
            )
        (folder / f"{name}.xml").write_text(
            '<?xml version="1.0"?><rdf:RDF xmlns="http://purl.org/rss/1.0/" '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/">'
            f'<channel rdf:about="https://example.org"><title>{pub}</title><link>https://{name}.example.org</link>'
            f"<prism:publicationName>{pub}</prism:publicationName></channel>{''.join(items)}</rdf:RDF>",
            encoding="utf-8",
        )
    return {"items": sum(len(v) for v in arxiv_feeds.values()) + 2 * per_feed, "arxiv_papers": len(papers)}


def one_run(folder: Path) -> dict:
    """Runs in a fresh process: ingest the folder into a new SQLite database."""
    from academichub.db import open_database
    from academichub.papers.ingest import collect_paths, ingest_documents, read_document
    from academichub.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", _env_file=None)
        engine = open_database(settings)
        started = time.perf_counter()
        docs = [read_document(p) for p in collect_paths([folder])]
        report = ingest_documents(engine, docs, day=date(2026, 6, 22), settings=settings)
        elapsed = time.perf_counter() - started
    items = sum(s.items for s in report.sources)
    return {
        "items": items,
        "seconds": elapsed,
        "items_per_s": items / elapsed,
        "new_papers": report.new_papers,
        "merges": report.merges,
        "edition": report.edition_added,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def parser_only_run(folder: Path) -> dict:
    """Runs in a fresh process: feedparser alone over the same files, with the options ingest passes.
    This is the floor: no ingest of these feeds can be faster than parsing them."""
    import feedparser

    files = sorted(p for p in folder.iterdir() if p.suffix == ".xml")
    blobs = [p.read_bytes() for p in files]
    started = time.perf_counter()
    items = sum(len(feedparser.parse(b, sanitize_html=False, resolve_relative_uris=False).entries) for b in blobs)
    elapsed = time.perf_counter() - started
    return {"items": items, "seconds": elapsed, "items_per_s": items / elapsed}


def _in_fresh_process(flag: str, folder: Path) -> dict:
    # taskset pins the run to one core, as the target says "on one core".
    cmd = ["taskset", "-c", "0", sys.executable, __file__, flag, str(folder)]
    out = subprocess.run(
        cmd, check=True, capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, PYTHONHASHSEED="0")
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def floor(folder: Path, runs: int) -> None:
    """Interleave whole ingests with feedparser-alone runs and print both medians and their ratio."""
    whole, alone = [], []
    for i in range(runs):
        whole.append(_in_fresh_process("--one-run", folder)["items_per_s"])
        alone.append(_in_fresh_process("--parser-only", folder)["items_per_s"])
        print(f"round {i + 1}: ingest {whole[-1]:.0f} items/s, feedparser alone {alone[-1]:.0f} items/s")
    w, a = statistics.median(whole), statistics.median(alone)
    ours = 1 / w - 1 / a
    print(
        f"median: ingest {w:.0f} items/s, feedparser alone {a:.0f} items/s; "
        f"feedparser is {w / a:.0%} of ingest's time, everything else {ours * 1e6:.0f} µs per item"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--floor", action="store_true", help="interleave ingests with feedparser-alone runs")
    ap.add_argument("--one-run", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--parser-only", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one_run:
        print(json.dumps(one_run(args.one_run)))
        return
    if args.parser_only:
        print(json.dumps(parser_only_run(args.parser_only)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        info = make_feeds(folder, args.items)
        print(f"generated {info['items']} items in 10 feeds ({info['arxiv_papers']} distinct arXiv papers)")
        if args.floor:
            floor(folder, args.runs)
            return
        results = []
        for i in range(args.runs):
            r = _in_fresh_process("--one-run", folder)
            results.append(r)
            print(
                f"run {i + 1}: {r['items']} items in {r['seconds']:.2f} s = {r['items_per_s']:.0f} items/s, "
                f"peak RSS {r['peak_rss_mib']:.0f} MiB, "
                f"new {r['new_papers']}, edition {r['edition']}, merges {r['merges']}"
            )
        med = statistics.median(r["items_per_s"] for r in results)
        print(
            f"median: {med:.0f} items/s; "
            f"peak RSS median {statistics.median(r['peak_rss_mib'] for r in results):.0f} MiB"
        )


if __name__ == "__main__":
    main()
