"""The edition page for a 6,000-paper day: server time per request and page weight.

    .venv/bin/python bench/edition_bench.py [--papers 6000] [--requests 200]

Synthetic feeds (bench/ingest_bench.py's generator) are ingested into a temporary SQLite database;
the app is served in-process by the ASGI test client (server time only, no network), gzip on.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fastapi.testclient import TestClient  # noqa: E402
from ingest_bench import make_feeds  # noqa: E402

from academichub.editions.edition import read_edition  # noqa: E402
from academichub.papers.ingest import collect_paths, ingest_documents, read_document  # noqa: E402
from academichub.settings import Settings  # noqa: E402
from academichub.web.app import create_app  # noqa: E402

DAY = date(2026, 6, 22)


def timed(client: TestClient, url: str, n: int) -> tuple[float, list[float], int, int]:
    times = []
    raw = zipped = 0
    for _ in range(n):
        t0 = time.perf_counter()
        r = client.get(url, headers={"Accept-Encoding": "gzip"})
        times.append(time.perf_counter() - t0)
        assert r.status_code == 200, r.status_code
        raw = len(r.content)
        zipped = len(gzip.compress(r.content))
    return statistics.median(times), times, raw, zipped


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=6000)
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "feeds"
        folder.mkdir()
        make_feeds(folder, args.papers)
        settings = Settings(
            _env_file=None, database_url=f"sqlite:///{tmp}/e.db", outbox_dir=f"{tmp}/o", secret_key="bench"
        )
        app = create_app(settings)
        ingest_documents(
            app.state.ctx.engine, [read_document(p) for p in collect_paths([folder])], day=DAY, settings=settings
        )
        t0 = time.perf_counter()
        read_edition(
            app.state.ctx.engine, DAY, settings.corpus_days
        )  # what the daily run does once: themes stored with the edition
        prepare = time.perf_counter() - t0
        client = TestClient(app)
        t0 = time.perf_counter()
        first = client.get("/")
        cold = time.perf_counter() - t0
        size = client.get("/api/editions/2026-06-22").json()["size"]
        print(
            f"edition of {size} papers; themes found once by the daily run: {prepare:.1f} s; "
            "first page request (reads the edition "
            f"and its stored themes): {cold:.2f} s; status {first.status_code}"
        )
        for label, url in (
            ("page 1", "/"),
            ("page 40", "/editions/2026-06-22?page=40"),
            ("one category", "/editions/2026-06-22?category=cs.LG"),
            ("JSON API (all papers)", "/api/editions/2026-06-22"),
        ):
            median, times, raw, zipped = timed(
                client, url, args.requests if "API" not in label else max(10, args.requests // 10)
            )
            times.sort()
            print(
                f"{label}: median {median * 1000:.1f} ms, p95 {times[int(len(times) * 0.95) - 1] * 1000:.1f} ms; "
                f"{raw / 1024:.0f} KiB HTML/JSON, {zipped / 1024:.0f} KiB gzipped"
            )


if __name__ == "__main__":
    main()
