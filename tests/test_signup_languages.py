"""What the sign-up and preference forms say about the interests' language is true (issue 14). They
used to say "in any language"; they say "English or Chinese, and in another language include the
English terms too", which holds with or without an LLM: Chinese interests match offline (the glossary),
an LLM expands interests in another script when the sign-up is confirmed (as when preferences are
saved), and a Latin-script language other than English is read as English words either way."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from academichub.db import session_scope
from academichub.web.app import create_app
from subscribers.models import InterestProfile, Subscriber
from subscribers.service import ProfileInput, upsert_subscriber
from tests.conftest import run_cli, sample_day_site, web_settings

SAID = {"en": "Free text in English or Chinese", "zh": "中文或英文均可"}
UNTRUE = {"en": "in any language", "zh": "任何语言均可"}


def visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def confirm(app, client, address: str) -> None:
    with session_scope(app.state.ctx.engine) as s:
        sub = s.exec(select(Subscriber).where(Subscriber.email == address)).one()
        t = app.state.ctx.tokens.sign("confirm", {"s": sub.id, "k": sub.link_key})
    assert client.post(f"/confirm?t={t}").status_code == 200


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    yield from sample_day_site(tmp_path_factory, "signup-languages")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_forms_say_english_or_chinese(site, lang) -> None:
    app, client, _ = site
    page = visible(client.get(f"/subscribe?lang={lang}").text)
    assert SAID[lang] in page and UNTRUE[lang] not in page
    with session_scope(app.state.ctx.engine) as s:
        sub, _, _ = upsert_subscriber(s, f"{lang}@example.org", ProfileInput(interests="graphs", language=lang))
    t = app.state.ctx.tokens.sign("preferences", {"s": sub.id, "k": sub.link_key})
    page = visible(client.get(f"/preferences?t={t}").text)
    assert SAID[lang] in page and UNTRUE[lang] not in page


def test_chinese_interests_from_the_form_match_offline(site, capsys, monkeypatch) -> None:
    """What the offline form promises: a reader who signs up in Chinese gets papers, with reasons."""
    app, client, _ = site
    form = {"email": "zhang@example.org", "interests": "大语言模型的安全：提示注入与越狱攻击", "language": "zh"}
    assert client.post("/subscribe", data=form).status_code == 200
    confirm(app, client, "zhang@example.org")
    code, out, err = run_cli(capsys, monkeypatch, "match", "--subscriber", "zhang@example.org", "--json")
    assert code == 0, err
    found = json.loads(out)
    assert found and any("大语言模型" in " ".join(p["reasons"]) for p in found), found


def test_with_an_llm_a_confirmed_sign_up_in_another_script_is_expanded(tmp_path, httpserver, monkeypatch):
    answer = {"phrases": ["quantum machine learning", "variational circuits"]}
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_json(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 1_790_000_000,
            "model": "test-model",
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": json.dumps(answer)}}
            ],
            "usage": {"prompt_tokens": 80, "completion_tokens": 20, "total_tokens": 100},
        }
    )
    monkeypatch.setenv("OPENAI_BASE_URL", httpserver.url_for("/v1"))
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    settings = web_settings(tmp_path).model_copy(update={"llm_model": "test-model"})
    app = create_app(settings)
    client = TestClient(app)
    form = {"email": "ivan@example.org", "interests": "квантовое машинное обучение", "language": "en"}
    assert client.post("/subscribe", data=form).status_code == 200
    assert not httpserver.log  # an unconfirmed sign-up costs no LLM call
    confirm(app, client, "ivan@example.org")
    with session_scope(app.state.ctx.engine) as s:
        profile = s.exec(select(InterestProfile)).one()
    assert profile.expanded == answer["phrases"] and len(httpserver.log) == 1
