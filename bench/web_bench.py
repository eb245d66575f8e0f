"""Load test of the web app under uvicorn on loopback: the preference page (GET with a signed link)
and the RFC 8058 one-click unsubscribe (POST), N requests at a given concurrency.

    .venv/bin/python bench/web_bench.py [--requests 2000] [--concurrency 20] [--workers 2] [--client ab|httpx]

The server runs in its own processes (`academichub serve --workers N`) on a temporary SQLite database
with 1,000 subscribers. The client is ApacheBench (`ab`, Debian apache2-utils: C, light enough not to
steal the server's CPU on a 2-core machine; one URL per run) or httpx (async, a different link per
request, but the client itself takes about half a core).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from academichub.db import open_database, session_scope  # noqa: E402
from academichub.settings import Settings  # noqa: E402
from subscribers.service import ProfileInput, upsert_subscriber  # noqa: E402
from subscribers.tokens import link_payload, tokens_from  # noqa: E402


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def hammer(urls: list[tuple[str, str]], concurrency: int) -> tuple[list[float], list[int]]:
    timings: list[float] = []
    statuses: list[int] = []
    queue = list(reversed(urls))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker():
            while queue:
                method, url = queue.pop()
                t0 = time.perf_counter()
                if method == "GET":
                    r = await client.get(url)
                else:
                    r = await client.post(
                        url,
                        content=b"List-Unsubscribe=One-Click",
                        headers={"Content-Type": "application/x-www-form-urlencoded"},
                    )
                timings.append(time.perf_counter() - t0)
                statuses.append(r.status_code)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return timings, statuses


def run_ab(method: str, url: str, n: int, concurrency: int) -> str:
    body = Path(tempfile.mkdtemp()) / "body"
    body.write_text("List-Unsubscribe=One-Click")
    post = ["-p", str(body), "-T", "application/x-www-form-urlencoded"] if method == "POST" else []
    subprocess.run(
        ["ab", "-q", "-n", "200", "-c", str(concurrency), *post, url], capture_output=True, check=True
    )  # warm-up
    out = subprocess.run(
        ["ab", "-q", "-n", str(n), "-c", str(concurrency), *post, url], capture_output=True, text=True, check=True
    ).stdout
    grab = lambda pattern: re.search(pattern, out, re.M).group(1)  # noqa: E731
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    rps = float(grab(r"Requests per second:\s+([\d.]+)"))
    median, p95, worst = grab(r"^\s+50%\s+(\d+)"), grab(r"^\s+95%\s+(\d+)"), grab(r"^\s+100%\s+(\d+)")
    failed = grab(r"Failed requests:\s+(\d+)")
    return (
        f"{n} requests at concurrency {concurrency}: {rps:.0f} req/s, "
        f"median {median} ms, p95 {p95} ms, max {worst} ms, "
        f"failed {failed}, non-2xx {non2xx.group(1) if non2xx else 0}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--client", choices=["ab", "httpx"], default="ab")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    port = free_port()
    env = {
        **os.environ,
        "ACADEMICHUB_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "ACADEMICHUB_OUTBOX_DIR": str(tmp / "outbox"),
        "ACADEMICHUB_BASE_URL": f"http://127.0.0.1:{port}",
        "ACADEMICHUB_SECRET_KEY": "bench-secret",
    }
    os.environ.update(env)
    settings = Settings(_env_file=None)
    engine = open_database(settings)
    ids = []
    with session_scope(engine) as s:
        for i in range(1000):
            sub, _, _ = upsert_subscriber(
                s, f"reader{i}@example.com", ProfileInput(interests="quantum sensing, LLM agents")
            )
            ids.append(link_payload(sub))  # who and their link key, as every emailed link signs
    tokens = tokens_from(settings)
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "academichub"),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/subscribe", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        for name, method, purpose, path in (
            ("preference page", "GET", "preferences", "preferences"),
            ("one-click unsubscribe", "POST", "unsubscribe", "unsubscribe"),
        ):
            urls = [
                (method, f"{base}/{path}?t={tokens.sign(purpose, ids[i % len(ids)])}") for i in range(args.requests)
            ]
            if args.client == "ab":
                print(f"{name}: {run_ab(method, urls[0][1], args.requests, args.concurrency)}")
                continue
            asyncio.run(hammer(urls[:100], args.concurrency))  # warm-up
            started = time.perf_counter()
            timings, statuses = asyncio.run(hammer(urls, args.concurrency))
            wall = time.perf_counter() - started
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            errors = sum(1 for st in statuses if st != 200)
            print(
                f"{name}: {len(timings)} requests at concurrency {args.concurrency}: {len(timings) / wall:.0f} req/s, "
                f"median {statistics.median(timings) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
                f"max {timings[-1] * 1000:.1f} ms, errors {errors}"
            )
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
