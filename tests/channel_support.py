"""What the channel tests share: the CLI, a reader with channels, the local webhook's posts, the
channel ledger's rows, and the transport redirect that sends the fixed-host services' real requests to
the local server (nothing reaches the network)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
import requests
from sqlmodel import select

from academichub.db import open_database, session_scope
from academichub.settings import Settings
from subscribers.models import ChannelDelivery
from tests.conftest import run_cli

DAY = "2026-06-22"
SECRET = "s3cretT0kenXYZ987"
OK = {"ok": True, "result": {"message_id": 1}, "code": 0, "errcode": 0, "StatusCode": 0, "msg": "ok"}


def cli(capsys, monkeypatch, *args: str) -> tuple[int, str]:
    code, out, err = run_cli(capsys, monkeypatch, *args)
    return code, out + err


def add_reader(capsys, monkeypatch, address: str, *extra: str) -> tuple[int, str]:
    return cli(
        capsys,
        monkeypatch,
        "subscribers",
        "add",
        address,
        "--interests",
        "quantum information, LLM safety",
        "--keywords",
        "quantum, prompt injection",
        *extra,
    )


def hook_posts(httpserver, path: str) -> list[dict]:
    return [json.loads(req.get_data()) for req, _ in httpserver.log if req.path == path]


def channel_rows() -> list[ChannelDelivery]:
    with session_scope(open_database(Settings())) as s:
        return list(s.exec(select(ChannelDelivery)))


@pytest.fixture(name="redirect")
def redirect_requests(httpserver, monkeypatch):
    """Requests to any non-local host go to the local server instead (/<host>/<path>); the original
    URL and body of each are recorded."""
    sent: list[tuple[str, str, bytes]] = []
    original = requests.adapters.HTTPAdapter.send

    def send(self, request, **kw):
        parts = urlsplit(request.url)
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        sent.append((request.method, request.url, body))
        if parts.hostname != "127.0.0.1":
            request.url = f"{httpserver.url_for('/' + str(parts.hostname) + parts.path)}" + (
                f"?{parts.query}" if parts.query else ""
            )
        return original(self, request, **kw)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    return sent
