"""A hostile OpenAI-compatible server (tests/fake_llm.py, over real HTTP, through the real openai client):
no answer crashes a run or reaches a reader unchecked, and a server that never answers costs one
deadline, not calls x retries x timeout."""

from __future__ import annotations

import email
import json
from email import policy

import pytest
from openai import OpenAI

from academichub.answers import cited_ids, link_problem, script_problem, unknown_ids
from academichub.briefing.writer import BriefingWriter
from academichub.llm import LLM, Deadline, parse_completion
from academichub.settings import SAMPLE_DAY_DIR
from subscribers.expand import expand_interests
from tests.conftest import run_cli
from tests.fake_llm import EN_SUMMARY, TEXT_ATTACKS, ZH_SUMMARY, FakeLLM
from tests.test_flows import read_artifacts
from tests.test_llm_briefing import PAPERS, writer

THEME = [(p, t, "s") for p, t, _ in PAPERS]
READERS = [("k", "LLM safety", [(p, t, "c") for p, t, _ in PAPERS])]


@pytest.fixture
def httpserver():
    """A threaded server: a request that hangs does not hold up the next one (as on a real server)."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def fake(httpserver):
    f = FakeLLM()
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(f)
    yield f
    f.release.set()  # a "hang" request returns, so the server can stop


def all_levels(w: BriefingWriter, language: str):
    return (
        w.paper_summaries(PAPERS, language),
        w.theme_synthesis(["safety"], ["computer science"], THEME, language),
        w.openings(READERS, language),
    )


# --- the shape of the server's reply ------------------------------------------------------------


@pytest.mark.parametrize(
    "behaviour, reason",
    [
        ("not_json_body", "bad_response"),  # HTTP 200, JSON content type, an HTML body
        ("content_object", "bad_response"),  # message.content an object, not a string
        ("usage_string", "bad_response"),  # usage.prompt_tokens "123"
        ("no_choices", "bad_response"),
        ("null_content", "bad_response"),
        ("error_200", "bad_response"),  # {"error": ...} with status 200
        ("huge", "bad_response"),  # a body over MAX_BODY: not read further
        ("deep_json", "invalid_json"),  # content nested 100,000 deep: no RecursionError escapes
    ],
)
def test_a_reply_of_the_wrong_shape_is_a_counted_fallback(httpserver, fake, behaviour, reason):
    fake.mode = {"paper": behaviour, "theme": behaviour, "opening": behaviour}
    w = writer(httpserver)
    papers, theme, openings = all_levels(w, "en")
    assert all(p.source == "extractive" for p in papers.values()) and theme is None and openings == {}
    assert papers["2606.12747"].text.startswith("Safety-relevant studies")
    assert w.fallbacks == {reason: 4}  # 2 papers, 1 theme, 1 reader
    u = w.llm.usage
    assert u.attempts == len(fake.requests) and u.calls == len(fake.requests)  # every answer accounted
    assert u.total > 0  # even without usable counts: estimated, so the budget still holds
    if behaviour == "usage_string":
        assert u.estimated == 3


def test_parse_completion_names_each_problem():
    ok = {"choices": [{"message": {"content": "{}"}}], "usage": {"prompt_tokens": 3, "completion_tokens": 1}}
    assert parse_completion(json.dumps(ok).encode()) == ("{}", 3, 1, "")
    assert parse_completion(b"\xff\xfe not utf-8")[3] == "the body is not JSON"
    assert parse_completion(b"[1, 2]")[3] == "the body is not a JSON object"
    no_usage = {"choices": [{"message": {"content": "{}"}}]}
    assert parse_completion(json.dumps(no_usage).encode()) == ("{}", None, None, "")  # estimated, not refused
    for counts in ({"prompt_tokens": True, "completion_tokens": 1}, {"prompt_tokens": -1, "completion_tokens": 1}):
        bad = dict(ok, usage=counts)
        assert parse_completion(json.dumps(bad).encode())[3] == "usage token counts are not numbers"
    listed = dict(ok, choices=[{"message": {"content": ["a"]}}])
    assert parse_completion(json.dumps(listed).encode())[3] == "message content is a list, not text"


# --- what the text says -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "behaviour, language, reason",
    [
        ("mailto", "en", "link"),
        ("ftp", "en", "link"),
        ("data_url", "en", "link"),
        ("email", "en", "link"),
        ("bare_domain", "en", "link"),
        ("zwsp_url", "en", "link"),
        ("fullwidth_url", "en", "link"),
        ("md_ref", "en", "link"),
        ("handle", "en", "link"),
        ("phone", "en", "link"),
        ("bare_domain", "zh", "link"),
        ("unknown_doi", "en", "unknown_citation"),
        ("unknown_arxiv_version", "en", "unknown_citation"),
        ("russian", "en", "wrong_language"),
        ("korean", "en", "wrong_language"),
        ("japanese", "zh", "wrong_language"),
    ],
)
def test_a_text_that_is_not_safe_to_show_falls_back(httpserver, fake, behaviour, language, reason):
    fake.mode = {"paper": behaviour, "theme": behaviour, "opening": behaviour}
    w = writer(httpserver)
    papers, theme, openings = all_levels(w, language)
    assert all(p.source == "extractive" for p in papers.values()) and theme is None and openings == {}
    assert w.fallbacks == {reason: 4}
    assert all(r["repair"] for r in fake.requests[1::2])  # each got its one repair attempt, refused again
    attack = TEXT_ATTACKS[behaviour].lstrip("=").strip()
    assert all(attack not in p.text for p in papers.values())


@pytest.mark.parametrize(
    "text",
    [
        EN_SUMMARY,
        "A β-VAE variant (e.g. for images, i.e. pixels) beats GPT-4 by 3.5x at p < 0.05; see Sec. 4 and Fig. 2.",
        "It extends arXiv:2606.12747v2 and 2602.14211 with Schrödinger-style naïve priors.",
        "Building on 10.1101/2026.06.01.123456, it shows 10 % gains.",
        "Trained on two kinds of data: images and text, with a news: feed as a third.",
    ],
)
def test_ordinary_english_passes(text):
    allowed = {"2606.12747", "2602.14211", "doi:10.1101/2026.06.01.123456"}
    assert link_problem(text) is None and script_problem(text, "en") is None and not unknown_ids(text, allowed)


def test_ordinary_chinese_passes_and_other_scripts_do_not():
    assert script_problem(ZH_SUMMARY, "zh") is None and link_problem(ZH_SUMMARY) is None
    assert "Katakana" in script_problem("本論文はトランスフォーマーを使う。", "zh")
    assert "Hiragana" in script_problem("本論文は新しい手法を提案する。", "zh")
    assert "Hangul" in script_problem("이 논문은 새로운 방법", "en")
    assert "Cyrillic" in script_problem("Статья о методе", "en")
    assert "Han" in script_problem("The paper on 提示注入", "en")
    assert "mostly Latin" in script_problem("The paper introduces a method 方法", "zh")
    assert script_problem(EN_SUMMARY, "fr") is not None  # no other language is accepted


@pytest.mark.parametrize(
    "text",
    [
        "mailto:a@b.c",
        "FTP://x",
        "data:text/html,hi",
        "javascript:alert(1)",
        "write to a.b@evil.example",
        "evil-phish.example.com/verify",
        "点击evil-phish.example.com验证",  # Han right against the domain
        "https\u200b://evil.example",
        "h\u2060ttps://evil.example",  # word joiner
        "\u202eevil",  # a bidi override
        "https:\\\\evil.example",
        "www .evil",
        "ｗｗｗ．ｅｖｉｌ．ｃｏｍ",  # full width
        "go to 192.168.0.1",
        "[click][1]",
        "[1]: evil",
        "[x](y)",
        "![img](y)",
        "<a href=x>",
        "&#104;ttps",
        "call +44 20 7946 0958",
    ],
)
def test_link_like_and_contact_like_text_is_refused(text):
    assert link_problem(text) is not None


def test_cited_ids_cover_arxiv_old_and_new_versions_and_dois():
    text = "Compare hep-th/9901001v2, 2606.12747v3, doi 10.1101/2026.06.01.1234. and 10.48550/arXiv.2602.14211."
    assert cited_ids(text) == {"hep-th/9901001", "2606.12747", "doi:10.1101/2026.06.01.1234", "2602.14211"}
    assert unknown_ids("see 10.1234/NOT-GIVEN", {"doi:10.1101/x"}) == {"doi:10.1234/not-given"}


# --- the deadline -----------------------------------------------------------------------------------


def test_a_server_that_never_answers_costs_one_deadline(httpserver, fake):
    """The first request is cut at the deadline (its timeout is what was left of it); every later
    piece falls back without a request."""
    fake.mode = {"paper": "hang", "theme": "hang", "opening": "hang"}
    w = writer(httpserver, timeout=60.0, retries=3, deadline=Deadline(0.3), concurrency=1, batch=1)
    papers, theme, openings = all_levels(w, "en")
    assert all(p.source == "extractive" for p in papers.values()) and theme is None and openings == {}
    assert len(fake.requests) == 1 and w.llm.usage.attempts == 1 and w.llm.usage.calls == 0
    assert w.fallbacks == {"deadline": 4} and w.llm.deadline.expired


def test_a_server_that_stops_answering_ends_the_runs_llm_work_after_three_silent_requests(httpserver, fake):
    """No deadline this time: three timeouts in a row (two retries of the first call) and the server
    is taken as down; no other request is made, in this writer or any sharing the run's deadline."""
    fake.mode = {"paper": "hang", "theme": "hang", "opening": "hang"}
    deadline = Deadline(3600)
    w = writer(httpserver, timeout=0.2, retries=5, deadline=deadline, concurrency=1, batch=1)
    papers, theme, openings = all_levels(w, "en")
    assert all(p.source == "extractive" for p in papers.values()) and theme is None and openings == {}
    assert w.llm.usage.attempts == 3 and len(fake.requests) == 3 and w.fallbacks == {"server_down": 4}
    other = writer(httpserver, deadline=deadline)  # the run's next group
    assert other.paper_summaries(PAPERS, "zh")["2606.12747"].source == "extractive"
    assert other.llm.usage.attempts == 0 and other.fallbacks == {"server_down": 2}


def test_an_answer_in_between_keeps_the_server_up(httpserver, fake):
    fake.once = ["hang", "hang", "ok", "hang", "hang", "ok"]
    w = writer(httpserver, timeout=2.0, retries=5, concurrency=1, batch=2)  # time enough for an answer
    w.paper_summaries(PAPERS, "en")
    assert len(fake.requests) == 3 and not w.fallbacks
    assert w.paper_summaries([(f"{p}x", t, a) for p, t, a in PAPERS], "en")["2606.12747x"].source == "llm"
    assert len(fake.requests) == 6 and not w.fallbacks


def test_the_deadline_is_measured_on_the_injected_clock(httpserver, fake):
    """Each answer takes 4 s on the test's clock: with a 10 s deadline, requests start at 0, 4 and 8 s;
    the third is cut (its answer ends at 12 s), and the last two are not made."""
    five = [(f"2606.1000{i}", f"Paper {i}", "An abstract. It has two sentences.") for i in range(5)]
    deadline = Deadline(10, monotonic=lambda: 4.0 * len(fake.requests))
    w = writer(httpserver, deadline=deadline, concurrency=1, batch=1)
    out = w.paper_summaries(five, "en")
    assert len(fake.requests) == 3 and w.fallbacks == {"deadline": 3}
    assert [out[p[0]].source for p in five] == ["llm", "llm", "extractive", "extractive", "extractive"]


def test_retries_stay_within_the_deadline(httpserver, fake):
    """429s are retried (Retry-After honoured), but not past the deadline."""
    fake.mode = {"paper": "429"}
    w = writer(httpserver, retries=10, deadline=Deadline(10, monotonic=lambda: 4.0 * len(fake.requests)), batch=2)
    w.paper_summaries(PAPERS, "en")
    assert len(fake.requests) == 3 and w.fallbacks == {"deadline": 2}


# --- interest expansion goes through the same client ------------------------------------------------


def expansion_llm(httpserver, **kw) -> LLM:
    client = OpenAI(base_url=httpserver.url_for("/v1"), api_key="test")
    return LLM(client, "test-model", **{"budget": 1_000_000, "timeout": 10.0, "retries": 0, **kw})


@pytest.mark.parametrize("behaviour", ["not_json_body", "content_object", "usage_string", "null_content", "huge"])
def test_expansion_refuses_a_reply_of_the_wrong_shape_and_counts_it(httpserver, behaviour):
    f = FakeLLM()
    f.once = [behaviour]
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(f)
    llm = expansion_llm(httpserver)
    with pytest.raises(Exception, match="the LLM call failed: bad_response") as exc:
        expand_interests(llm, "大语言模型智能体")
    assert exc.type.__name__ == "ExpansionError"
    assert llm.usage.attempts == 1 and llm.usage.by_kind["expand"][0] == 1  # accounted like the briefing's


def test_expansion_keeps_to_the_budget(httpserver):
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(FakeLLM())
    llm = expansion_llm(httpserver, budget=0)
    with pytest.raises(Exception, match="budget"):
        expand_interests(llm, "大语言模型智能体")
    assert httpserver.log == []


# --- whole runs ---------------------------------------------------------------------------------------


def add_three_readers(capsys, monkeypatch, httpserver, **env):
    monkeypatch.setenv("OPENAI_BASE_URL", httpserver.url_for("/v1"))
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.setenv("ACADEMICHUB_LLM_MODEL", "test-model")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    for address, lang in (("zh@example.org", "zh"), ("en@example.org", "en"), ("bi@example.org", "bilingual")):
        code, out, err = run_cli(
            capsys,
            monkeypatch,
            *("subscribers", "add", address, "--lang", lang, "--interests", "LLM safety"),
            *("--keywords", "prompt injection, jailbreak, LLM safety"),
        )
        assert not code, out + err


def sent_texts(folder) -> dict[str, str]:
    out = {}
    for path in sorted(folder.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        out[path.stem] = msg.get_body(("plain",)).get_content()
    return out


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_against_a_misshapen_server_still_sends_everyone(httpserver, fake, env_settings, capsys, monkeypatch):
    """The three shapes that crashed a whole run: a non-JSON body with a JSON content type (papers),
    message.content an object (themes), usage.prompt_tokens a string (openings)."""
    add_three_readers(capsys, monkeypatch, httpserver)
    fake.mode = {"paper": "not_json_body", "theme": "content_object", "opening": "usage_string"}
    code, out, err = run_cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert not code, out + err
    texts = sent_texts(env_settings / "outbox" / "2026-06-22")
    assert set(texts) == {"zh@example.org", "en@example.org", "bi@example.org"}
    assert all(ZH_SUMMARY not in t and EN_SUMMARY not in t for t in texts.values())  # extractive text
    assert "fallbacks: bad_response " in out
    report = read_artifacts("daily-run")[0]["data"]  # the run's report, where LLM use is reported
    line = next(x for x in report.splitlines() if "fallbacks to extractive text" in x)
    assert "bad_response: " in line and "wrong shape" in report


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_against_a_server_that_never_answers_ends_at_the_deadline(
    httpserver, fake, env_settings, capsys, monkeypatch
):
    """One request is made (cut at the 0.5 s deadline); everything else is extractive, and sent."""
    add_three_readers(
        capsys, monkeypatch, httpserver, ACADEMICHUB_LLM_DEADLINE_SECONDS="0.5", ACADEMICHUB_LLM_CONCURRENCY="1"
    )
    fake.mode = {"paper": "hang", "theme": "hang", "opening": "hang"}
    code, out, err = run_cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert not code, out + err
    assert len(fake.requests) == 1
    assert "0 calls (1 requests)" in out and "LLM deadline (ACADEMICHUB_LLM_DEADLINE_SECONDS) was reached" in out
    report = read_artifacts("daily-run")[0]["data"]
    assert "0 calls (1 requests)" in report and "LLM deadline was reached" in report
    assert "fallbacks to extractive text: deadline: " in report
    texts = sent_texts(env_settings / "outbox" / "2026-06-22")
    assert set(texts) == {"zh@example.org", "en@example.org", "bi@example.org"}
    assert all(ZH_SUMMARY not in t and EN_SUMMARY not in t for t in texts.values())
