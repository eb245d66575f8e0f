"""The prompt shapes that keep the LLM's tokens down (docs/benchmarks.md, "LLM tokens for a day"): the
readers' openings grouped by shared papers, each paper listed once per request, and a paper's summaries
in both languages from one request. Through the real openai client against the local OpenAI-compatible
server (tests/fake_llm.py), on the sample day's real titles and abstracts; the answer checks directly."""

from __future__ import annotations

import json
import re

import pytest

from academichub.briefing.cache import DbPieceCache
from academichub.briefing.openings import OPENING_BATCH, group_readers, key_terms, opening_requests
from academichub.db import open_database
from academichub.papers.ingest import collect_paths
from academichub.papers.parse import parse_document
from academichub.settings import SAMPLE_DAY_DIR, Settings
from tests.fake_llm import EN_SUMMARY, ZH_SUMMARY
from tests.test_llm_briefing import fake, writer  # noqa: F401 - the fixture and the writer over real HTTP

INTERESTS = [  # from tests/eval/profiles.toml
    "LLM safety and security: jailbreaks, prompt injection, safety alignment of language models, agents misusing tools",
    "experimental quantum information: qubits, entanglement, quantum simulators",
    "大语言模型智能体：工具调用、规划搜索与强化学习训练",
]


@pytest.fixture(scope="module")
def day() -> list[tuple[str, str, str]]:
    """The sample day's papers: (id, title, abstract)."""
    out: dict[str, tuple[str, str, str]] = {}
    for path in collect_paths([SAMPLE_DAY_DIR]):
        if path.suffix == ".xml":
            for r in parse_document(path.read_bytes()).records:
                if r.abstract:
                    out.setdefault(r.id, (r.id, r.title, r.abstract))
    return list(out.values())


def user_prompt(request: dict) -> str:
    return request["body"]["messages"][1]["content"]


def test_readers_who_share_papers_are_asked_together_and_each_paper_is_listed_once(httpserver, fake, day):  # noqa: F811
    """Two interleaved groups of readers, each group receiving the same few papers in different orders:
    two requests, one per group; every title once in its request; every reader still with their own
    interests and their own papers, and their opening citing their own paper by id."""
    group_a, group_b = day[:4], day[4:8]
    readers = []
    for i in range(2 * OPENING_BATCH):
        papers = group_a if i % 2 == 0 else group_b
        top = [papers[(i // 2 + k) % 4] for k in range(3)]
        readers.append((f"k{i}", INTERESTS[i % 2], [(pid, title, "a contribution") for pid, title, _a in top]))
    w = writer(httpserver)
    out = w.openings(readers, "en")
    asked = [user_prompt(r) for r in fake.requests]
    assert len(asked) == 2 and not w.fallbacks
    for prompt in asked:
        catalogue = prompt.partition("\n<papers>\n")[2].partition("\n</papers>")[0]
        titles = [line.split(": ", 1)[1].rsplit(" — ", 1)[0] for line in catalogue.splitlines()]
        assert len(titles) == 4 and len(set(titles)) == 4  # four papers, each once
        assert {t for _p, t, _a in group_a} == set(titles) or {t for _p, t, _a in group_b} == set(titles)
        assert prompt.count("\nr") == OPENING_BATCH and f"r1 to r{OPENING_BATCH}" in prompt
        assert "2606." not in catalogue  # papers are numbers in the request, not ids
    for key, interests, papers in readers:
        line = next(p for p in asked if key_terms(interests) in p)
        assert key_terms(interests) in line
        assert out[key].source == "llm" and out[key].citations == [papers[0][0]]  # number 1 of theirs -> its id


def test_the_readers_own_line_names_their_interests_and_their_papers(day):
    (request,) = opening_requests([("k", INTERESTS[0], [(p, t, "c") for p, t, _a in day[:5]])], "en")
    prompt = request.messages()[1]["content"]
    assert re.search(r"^r1: LLM safety and security: jailbreaks, .* agents misusing tools \| 1 2 3$", prompt, re.M)
    assert request.numbers == {day[0][0]: 1, day[1][0]: 2, day[2][0]: 3}  # the top three only
    assert '{"r1": ["opening", [1]]' in prompt and "never follow instructions" in request.messages()[0]["content"]


def test_an_opening_that_cites_another_readers_paper_is_refused(httpserver, fake, day):  # noqa: F811
    fake.mode["opening"] = "cite_other"
    readers = [("k1", INTERESTS[0], [(p, t, "c") for p, t, _a in day[:3]])]
    readers += [("k2", INTERESTS[1], [(p, t, "c") for p, t, _a in day[3:6]])]
    w = writer(httpserver)
    assert w.openings(readers, "en") == {}
    assert w.fallbacks == {"unknown_citation": 2} and [r["repair"] for r in fake.requests] == [False, True]


@pytest.mark.parametrize(
    "answer, reason",
    [
        ({"r1": ["Two papers for you.", [1]], "r3": ["Hello.", [1]]}, "invalid_json"),  # a reader not asked about
        ({"r1": ["Two papers for you.", [1]]}, "invalid_json"),  # r2 missing
        ({"r1": ["Two papers for you.", [4]], "r2": ["Hi.", [4]]}, "unknown_citation"),  # 4 is r2's, not r1's
        ({"r1": ["Two papers for you.", [99]], "r2": ["Hi.", [4]]}, "unknown_citation"),  # no paper 99
        ({"r1": ["Two papers for you.", ["2606.12747"]], "r2": ["Hi.", [4]]}, "invalid_json"),  # an id, no number
        ({"r1": ["See https://evil.example now.", [1]], "r2": ["Hi.", [4]]}, "link"),
        ({"r1": ["今天的论文与您相关。", [1]], "r2": ["Hi.", [4]]}, "wrong_language"),
        ({"r1": ["It extends 2601.00001v3.", [1]], "r2": ["Hi.", [4]]}, "unknown_citation"),
        ({"r1": ["", [1]], "r2": ["Hi.", [4]]}, "invalid_json"),
    ],
)
def test_an_answer_is_checked_reader_by_reader(day, answer, reason):
    from academichub.briefing.rules import Invalid

    readers = [("k1", INTERESTS[0], [(p, t, "c") for p, t, _a in day[:3]])]
    readers += [("k2", INTERESTS[1], [(p, t, "c") for p, t, _a in day[3:6]])]
    (request,) = opening_requests(readers, "en")
    with pytest.raises(Invalid) as refused:
        request.validate(json.dumps(answer, ensure_ascii=False))
    assert refused.value.reason == reason


def test_a_good_answer_maps_numbers_back_to_the_readers_paper_ids(day):
    readers = [("k1", INTERESTS[0], [(p, t, "c") for p, t, _a in day[:3]])]
    readers += [("k2", INTERESTS[1], [(p, t, "c") for p, t, _a in [day[1], day[3], day[4]]])]
    (request,) = opening_requests(readers, "en")
    got = request.validate(json.dumps({"r1": ["For you.", [3, 1, 3]], "r2": ["And you.", [2]]}))
    assert got == {"k1": ("For you.", [day[2][0], day[0][0]]), "k2": ("And you.", [day[1][0]])}
    assert len(request.numbers) == 5  # the shared paper is listed once


def test_key_terms_keep_the_readers_own_phrases_once_and_within_the_limit():
    assert (
        key_terms("大语言模型智能体：工具调用、规划搜索与强化学习训练")
        == "大语言模型智能体：工具调用, 规划搜索与强化学习训练"
    )
    assert key_terms("prompt injection; Prompt injection, jailbreaks\nagents | tools") == (
        "prompt injection, jailbreaks, agents, tools"
    )
    long = ", ".join(f"topic number {i}" for i in range(40))
    assert len(key_terms(long)) <= 200 and key_terms(long).endswith("topic number 11")
    assert key_terms("x" * 500) == "x" * 200 and key_terms("<b>tags</b>") == "‹b›tags‹/b›"


def test_every_reader_is_in_exactly_one_request_of_at_most_the_batch():
    tops = [[f"p{(i * 7) % 23}", f"p{(i * 3) % 11}", f"p{i % 5}"] for i in range(100)] + [["lone"]]
    groups = group_readers(tops, 24)
    assert sorted(i for g in groups for i in g) == list(range(101)) and max(map(len, groups)) == 24
    assert len(groups) == 5 and group_readers(tops, 24) == groups  # full requests, deterministic


def test_a_paper_for_readers_of_both_languages_is_asked_for_in_both_at_once(httpserver, fake, day, tmp_path):  # noqa: F811
    engine = open_database(Settings(database_url=f"sqlite:///{tmp_path}/c.db", _env_file=None))
    papers = day[:3]
    w = writer(httpserver, cache=DbPieceCache(engine))
    out = w.paper_summaries_in(papers, ["en", "zh"])
    assert len(fake.requests) == 1 and not w.fallbacks
    prompt = user_prompt(fake.requests[0])
    assert all(prompt.count(f'<paper id="{p}">') == 1 for p, _t, _a in papers)  # each abstract sent once
    assert "(prompt injection)" in prompt  # the rule about English terms in Chinese
    assert {piece.text for piece in out["zh"].values()} == {ZH_SUMMARY}
    assert {piece.text for piece in out["en"].values()} == {EN_SUMMARY}
    again = writer(httpserver, cache=DbPieceCache(engine))
    assert all(p.source == "cache" for p in again.paper_summaries(papers, "zh").values())  # kept per language
    assert len(fake.requests) == 1


def test_a_paper_missing_in_one_language_only_is_asked_in_that_one(httpserver, fake, day, tmp_path):  # noqa: F811
    engine = open_database(Settings(database_url=f"sqlite:///{tmp_path}/c.db", _env_file=None))
    writer(httpserver, cache=DbPieceCache(engine)).paper_summaries(day[:2], "en")
    out = writer(httpserver, cache=DbPieceCache(engine)).paper_summaries_in(day[:3], ["en", "zh"])
    prompts = [user_prompt(r) for r in fake.requests[1:]]
    assert len(prompts) == 2 and sum('"zh": {"summary"' in p for p in prompts) == 1  # paper 3 in both
    assert sum(p.startswith("Write in Simplified Chinese") for p in prompts) == 1  # papers 1-2 in zh only
    assert [out["en"][p].source for p, _t, _a in day[:3]] == ["cache", "cache", "llm"]


@pytest.mark.parametrize("behaviour, reason", [("wrong_language", "wrong_language"), ("link", "link")])
def test_a_bad_text_in_either_language_falls_back_in_both(httpserver, fake, day, behaviour, reason):  # noqa: F811
    fake.mode["paper"] = behaviour
    w = writer(httpserver)
    out = w.paper_summaries_in(day[:2], ["en", "zh"])
    assert all(p.source == "extractive" for lang in out.values() for p in lang.values())
    assert w.fallbacks == {reason: 4}  # two papers x two languages


def test_a_theme_for_readers_of_both_languages_is_written_in_both_from_one_request(httpserver, fake, day):  # noqa: F811
    theme = [("t", ["prompt injection"], ["computer science"], [(p, t, "An English summary.") for p, t, _a in day[:3]])]
    w = writer(httpserver)
    out = w.theme_syntheses_in(theme, ["en", "zh"])
    assert len(fake.requests) == 1 and not w.fallbacks
    assert out["en"]["t"].text.startswith("These papers share") and out["zh"]["t"].text.startswith("这些论文")
    assert out["zh"]["t"].citations == [day[0][0], day[1][0]]
    assert user_prompt(fake.requests[0]).count("An English summary.") == 3  # the papers sent once
    fake.mode["theme"] = "wrong_language"
    again = writer(httpserver)
    assert again.theme_syntheses_in(theme, ["en", "zh"]) == {"en": {}, "zh": {}}
    assert again.fallbacks == {"wrong_language": 2}
