"""Exact, honest answers from the console script (issue 14): what it refuses, and why a result is empty."""

from __future__ import annotations

import json

import pytest

from academichub.settings import load_settings
from tests.conftest import run_cli


def _leave(email: str, status: str, via: str) -> None:
    from academichub.db import open_database, session_scope
    from subscribers.service import get_subscriber, set_status

    with session_scope(open_database(load_settings())) as session:
        sub, _ = get_subscriber(session, email)
        set_status(session, sub, status, via=via)


def _export(capsys, monkeypatch, email: str) -> dict:
    code, out, err = run_cli(capsys, monkeypatch, "subscribers", "export", email)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("status, said", [("unsubscribed", "unsubscribed on"), ("bounced", "was marked bounced")])
def test_someone_who_left_is_subscribed_again_only_with_resubscribe(env_settings, capsys, monkeypatch, status, said):
    add = ["subscribers", "add", "Left@Example.org", "--interests", "random matrices"]
    assert run_cli(capsys, monkeypatch, *add)[0] == 0
    _leave("left@example.org", status, via="unsubscribe-link")
    code, out, err = run_cli(capsys, monkeypatch, *add[:-1], "free probability")
    message = " ".join(err.split())
    assert code == 2 and said in message and "(via unsubscribe-link)" in message, err
    assert "nothing was changed" in message and "--resubscribe" in message and "Traceback" not in out + err
    record = _export(capsys, monkeypatch, "left@example.org")
    assert record["status"] == status and record["interests"] == "random matrices"  # nothing changed

    code, out, err = run_cli(capsys, monkeypatch, *add[:-1], "free probability", "--resubscribe")
    assert code == 0 and "Re-subscribed left@example.org" in out, err
    record = _export(capsys, monkeypatch, "left@example.org")
    assert record["status"] == "active" and record["interests"] == "free probability"
    last = record["changes"][-1]
    assert last["via"] == "cli --resubscribe" and last["changes"] == [["status", status, "active"]]
    # An active reader is simply updated (the flag changes nothing there).
    code, out, _ = run_cli(capsys, monkeypatch, *add[:-1], "free probability, RMT", "--resubscribe")
    assert code == 0 and "Updated left@example.org" in out
