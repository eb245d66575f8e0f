"""Headless Chromium (Debian's package) driven by Playwright, for tests that look at pages."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def browser():
    if not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (.ci/run installs it: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Chromium on the real clock: it does not load pages under libfaketime (scripts/suite_at_offset.sh)
        env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME")}
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True, env=env)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def serving(app, port: int | None = None, **options):
    """The app under uvicorn (the server `academichub serve` runs) on a loopback port, in a thread;
    ``options`` go to uvicorn's Config (e.g. the proxy options `serve` passes)."""
    import threading
    import time

    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
