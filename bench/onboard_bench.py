"""What a new reader waits for on the two onboarding pages, in-process (FastAPI TestClient, SQLite):

- the preference page's library upload of a generated BibTeX export of N entries with abstracts
  (2,000 entries of 180-word abstracts: 3.2 MB), parsed, stored and the page rendered;
- "rate ten papers" on a generated day of P papers: the first request (the edition's matcher is built
  and kept with the web app's copy of the edition) and the next ones (the matcher reused).

    .venv/bin/python bench/onboard_bench.py [--entries 2000] [--papers 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from academichub.db import session_scope  # noqa: E402
from academichub.web.app import create_app  # noqa: E402
from subscribers.service import ProfileInput, upsert_subscriber  # noqa: E402
from tests.conftest import ingest_paths, web_settings  # noqa: E402
from tests.daygen import arxiv_feed, ids_for, write  # noqa: E402

DAY = date(2026, 6, 22)
WORDS = "quantum error correction codes surface lattice decoder threshold noise qubit fidelity".split()


def bibtex(n: int) -> bytes:
    out = []
    for i in range(n):
        words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(180))
        out.append(
            f"@article{{key{i},\n"
            f"  title = {{On {WORDS[i % len(WORDS)]} and {WORDS[(i * 7) % len(WORDS)]}: study {i}}},\n"
            f'  author = {{Smith, John and M\\"uller, Anna}},\n  year = {{{2000 + i % 26}}},\n'
            f"  doi = {{10.1000/bench.{i}}},\n  abstract = {{{words}}},\n}}\n"
        )
    return "".join(out).encode()


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=2000)
    ap.add_argument("--papers", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(web_settings(Path(tmp)).model_copy(update={"library_offline": True}))
        feeds = write(Path(tmp) / "day", {"cs.xml": arxiv_feed("cs.AI", DAY, ids_for(DAY, args.papers))})
        ingest_paths(app, [feeds], DAY)
        with session_scope(app.state.ctx.engine) as s:
            sub, _, _ = upsert_subscriber(
                s, "ada@example.org", ProfileInput(interests="prompt injection in LLM agents")
            )
        client = TestClient(app)
        t = app.state.ctx.tokens.sign("preferences", {"s": sub.id, "k": sub.link_key})
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/preferences?t={t}").text).group(1)
        data = bibtex(args.entries)

        def upload() -> None:
            r = client.post("/preferences/library", data={"t": t, "csrf": csrf}, files={"library": ("l.bib", data)})
            assert r.status_code == 200 and f"Read {args.entries:,} papers" in r.text, r.status_code

        def rate() -> None:
            r = client.get(f"/preferences/rate?t={t}")
            assert r.status_code == 200 and r.text.count('class="paper"') == 10

        up = timed(upload, args.repeat)
        first = timed(rate, 1)
        warm = timed(rate, args.repeat)
    size = f"{args.entries:,} entries, {len(data) / 1e6:.1f} MB"
    print(f"library upload: {size}: median {statistics.median(up):.0f} ms")
    day = f"{args.papers:,}-paper day"
    print(f"rate ten papers, {day}: first {first[0]:.0f} ms, then median {statistics.median(warm):.0f} ms")


if __name__ == "__main__":
    main()
