"""Several radars per reader: the combining rule, the CLI, the email's sections, and votes that train
the radar a paper was shown under (the real sample day, a real database, the outbox, the real app)."""

from __future__ import annotations

import email
import json
import re
from datetime import date
from email import policy
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient

from academichub.db import open_database, session_scope
from academichub.matching.match import Match, ProfileSpec
from academichub.matching.radars import by_reader, combine
from academichub.papers.ingest import collect_paths, ingest_documents, read_document
from academichub.settings import SAMPLE_DAY_DIR, Settings
from subscribers.models import Feedback, Subscriber
from subscribers.radars import add_radar, first_radar, radars_of
from subscribers.service import ProfileInput, upsert_subscriber
from tests.conftest import run_cli

DAY = date(2026, 6, 22)


# --- the rule ------------------------------------------------------------------------------------


def spec(name: str, rid: int, top_n: int = 4) -> ProfileSpec:
    return ProfileSpec(key=f"r\n{rid}", reader="r", radar=name, radar_id=rid, top_n=top_n)


def test_combine_keeps_a_paper_once_under_its_best_radar_and_takes_turns_within_n():
    a = [Match("p1", 0.9), Match("p2", 0.8), Match("p3", 0.7), Match("shared", 0.3)]
    b = [Match("shared", 0.6), Match("q1", 0.5), Match("q2", 0.2)]
    out = combine([(spec("a", 1), a), (spec("b", 2), b)], top_n=4)
    assert [(m.paper_id, m.radar) for m in out] == [("p1", "a"), ("p2", "a"), ("shared", "b"), ("q1", "b")]
    assert len({m.paper_id for m in out}) == len(out) == 4
    # N = 3 cuts round two short: the stronger offer (a's 0.8 over b's 0.5) wins
    assert [m.paper_id for m in combine([(spec("a", 1), a), (spec("b", 2), b)], top_n=3)] == ["p1", "p2", "shared"]
    # a radar with weak papers still gets its turn before another radar's second paper
    weak = [Match("w1", 0.1)]
    assert [m.radar for m in combine([(spec("a", 1), a), (spec("w", 3), weak)], top_n=2)] == ["a", "w"]
    # a tie goes to the earlier radar; nothing found anywhere is nothing
    tie = combine([(spec("a", 1), [Match("t", 0.5)]), (spec("b", 2), [Match("t", 0.5)])], top_n=4)
    assert [(m.paper_id, m.radar) for m in tie] == [("t", "a")]
    assert combine([(spec("a", 1), []), (spec("b", 2), [])], top_n=4) == []


def test_one_radar_is_passed_through_unchanged():
    one = ProfileSpec(key="x@example.org", reader="x@example.org", radar="main", radar_id=7, top_n=2)
    found = {"x@example.org": [Match("p1", 0.9), Match("p2", 0.8), Match("p3", 0.7)]}  # the matcher's own cut
    out = by_reader([one], found)["x@example.org"]
    assert [m.paper_id for m in out] == ["p1", "p2", "p3"] and {m.radar for m in out} == {"main"}


# --- the CLI -------------------------------------------------------------------------------------


def test_radar_commands_add_list_remove_with_clear_refusals(env_settings, capsys, monkeypatch):
    run = lambda *a: run_cli(capsys, monkeypatch, *a)  # noqa: E731
    assert run("subscribers", "add", "ada@example.org", "--interests", "quantum error correction")[0] == 0
    code, out, _ = run(
        "subscribers", "radar", "add", "Ada@Example.org", "LLM safety", "--interests", "prompt injection",
        "--keywords", "jailbreak, red teaming", "--exclude", "survey", "--authors", "Yann LeCun",
    )  # fmt: skip
    assert code == 0 and "Added the radar 'LLM safety' to ada@example.org (2 radars)" in out
    assert run("subscribers", "radar", "add", "ada@example.org", "蛋白质", "--interests", "protein folding")[0] == 0
    listed = json.loads(run("subscribers", "radar", "list", "ada@example.org", "--json")[1])
    assert [r["name"] for r in listed] == ["main", "LLM safety", "蛋白质"]
    assert listed[1]["keywords"] == ["jailbreak", "red teaming"] and listed[1]["exclude"] == ["survey"]
    assert listed[0]["interests"] == "quantum error correction" and listed[1]["votes"] == 0
    assert "3 radar(s)" in run("subscribers", "radar", "list", "ada@example.org")[1]
    for args, message in [
        (("ada@example.org", "llm SAFETY", "--interests", "x"), "already has a radar named 'llm SAFETY'"),
        (("ada@example.org", "<script>", "--interests", "x"), "radar name '<script>': use letters, digits"),
        (("ada@example.org", "x" * 41, "--interests", "x"), "radar name: at most 40 characters, not 41"),
        (("ada@example.org", "  ", "--interests", "x"), "radar name: give a name"),
        (("ada@example.org", "empty", "--interests", " "), "give its interests"),
        (("nobody@example.org", "x", "--interests", "x"), "no subscriber with the address nobody@example.org"),
        (("not an address", "x", "--interests", "x"), "invalid email address"),
        (("ada@example.org", "cats", "--interests", "x", "--categories", "no.such"), "unknown category"),
    ]:
        code, out, err = run("subscribers", "radar", "add", *args)
        assert code == 2 and message in " ".join(err.split()) and "Traceback" not in err, (args, err)
    code, _, err = run("subscribers", "radar", "remove", "ada@example.org", "nope")
    assert code == 2 and "has no radar named 'nope' (their radars: main, LLM safety, 蛋白质)" in err
    assert run("subscribers", "radar", "remove", "ada@example.org", "main")[0] == 0  # not the last: allowed
    assert run("subscribers", "radar", "remove", "ada@example.org", "llm safety")[0] == 0  # any case
    code, _, err = run("subscribers", "radar", "remove", "ada@example.org", "蛋白质")
    assert code == 2 and "is the only radar of ada@example.org" in err
    assert [r["name"] for r in json.loads(run("subscribers", "radar", "list", "ada@example.org", "--json")[1])] == [
        "蛋白质"
    ]
    code, _, err = run("subscribers", "radar", "list", "nobody@example.org")
    assert code == 2 and "no subscriber" in err


def test_match_json_gives_each_items_radar(env_settings, capsys, monkeypatch):
    settings = Settings(_env_file=None, database_url=f"sqlite:///{env_settings / 'academichub.db'}")
    documents = [read_document(p) for p in collect_paths([SAMPLE_DAY_DIR])]
    ingest_documents(open_database(settings), documents, day=DAY, settings=settings)
    run = lambda *a: run_cli(capsys, monkeypatch, *a)  # noqa: E731
    run("subscribers", "add", "r@example.org", "--interests", "quantum error correction, qubits", "--papers", "6")
    one = json.loads(run("match", "--subscriber", "r@example.org", "--json", "--date", DAY.isoformat())[1])
    assert one and all(set(m) == {"id", "title", "score", "reasons", "radar"} and m["radar"] == "main" for m in one)
    run("subscribers", "radar", "add", "r@example.org", "safety", "--interests", "large language model safety")
    code, out, _ = run("match", "--subscriber", "r@example.org", "--json", "--top", "6", "--date", DAY.isoformat())
    both = json.loads(out)
    assert code == 0 and {m["radar"] for m in both} == {"main", "safety"} and len(both) <= 6
    assert len({m["id"] for m in both}) == len(both)
    adhoc = json.loads(run("match", "--interests", "qubits", "--json", "--date", DAY.isoformat())[1])
    assert adhoc and all(m["radar"] is None for m in adhoc)


# --- the email, the page and the votes -----------------------------------------------------------


@pytest.fixture
def day_with_two_radars(tmp_path):
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'radars.db'}",
        outbox_dir=str(tmp_path / "outbox"),
        base_url="http://testserver",
        secret_key="a-test-key",
    )
    engine = open_database(settings)
    ingest_documents(engine, [read_document(p) for p in collect_paths([SAMPLE_DAY_DIR])], day=DAY, settings=settings)
    with session_scope(engine) as s:
        sub, _, _ = upsert_subscriber(
            s, "ada@example.org", ProfileInput(interests="quantum error correction, qubits", papers_per_email=6)
        )
        add_radar(s, sub, "LLM safety", ProfileInput(interests="large language model safety, jailbreaks"), via="test")
    return settings, engine, sub


def _deliver(settings, engine, sub):
    from academichub.delivery.engine import deliver_readers
    from academichub.editions.edition import read_edition
    from academichub.mail.backends import OutboxMailer
    from academichub.matching.profiles import load_profiles, match_profiles

    with session_scope(engine) as s:
        readers = [(s.get(Subscriber, sub.id), first_radar(s, sub.key))]
    edition = read_edition(engine, DAY, settings.corpus_days)
    specs = load_profiles(engine, readers)
    matches = match_profiles(engine, edition, specs, settings.representation, settings.min_score)
    out = deliver_readers(
        settings, engine, edition, matches, False, None, readers, {}, OutboxMailer(settings.outbox_dir)
    )
    assert [d.state for d in out] == ["sent"]
    msg = email.message_from_bytes(open(out[0].path, "rb").read(), policy=policy.default)
    return specs, matches[sub.email], msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_two_radars_two_sections_each_paper_once_under_its_best_radar(day_with_two_radars):
    settings, engine, sub = day_with_two_radars
    from academichub.editions.edition import read_edition
    from academichub.matching.profiles import build_matcher

    specs, found, text, html = _deliver(settings, engine, sub)
    assert [s.radar for s in specs] == ["main", "LLM safety"]
    assert len(found) == 6 and len({m.paper_id for m in found}) == 6  # within papers per email, each once
    assert {m.radar for m in found} == {"main", "LLM safety"}
    per_radar = build_matcher(engine, read_edition(engine, DAY, settings.corpus_days), settings.representation).match(
        specs, min_score=settings.min_score
    )
    for m in found:  # under the radar that scored it highest
        scores = {s.radar: x.score for s in specs for x in per_radar[s.key] if x.paper_id == m.paper_id}
        assert scores[m.radar] == max(scores.values())
    assert "== Radar · main ==" in text and "== Radar · LLM safety ==" in text
    assert text.index("== Radar · main ==") < text.index("== Radar · LLM safety ==")
    assert "Radar · main" in html and "Radar · LLM safety" in html
    numbers = [int(n) for n in re.findall(r"^(\d\d)\. ", text, re.M)]
    assert numbers == list(range(1, 7))  # numbered through the sections


def test_a_vote_trains_the_radar_the_paper_was_shown_under(day_with_two_radars):
    settings, engine, sub = day_with_two_radars
    from academichub.matching.profiles import load_profiles
    from academichub.web.app import create_app

    _specs, found, text, _html = _deliver(settings, engine, sub)
    safety = text[text.index("== Radar · LLM safety ==") :]
    link = re.search(r"More like this: (\S+)", safety).group(1)
    query = parse_qs(urlparse(link).query)
    paper = query["p"][0]
    assert next(m for m in found if m.paper_id == paper).radar == "LLM safety"
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    assert client.get(link.replace("http://testserver", "")).status_code == 200
    voted = client.post("/feedback", data={"t": query["t"][0], "p": paper, "v": "1"})
    assert voted.status_code == 200
    with session_scope(engine) as s:
        radars = radars_of(s, sub.key)
        rows = list(s.exec(__import__("sqlmodel").select(Feedback)))
        first = first_radar(s, sub.key)
        readers = [(s.get(Subscriber, sub.id), first)]
    assert [(f.paper_id, f.value, f.radar_id) for f in rows] == [(paper, 1, radars[1].id)]
    specs = {p.radar: p for p in load_profiles(engine, readers)}
    assert len(specs["LLM safety"].liked) == 1 and specs["main"].liked == []
    # the view in the browser shows the same two sections
    view = re.search(r"(http://testserver/view\?\S+)", text).group(1).replace("http://testserver", "")
    page = client.get(view)
    assert page.status_code == 200 and "Radar · main" in page.text and "Radar · LLM safety" in page.text


# --- the preference page -------------------------------------------------------------------------


def test_preference_page_adds_edits_and_removes_radars_in_the_readers_language(tmp_path):
    from academichub.web.app import create_app

    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        outbox_dir=str(tmp_path / "outbox"),
        base_url="http://testserver",
        secret_key="a-test-key",
    )
    app = create_app(settings)
    client = TestClient(app, raise_server_exceptions=False)
    engine = app.state.ctx.engine
    with session_scope(engine) as s:
        sub, _, _ = upsert_subscriber(s, "li@example.org", ProfileInput(interests="量子计算", language="zh"))
        t = app.state.ctx.tokens.sign("preferences", {"s": sub.id, "k": sub.link_key})
    page = client.get(f"/preferences?t={t}")
    assert page.status_code == 200 and "您的雷达" in page.text and "“main”" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    base = {"t": t, "csrf": csrf}

    def names() -> list[str]:
        with session_scope(engine) as s:
            return [r.name for r in radars_of(s, sub.key)]

    added = client.post(
        "/preferences/radars/add",
        data={**base, "name": "安全", "interests": "LLM safety <script>x</script>", "keywords": "jailbreak"},
    )
    assert added.status_code == 200 and "已添加雷达“安全”" in added.text and "<script>x</script>" not in added.text
    assert names() == ["main", "安全"]
    with session_scope(engine) as s:
        rid = radars_of(s, sub.key)[1].id
    # errors: in Chinese, next to the form, what was typed kept, nothing stored, never a 500
    for path, data, message in [
        ("add", {"name": "安全", "interests": "x"}, "您已有名为“安全”的雷达"),
        ("add", {"name": "<b>", "interests": "x"}, "雷达名称为 1–40 个字符"),
        ("add", {"name": "x" * 41, "interests": "x"}, "雷达名称为 1–40 个字符"),
        ("add", {"name": "empty", "interests": ""}, "请填写此雷达的研究兴趣"),
        ("add", {"name": "long", "interests": "x" * 3000}, "有字段过长或无效"),
        ("add", {"name": "nul", "interests": "a\x00b"}, "有字段过长或无效"),
        ("edit", {"radar": str(rid), "name": "main", "interests": "x"}, "您已有名为“main”的雷达"),
        ("edit", {"radar": "999", "name": "x", "interests": "x"}, "该雷达已不存在"),
        ("edit", {"radar": "not a number", "name": "x", "interests": "x"}, "该雷达已不存在"),
        ("remove", {"radar": "999"}, "该雷达已不存在"),
    ]:
        r = client.post(f"/preferences/radars/{path}", data={**base, **data})
        assert r.status_code == 422 and message in r.text, (path, data, r.status_code)
    assert names() == ["main", "安全"]
    edited = client.post(
        "/preferences/radars/edit",
        data={**base, "radar": str(rid), "name": "LLM 安全", "interests": "prompt injection"},
    )
    assert edited.status_code == 200 and "已保存雷达“LLM 安全”" in edited.text
    with session_scope(engine) as s:
        radar = radars_of(s, sub.key)[1]
        assert (radar.name, radar.interests, radar.keywords) == ("LLM 安全", "prompt injection", [])
    # a forged form (no CSRF token) changes nothing; the first radar is the main form's, not removable here
    forged = TestClient(app).post("/preferences/radars/remove", data={"t": t, "csrf": "", "radar": str(rid)})
    assert forged.status_code == 403 and names() == ["main", "LLM 安全"]
    with session_scope(engine) as s:
        first = radars_of(s, sub.key)[0].id
    assert client.post("/preferences/radars/remove", data={**base, "radar": str(first)}).status_code == 422
    assert client.post("/preferences/radars/add", data={"t": "bad", "csrf": csrf, "name": "x"}).status_code == 400
    removed = client.post("/preferences/radars/remove", data={**base, "radar": str(rid)})
    assert removed.status_code == 200 and "已删除雷达“LLM 安全”" in removed.text and names() == ["main"]
    en = client.post("/preferences/radars/add", data={**base, "name": "", "interests": "x", "lang": "en"})
    assert en.status_code == 422


def test_export_and_import_round_trip_radars(env_settings, capsys, monkeypatch):
    run = lambda *a: run_cli(capsys, monkeypatch, *a)  # noqa: E731
    run("subscribers", "add", "ada@example.org", "--interests", "quantum error correction", "--keywords", "qubits")
    run("subscribers", "radar", "add", "ada@example.org", "speech", "--interests", "speech", "--keywords", "ASR, TTS")
    exported = run("subscribers", "export")[1]
    assert exported.splitlines()[0].endswith(",status,radars,email_enabled,channels") and "qubits" in exported
    (env_settings / "e.csv").write_text(exported, encoding="utf-8")
    (env_settings / "academichub.db").unlink()
    assert run("subscribers", "import", str(env_settings / "e.csv"))[0] == 0
    assert run("subscribers", "import", str(env_settings / "e.csv"))[0] == 0  # again: updated, not doubled
    radars = json.loads(run("subscribers", "radar", "list", "ada@example.org", "--json")[1])
    assert [(r["name"], r["keywords"]) for r in radars] == [("main", ["qubits"]), ("speech", ["ASR", "TTS"])]
    person = json.loads(run("subscribers", "export", "ada@example.org")[1])
    assert [r["name"] for r in person["radars"]] == ["main", "speech"]
    bad = env_settings / "bad.csv"
    bad.write_text('email,interests,radars\nb@example.org,x,"[{""name"": ""<b>""}]"\nc@example.org,y,nope\n')
    code, _, err = run("subscribers", "import", str(bad))
    assert code == 1 and "line 2: radar name '<b>'" in err and "line 3: radars: not JSON" in err
    assert "b@example.org" not in run("subscribers", "export")[1]  # a bad row stores nothing
