"""A whole day: N papers, M subscribers (synthetic), the LLM stubbed with realistic latency, SES mocked.

    .venv/bin/python bench/day_bench.py [--papers 6000] [--subscribers 100000] [--llm-latency 0.8]
        [--database postgresql://postgres@127.0.0.1:5432/academichub_bench]

The scheduled day as its two flows run it (on a temporary local Prefect API): ``prepare-edition``
(ingest -> edition + themes -> match everyone, keeping the matches -> per-paper summaries and theme
syntheses from the LLM) then ``deliver-due`` with every reader due (ledger, batches claimed in the
database; per batch: the kept matches, matching only readers changed since, the readers' openings
from the LLM, compose, render, MIME). The LLM is a local OpenAI-compatible
server answering after --llm-latency seconds (ACADEMICHUB_LLM_CONCURRENCY requests at once per
batch); SES is mocked: each message is built to its final bytes and dropped (no network, no
send-rate limit, which the target excludes). ``--dask N``: deliver-due's batches on a local Dask
cluster of N processes. Wall time per stage, CPU seconds per flow (steadier on a shared machine),
peak memory (RSS of this process; the LLM stub runs in a thread of it).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DAY = date(2026, 6, 22)


def cpu_s() -> tuple[float, float]:
    """CPU seconds (user + system) of this process, and of its children that ended (the Dask workers
    of deliver-due, once the cluster closes): on a shared machine, steadier than wall time."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ChildRss:
    """Peak RSS of any child process (the Dask workers), sampled every second by psutil."""

    def __init__(self):
        import psutil

        self.peak, self._me, self._psutil = 0.0, psutil.Process(), psutil
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            for child in self._me.children(recursive=True):
                try:
                    self.peak = max(self.peak, child.memory_info().rss / 2**20)
                except self._psutil.Error:
                    pass
            time.sleep(1)


def llm_server(latency: float) -> str:
    """The tests' OpenAI-compatible stub, answering after ``latency`` seconds, threaded."""
    from werkzeug.serving import make_server

    from tests.fake_llm import FakeLLM

    fake = FakeLLM()

    def app(environ, start_response):
        from werkzeug.wrappers import Request

        time.sleep(latency)
        return fake(Request(environ))(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/v1"


class MockedSes:
    """SES mocked: the message is built to the bytes SES would receive, then dropped."""

    name = "ses-mock"

    def __init__(self):
        from academichub.mail.message import message_bytes

        self.bytes, self.sent, self.lock, self._bytes = 0, 0, threading.Lock(), message_bytes

    def send(self, email) -> str:
        raw = self._bytes(email.message)
        with self.lock:
            self.sent += 1
            self.bytes += len(raw)
            return f"mock-{self.sent}"

    def suppressed(self) -> dict[str, str]:
        return {}

    def close(self) -> None:
        pass


def ensure_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base.replace("postgresql+psycopg", "postgresql") + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def add_subscribers(engine, m: int, vocab: list[str]) -> None:
    from sqlalchemy import insert

    from subscribers.models import InterestProfile, Subscriber

    rng = random.Random(11)
    zones = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"]
    now = datetime.now(UTC)
    for start in range(0, m, 5000):
        n = min(5000, m - start)
        subs = [
            {
                "email": f"reader{i}@example.com",
                "name": "",
                "language": ("zh", "en", "bilingual")[i % 3] if i % 10 else "bilingual",
                "timezone": zones[i % 4],
                "delivery_hour": 7,
                "frequency": "weekly" if i % 20 == 0 else "daily",
                "weekly_day": "mon" if i % 20 == 0 else None,
                "papers_per_email": 8,
                "status": "active",
                "empty_day": "short",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(start, start + n)
        ]
        with engine.begin() as conn:
            ids = [r[0] for r in conn.execute(insert(Subscriber).returning(Subscriber.id), subs)]
            conn.execute(
                insert(InterestProfile),
                [
                    {
                        "subscriber_id": sid,
                        "interests": " ".join(rng.sample(vocab[:4000], rng.randint(4, 10))),
                        "keywords": [rng.choice(vocab[:3000])] if rng.random() < 0.3 else [],
                        "exclude": [],
                        "categories": [],
                        "authors": [],
                        "expanded": [],
                        "expanded_for": "",
                        "updated_at": now,
                    }
                    for sid in ids
                ],
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=6000)
    ap.add_argument("--subscribers", type=int, default=100_000)
    ap.add_argument("--llm-latency", type=float, default=0.8)
    ap.add_argument("--llm-concurrency", type=int, default=32)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/academichub_bench")
    ap.add_argument(
        "--dask", type=int, default=0, help="deliver-due's batches on a local Dask cluster of this many processes"
    )
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp())
    ensure_database(args.database)
    os.environ.update(
        {
            "ACADEMICHUB_DATABASE_URL": args.database,
            "ACADEMICHUB_OUTBOX_DIR": str(tmp / "outbox"),
            "ACADEMICHUB_SECRET_KEY": "bench",
            "OPENAI_BASE_URL": llm_server(args.llm_latency),
            "OPENAI_API_KEY": "bench",
            "ACADEMICHUB_LLM_MODEL": "bench-model",
            "ACADEMICHUB_LLM_CONCURRENCY": str(args.llm_concurrency),
            "ACADEMICHUB_LLM_TOKEN_BUDGET": "1000000000",
            "ACADEMICHUB_MAIL_BACKEND": "ses",
        }
    )
    from ingest_bench import make_feeds, vocabulary

    import academichub.services as services_mod
    from academichub.db import open_database
    from academichub.settings import load_settings
    from flows.deliver import deliver_due
    from flows.prepare import prepare_edition

    mocked = MockedSes()
    services_mod.make_mailer = lambda settings: mocked  # noqa: E731 - the bench's SES mock, what Services.mailer builds
    if args.dask:
        import flows.deliver as deliver_mod

        preload = str(ROOT / "bench" / "ses_mock_preload.py")
        runner = deliver_mod.task_runner_for
        deliver_mod.task_runner_for = lambda s: runner(s, preload=[preload])  # noqa: E731 - the SES mock in every worker
        os.environ["ACADEMICHUB_TASK_RUNNER"] = "dask"
        os.environ["ACADEMICHUB_DASK_WORKERS"] = str(args.dask)
    settings = load_settings()
    engine = open_database(settings)
    children = ChildRss()
    stages: dict[str, float] = {}
    started = time.perf_counter()

    t0 = time.perf_counter()
    folder = tmp / "feeds"
    folder.mkdir()
    make_feeds(folder, int(args.papers * 1.25))  # cross-lists and versions merge to about --papers
    add_subscribers(engine, args.subscribers, vocabulary(random.Random(7)))
    stages["setup (synthetic feeds, subscribers; not counted)"] = time.perf_counter() - t0

    # The scheduled day as its two flows run it (inside Prefect flows, on a temporary local API).
    t0, c0 = time.perf_counter(), cpu_s()
    prepared = prepare_edition(from_paths=[str(folder)], date_=DAY.isoformat())
    stages["prepare-edition"] = time.perf_counter() - t0
    cpu: dict[str, tuple[float, float]] = {"prepare-edition": tuple(b - a for a, b in zip(c0, cpu_s(), strict=True))}
    print(
        f"prepared: {prepared.edition_size} papers, {len(prepared.themes)} themes, LLM {prepared.llm.calls} calls; "
        f"peak RSS {rss_mib():.0f} MiB",
        flush=True,
    )
    for k, v in prepared.stages.items():
        print(f"    {k}: {v:.1f} s", flush=True)

    t0, c0 = time.perf_counter(), cpu_s()
    later = datetime.now(UTC) + timedelta(days=8)  # every reader's hour (and weekday) has come
    report = deliver_due(now=later.isoformat(), batch_size=args.batch)
    stages["deliver-due"] = time.perf_counter() - t0
    cpu["deliver-due"] = tuple(b - a for a, b in zip(c0, cpu_s(), strict=True))
    print(
        f"delivered: LLM {report.llm.calls} calls, fallbacks {report.llm.fallbacks}; "
        f"matches kept from prepare-edition {report.tally.matched['kept']}, "
        f"matched afresh {report.tally.matched['afresh']}",
        flush=True,
    )
    for k, v in report.stages.items():
        print(f"    {k}: {v:.1f} s", flush=True)
    states = dict(report.tally.states)
    total = sum(v for k, v in stages.items() if "not counted" not in k)
    where = f"a local Dask cluster of {args.dask} processes" if args.dask else "threads in this process"
    print(
        f"\n{prepared.edition_size} papers x {args.subscribers} subscribers (LLM latency {args.llm_latency} s, "
        f"concurrency {args.llm_concurrency}; batches of {args.batch} on {where}); deliveries {states}; "
        f"the ledger after the run {report.ledger}; "
        f"messages built in this process: {mocked.sent}, {mocked.bytes / 2**20:.0f} MiB"
    )
    for k, v in stages.items():
        used = f" (CPU {cpu[k][0]:.1f} s here + {cpu[k][1]:.1f} s in worker processes)" if k in cpu else ""
        print(f"  {k}: {v:.1f} s{used}")
    print(
        f"  total (without setup): {total:.1f} s = {total / 60:.1f} min; peak RSS {rss_mib():.0f} MiB"
        f"{f' (largest Dask worker: {children.peak:.0f} MiB)' if args.dask else ''}; "
        f"wall including setup {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
