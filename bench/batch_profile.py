"""One deliver-due batch under cProfile: where an email's CPU goes (issue 18).

    .venv/bin/python bench/batch_profile.py [--papers 2000] [--subscribers 4000] [--batch 2000]
        [--database postgresql://postgres@127.0.0.1:5432/academichub_bench] [--top 40]
        [--reuse] [--save FILE] [--no-profile]

Prepares a synthetic day as bench/day_bench.py does (the prepare-edition flow, the LLM stub answering
at once, SES mocked), queues every reader, claims one batch and delivers it in this process
(``batches.deliver_claimed``, no Prefect) under cProfile, then prints the CPU seconds per email and
the functions with the most cumulative time. Not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from day_bench import DAY, MockedSes, add_subscribers, ensure_database, llm_server  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=2000)
    ap.add_argument("--subscribers", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/academichub_bench")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--no-profile", action="store_true", help="time the batch without cProfile")
    ap.add_argument("--reuse", action="store_true", help="an earlier run's database, ledger emptied")
    ap.add_argument("--save", help="write the cProfile statistics to this file (pstats)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp())
    if not args.reuse:
        ensure_database(args.database)
    os.environ.update(
        {
            "ACADEMICHUB_DATABASE_URL": args.database,
            "ACADEMICHUB_OUTBOX_DIR": str(tmp / "outbox"),
            "ACADEMICHUB_SECRET_KEY": "bench",
            "OPENAI_BASE_URL": llm_server(0.0),
            "OPENAI_API_KEY": "bench",
            "ACADEMICHUB_LLM_MODEL": "bench-model",
            "ACADEMICHUB_LLM_CONCURRENCY": "16",
            "ACADEMICHUB_LLM_TOKEN_BUDGET": "1000000000",
            "ACADEMICHUB_MAIL_BACKEND": "ses",
        }
    )
    from ingest_bench import make_feeds, vocabulary

    from academichub.db import session_scope
    from academichub.delivery import batches, due, ledger
    from academichub.services import Services
    from academichub.settings import load_settings
    from flows.prepare import prepare_edition

    settings = load_settings()
    services = Services.open(settings)
    if args.reuse:
        from sqlalchemy import text

        with services.engine.begin() as conn:
            conn.execute(text("DELETE FROM channel_delivery"))
            conn.execute(text("DELETE FROM delivery"))
    else:
        folder = tmp / "feeds"
        folder.mkdir()
        make_feeds(folder, int(args.papers * 1.25))
        add_subscribers(services.engine, args.subscribers, vocabulary(random.Random(7)))
        prepare_edition(from_paths=[str(folder)], date_=DAY.isoformat())
    current = due.current_edition(services.engine)
    assert current is not None
    day, prepared_at = current
    due.queue_due(services.engine, day, prepared_at, datetime.now(UTC) + timedelta(days=8))
    with session_scope(services.engine) as session:
        ids = ledger.claim_batch(session, day, args.batch, "profile")
    batches.kept_edition(services.editions, settings, services.engine, day)  # loaded once per process
    mailer = MockedSes()
    profiler = None if args.no_profile else cProfile.Profile()
    t0, c0 = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    tally, report = batches.deliver_claimed(settings, services.engine, services.editions, day, ids, {}, mailer=mailer)
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"{len(ids)} readers: {dict(tally.states)}; {mailer.sent} messages; LLM {report.calls} calls; "
        f"{wall:.1f} s wall, {cpu:.1f} CPU-s, {1000 * cpu / max(1, len(ids)):.2f} CPU-ms a reader"
        f"{' (under cProfile)' if profiler else ''}"
    )
    if profiler:
        out = io.StringIO()
        if args.save:
            profiler.dump_stats(args.save)
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())
    services.close()


if __name__ == "__main__":
    main()
