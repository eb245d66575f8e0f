"""The web pages under attack (issue 13, part 6): each test reproduces one attack on the real app
(TestClient, or a real uvicorn server where the socket matters) and shows it refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from academichub.db import session_scope
from academichub.settings import Settings
from academichub.web.app import create_app
from subscribers.models import Subscriber
from subscribers.service import ProfileInput, delete_subscriber, upsert_subscriber

ONE_CLICK = {"content": b"List-Unsubscribe=One-Click", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}


@pytest.fixture
def web(tmp_path):
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        outbox_dir=str(tmp_path / "outbox"),
        base_url="http://testserver",
        secret_key="k",
    )
    app = create_app(settings)
    return app, TestClient(app, raise_server_exceptions=False), tmp_path


def add(app, address: str, **kw) -> Subscriber:
    with session_scope(app.state.ctx.engine) as s:
        sub, _, _ = upsert_subscriber(s, address, ProfileInput(interests=kw.pop("interests", "quantum sensing"), **kw))
        return sub


def status_of(app, address: str) -> str | None:
    with session_scope(app.state.ctx.engine) as s:
        sub = s.exec(select(Subscriber).where(Subscriber.email == address)).first()
        return sub.status if sub else None


def local(url: str) -> str:
    return url.replace("http://testserver", "")


def test_a_deleted_readers_links_never_act_on_a_new_subscriber_who_gets_the_same_id(web):
    app, client, _ = web
    links = app.state.ctx.links
    gone = add(app, "gone@example.org")
    theirs = {
        "preferences": links.reader("preferences", "preferences", gone),
        "unsubscribe": links.reader("unsubscribe", "unsubscribe", gone),
        "confirm": links.reader("confirm", "confirm", gone),
        "view": links.reader("view", "view", gone, d="2026-06-22"),
        "feed.xml": links.reader("feed.xml", "feed", gone),
        "feedback": links.reader("feedback", "feedback", gone, d="2026-06-22") + "&p=2606.19444&v=-1",
    }
    assert client.get(local(theirs["preferences"])).status_code == 200  # they work while the reader exists
    with session_scope(app.state.ctx.engine) as s:
        delete_subscriber(s, s.get(Subscriber, gone.id))
    new = add(app, "new@example.org")
    assert new.id == gone.id  # SQLite reused the id: the links name the new subscriber's id
    for path, url in theirs.items():
        page = client.get(local(url))
        assert page.status_code == 400, path
        assert "new@example.org" not in page.text and "quantum sensing" not in page.text
    assert client.post(local(theirs["unsubscribe"]), **ONE_CLICK).status_code == 400
    assert client.post(local(theirs["unsubscribe"])).status_code == 400
    assert client.post(local(theirs["confirm"])).status_code == 400
    assert status_of(app, "new@example.org") == "active"
    # a keyless link (as emailed before link keys existed) never fits a reader stored since
    keyless = app.state.ctx.tokens.sign("unsubscribe", {"s": new.id})
    assert client.post(f"/unsubscribe?t={keyless}", **ONE_CLICK).status_code == 400
    assert status_of(app, "new@example.org") == "active"
    # the new subscriber's own links work
    mine = links.reader("unsubscribe", "unsubscribe", new)
    assert client.post(local(mine), **ONE_CLICK).text == "unsubscribed\n"
    assert status_of(app, "new@example.org") == "unsubscribed"
