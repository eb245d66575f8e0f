"""Email throughput: (1) render + build MIME for personalised briefings on one core; (2) send through
SES (a local moto server, started in its own process) with the token-bucket limiter.

    .venv/bin/python bench/send_bench.py render [--emails 100000]
    .venv/bin/python bench/send_bench.py send [--emails 10000] [--rate 200]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from academichub.briefing.compose import Briefing, BriefingItem  # noqa: E402
from academichub.mail.links import LinkBuilder  # noqa: E402
from academichub.mail.message import build_message, list_headers, message_bytes  # noqa: E402
from academichub.mail.render import render_briefing  # noqa: E402
from academichub.papers.views import PaperCard  # noqa: E402
from academichub.settings import DEFAULT_TEMPLATES_DIR, Settings  # noqa: E402
from subscribers.models import Subscriber  # noqa: E402
from subscribers.tokens import Tokens  # noqa: E402


def briefing(i: int, lang: str) -> Briefing:
    items = []
    for n in range(1, 9):
        pid = f"2606.{(i * 8 + n) % 6000:05d}"
        card = PaperCard.of(  # as an edition makes its cards: from the stored row, links checked once
            SimpleNamespace(
                id=pid,
                title=f"Paper {pid}: robust <evaluation> of agents & tools, part {n}",
                source_labels=["arXiv (CS.CL)"],
                published=date(2026, 6, 22),
                authors=["A. Author", "B. Author", "C. Author"],
                abstract="",
                abs_url=f"https://arxiv.org/abs/{pid}",
                pdf_url=f"https://arxiv.org/pdf/{pid}",
                doi_url=None,
                doi=None,
                journal_ref=None,
                kind="article",
                announce_type="new",
                arxiv_version=1,
                categories=["cs.CL"],
            )
        )
        summary = (
            "本文提出一种新的提示注入 (prompt injection) 防御方法，并在多个基准上验证。"
            if lang == "zh"
            else "The paper introduces a new method for defending agents and shows it works on several benchmarks."
        )
        items.append(
            BriefingItem(n, card, summary, ["it matches “agents, tool use”"], 0.4, [summary], "a new method", None)
        )
    return Briefing(
        f"reader{i}@example.com",
        f"Reader {i}",
        lang,
        date(2026, 6, 22),
        6000,
        "Today's selection matters to you.",
        items,
        [],
    )


def render_bench(n: int) -> None:
    settings = Settings(_env_file=None)
    builder = LinkBuilder(settings.base_url, Tokens(["bench-key"]))
    render_briefing(briefing(0, "en"), DEFAULT_TEMPLATES_DIR)  # warm the template cache
    timings = []
    started = time.perf_counter()
    size = 0
    for i in range(n):
        b = briefing(i, "zh" if i % 2 else "en")  # the synthetic input (compose's output): not timed
        sub = Subscriber(id=i, email=f"r{i}@example.org")  # a loaded reader row (loading is the ledger's cost)
        t0 = time.perf_counter()
        links = builder.briefing(settings, sub, b.edition_date, [it.paper.id for it in b.items])
        r = render_briefing(b, DEFAULT_TEMPLATES_DIR, links)
        raw = build_message(
            r,
            sender=settings.sender,
            to=b.email,
            headers=list_headers(sender=settings.sender, unsubscribe_url=links.unsubscribe, unsubscribe_mailbox=None),
        )
        size += len(message_bytes(raw))
        timings.append(time.perf_counter() - t0)
    wall = time.perf_counter() - started
    busy = sum(timings)
    print(
        f"{n} emails: signed links + render (HTML and text) + MIME bytes "
        f"took {busy:.1f} s on one core = {n / busy:.0f} emails/s; "
        f"median {statistics.median(timings) * 1000:.2f} ms; mean size {size / n / 1024:.1f} KiB "
        f"(wall {wall:.1f} s including making the synthetic briefings)"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def send_bench(n: int, rate: float) -> None:
    import boto3

    from academichub.mail.backends import OutgoingEmail, SesMailer
    from academichub.mail.render import RenderedEmail

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
        client = boto3.client(
            "sesv2",
            endpoint_url=endpoint,
            region_name="us-east-1",
            config=__import__("botocore.config").config.Config(max_pool_connections=16),
        )
        for _ in range(100):
            try:
                client.create_email_identity(EmailIdentity="example.org")
                break
            except Exception:
                time.sleep(0.1)
        mailer = SesMailer(client, configuration_set=None, rate=rate)
        rendered = RenderedEmail("AcademicHub · 2026-06-22", "<p>" + "x" * 20000 + "</p>", "x" * 3000)
        messages = [
            build_message(rendered, sender="AcademicHub <briefing@example.org>", to=f"r{i}@example.com")
            for i in range(n)
        ]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as pool:  # workers share one limiter, as SES sends would
            ids = list(
                pool.map(
                    lambda m: mailer.send(OutgoingEmail(m, "2026-06-22", tags={"edition": "2026-06-22"})), messages
                )
            )
        elapsed = time.perf_counter() - started
        achieved = n / elapsed
        print(
            f"{len(set(ids))} emails sent in {elapsed:.1f} s: {achieved:.1f}/s against a limit of {rate:.0f}/s "
            f"({(achieved - rate) / rate * 100:+.1f} %)"
        )
    finally:
        server.terminate()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["render", "send"])
    ap.add_argument("--emails", type=int)
    ap.add_argument("--rate", type=float, default=200)
    args = ap.parse_args()
    if args.what == "render":
        render_bench(args.emails or 100_000)
    else:
        send_bench(args.emails or 10_000, args.rate)


if __name__ == "__main__":
    main()
