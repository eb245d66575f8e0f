"""Signed links and the bulk-mail headers."""

from __future__ import annotations

import email
from email import policy
from unittest.mock import patch

import pytest
from itsdangerous import URLSafeTimedSerializer

from academichub.clock import fixed
from academichub.mail.message import build_message, list_headers
from academichub.mail.render import RenderedEmail
from academichub.settings import Settings
from subscribers.tokens import Tokens


def test_tokens_are_purpose_scoped_expiring_and_rotatable():
    t = Tokens(["new-key", "old-key"])
    token = t.sign("preferences", {"s": 7})
    assert t.verify("preferences", token).payload == {"s": 7}
    assert t.verify("unsubscribe", token).status == "invalid"  # wrong purpose
    assert t.verify("preferences", token[:-2] + "xx").status == "invalid"  # tampered
    assert t.verify("preferences", "").status == "invalid" and t.verify("nope", token).status == "invalid"
    old = Tokens(["old-key"]).sign("preferences", {"s": 7})
    assert t.verify("preferences", old).ok  # signed before the rotation: still valid
    assert Tokens(["new-key"]).verify("preferences", old).status == "invalid"  # once the old key is dropped
    assert Tokens(["new-key"]).verify("preferences", t.sign("preferences", {"s": 1})).ok  # the first key signs


def test_a_token_is_the_one_plain_itsdangerous_makes_and_reads_after_many_others():
    """Tokens keeps one signer per purpose and derives each key once: the tokens are byte for byte
    those of a fresh itsdangerous serializer, and checking many (old key, new key, other purposes,
    tampered) in any order gives each its own answer."""
    clock = fixed("2026-06-01T00:00:00Z")
    t = Tokens(["new-key", "old-key"], clock=clock)
    plain = URLSafeTimedSerializer(["old-key", "new-key"], salt="academichub.view")
    for s in range(3):
        with patch("time.time", return_value=clock.timestamp()):
            assert t.sign("view", {"s": s, "d": "2026-06-01"}) == plain.dumps({"s": s, "d": "2026-06-01"})
    old = Tokens(["old-key"], clock=clock)
    mixed = [(t.sign("view", {"s": 1}), "ok"), (old.sign("view", {"s": 2}), "ok")]
    mixed += [(t.sign("feedback", {"s": 3}), "invalid"), (old.sign("view", {"s": 4})[:-3] + "abc", "invalid")]
    for _ in range(2):
        assert [t.verify("view", token).status for token, _ in mixed] == [want for _, want in mixed]


def test_expiry_per_purpose():
    then, later = Tokens(["k"], clock=fixed("2026-06-01T00:00:00Z")), Tokens(["k"], clock=fixed("2026-07-15T00:00:00Z"))
    prefs, unsub = then.sign("preferences", {"s": 1}), then.sign("unsubscribe", {"s": 1})
    assert then.verify("preferences", prefs).ok
    assert later.verify("preferences", prefs).status == "expired"
    assert later.verify("unsubscribe", unsub).ok  # unsubscribe links do not expire


def test_placeholder_secret_refused_in_production():
    with pytest.raises(ValueError, match="ACADEMICHUB_SECRET_KEY must be set"):
        Settings(environment="production", _env_file=None)
    assert Settings(environment="production", secret_key="a-real-one, an-old-one", _env_file=None).signing_keys() == [
        "a-real-one",
        "an-old-one",
    ]


def test_mime_headers_for_bulk_mail():
    headers = list_headers(
        sender="AcademicHub <briefing@example.org>",
        unsubscribe_url="https://hub.example.org/unsubscribe?t=abc",
        unsubscribe_mailbox=None,
    )
    msg = build_message(
        RenderedEmail("AcademicHub 每日简报 · 2026-06-22", "<p>你好</p>", "你好"),
        sender="AcademicHub <briefing@example.org>",
        to="reader@example.com",
        headers=headers,
    )
    raw = msg.as_bytes()
    assert b"=?utf-8?" in raw.split(b"\n\n")[0]  # RFC 2047 encoded Chinese subject
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert (
        parsed["List-Unsubscribe"]
        == "<https://hub.example.org/unsubscribe?t=abc>, <mailto:briefing@example.org?subject=unsubscribe>"
    )
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["List-Id"] == "AcademicHub daily briefing <briefing.example.org>"
    assert parsed["Message-ID"].endswith("@example.org>") and parsed["Date"]
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parsed.iter_parts())


def test_base64_lines_equals_the_standard_encoder_byte_for_byte():
    """The fast body encoder gives exactly ``base64.encodebytes``: every length around a line's 57 bytes,
    empty input, and a real briefing-sized UTF-8 text."""
    import base64
    import random

    from academichub.mail.message import base64_lines

    rng = random.Random(7)
    sizes = [0, 1, 2, 3, 56, 57, 58, 75, 76, 77, 113, 114, 115, 1000, 70_001]
    for size in sizes:
        data = bytes(rng.randrange(256) for _ in range(size))
        assert base64_lines(data) == base64.encodebytes(data), size
    text = ("本文提出一种新的提示注入 (prompt injection) 防御方法。" * 2000).encode("utf-8")
    assert base64_lines(text) == base64.encodebytes(text)
