"""Exact, honest answers from the console script (issue 14): what it refuses, and why a result is empty."""

from __future__ import annotations

import json

import pytest

from academichub.settings import SAMPLE_DAY_DIR, load_settings
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


def _ingest_sample(capsys, monkeypatch) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "ingest", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0, err


def test_a_day_without_papers_says_why(env_settings, capsys, monkeypatch):
    _ingest_sample(capsys, monkeypatch)
    code, out, err = run_cli(capsys, monkeypatch, "papers", "--date", "2026-06-21")
    said = " ".join(err.split())
    assert code == 1 and out == "" and "Nothing was ingested for 2026-06-21" in said
    assert "`academichub ingest --date 2026-06-21`" in said and "latest edition with papers is 2026-06-22" in said
    code, out, err = run_cli(capsys, monkeypatch, "papers", "--date", "2026-06-21", "--json")
    assert code == 0 and json.loads(out) == [] and "Nothing was ingested" in err  # the JSON stays JSON
    broken = env_settings / "broken"
    broken.mkdir()
    (broken / "cut.xml").write_bytes(b"<rss><channel><item><title>cut off")
    assert run_cli(capsys, monkeypatch, "ingest", "--from", str(broken), "--date", "2026-06-24")[0] == 3  # held
    code, out, err = run_cli(capsys, monkeypatch, "papers", "--date", "2026-06-24")
    said = " ".join(err.split())
    assert code == 1 and "The edition of 2026-06-24 is held (every source failed" in said, said
    assert "1 failed" in said and "file-cut (broken XML" in said


QUANTUM = ["match", "--interests", "Petz recovery of a photonic qubit"]


@pytest.mark.parametrize(
    "extra, why",
    [
        ([], None),  # something matched: no explanation
        (["--categories", "math.PR"], "The category filter (math.PR) leaves no paper: none of the day's"),
        (["--categories", "cs.LG"], "The category filter (cs.LG) removed every paper that matched"),
        (["--exclude", "Petz, photonic; qubit，recovery"], "Your exclusions (Petz, photonic, qubit, recovery) removed"),
    ],
)
def test_match_says_why_nothing_matched(env_settings, capsys, monkeypatch, extra, why):
    _ingest_sample(capsys, monkeypatch)
    code, out, err = run_cli(capsys, monkeypatch, *QUANTUM, *extra, "--json")
    found = json.loads(out)
    assert code == 0, err
    if why is None:
        assert found and found[0]["id"] == "2606.12020" and "Nothing matched" not in err
        return
    assert found == [] and "Nothing matched in the edition of 2026-06-22" in err
    assert why in " ".join(err.split()), err


def test_match_says_the_floor_and_the_language_when_nothing_shares_a_term(env_settings, capsys, monkeypatch):
    _ingest_sample(capsys, monkeypatch)
    code, out, err = run_cli(capsys, monkeypatch, "match", "--interests", "medieval basket weaving")
    said = " ".join(err.split())
    assert code == 0 and out == "" and "No paper of the day shares a term with the interests" in said
    assert "ACADEMICHUB_MIN_SCORE (0.05)" in said and "glossary" not in said
    code, out, err = run_cli(capsys, monkeypatch, "match", "--interests", "养蜂与蜂蜜", "--lang", "zh")
    said = " ".join(err.split())
    assert "shares a term" in said and "add English keywords (--keywords)" in said


def test_ad_hoc_match_takes_the_controls_of_subscribers_add(env_settings, capsys, monkeypatch):
    _ingest_sample(capsys, monkeypatch)
    base = ["match", "--interests", "speech", "--top", "3", "--json"]
    plain = json.loads(run_cli(capsys, monkeypatch, *base)[1])
    code, out, err = run_cli(capsys, monkeypatch, *base, "--keywords", "Petz recovery")
    boosted = json.loads(out)
    assert code == 0 and boosted[0]["id"] == "2606.12020" and "2606.12020" not in [m["id"] for m in plain]
    assert set(boosted[0]) == {"id", "title", "score", "reasons", "radar"}
    assert "your keyword “Petz recovery”" in boosted[0]["reasons"]
    code, out, _ = run_cli(capsys, monkeypatch, *base, "--exclude", "speech")
    assert code == 0 and all("speech" not in m["title"].lower() for m in json.loads(out))
    code, out, _ = run_cli(capsys, monkeypatch, *base, "--categories", "quant-ph")
    assert code == 0 and {m["id"] for m in json.loads(out)} <= {"2606.12020", "2606.19444"}
    # The same checks as `subscribers add`: an unknown category names its close matches.
    code, out, err = run_cli(capsys, monkeypatch, *base, "--categories", "quant-ph, cs.XX")
    assert code == 2 and "unknown category 'cs.XX': did you mean cs." in " ".join(err.split())
    code, out, err = run_cli(capsys, monkeypatch, "match", "--subscriber", "a@example.org", "--keywords", "x")
    assert code == 2 and "--keywords go with --interests or --library" in " ".join(err.split())


def test_events_without_a_queue_says_what_to_set_and_fails(env_settings, capsys, monkeypatch):
    monkeypatch.delenv("ACADEMICHUB_SES_EVENTS_QUEUE_URL", raising=False)
    code, out, err = run_cli(capsys, monkeypatch, "events")
    said = " ".join(err.split())
    assert code == 2 and "event(s)" not in out + err and "no SES events queue is configured" in said
    assert "set ACADEMICHUB_SES_EVENTS_QUEUE_URL" in said and "Traceback" not in out + err


def test_a_binary_file_is_described_never_printed_and_a_terminal_gets_the_report_rendered(
    env_settings, capsys, monkeypatch, fixtures_dir
):
    import gzip
    import io
    import random

    from rich.console import Console

    from academichub.cli import common

    folder = env_settings / "in"
    folder.mkdir()
    (folder / "a.xml").write_bytes((fixtures_dir / "arxiv-rss-csAI-jmamath-trimmed.xml").read_bytes())
    noise = random.Random(14).randbytes(12 * 1024)
    (folder / "b.xml").write_bytes(gzip.compress(noise, mtime=0)[: 12 * 1024])  # a gzip saved as .xml
    (folder / "c.xml").write_bytes(b"\x00\x01\x02\x03 <junk> \xff\xfe" * 20)
    code, out, err = run_cli(capsys, monkeypatch, "ingest", "--from", str(folder), "--date", "2026-04-27")
    assert code == 3, err  # two of three sources failed: the day is held, and the report says why
    assert "binary data (gzip?) of 12 KB instead of a feed" in out and "binary data of 280 bytes" in out
    assert "\ufffd" not in out and "\\x" not in out and "plain text" not in out  # no bytes, raw or escaped
    assert "| source | health |" in out  # not a terminal: Markdown, as the Prefect artifact has it

    screen = io.StringIO()
    monkeypatch.setattr(common, "console", Console(file=screen, force_terminal=True, width=160, color_system=None))
    code, _, err = run_cli(capsys, monkeypatch, "ingest", "--from", str(folder), "--date", "2026-04-27")
    shown = screen.getvalue()
    assert code == 3 and "Ingest 2026-04-27" in shown and "binary data (gzip?) of 12 KB" in shown, shown
    assert "| source |" not in shown and "**" not in shown and "# Ingest" not in shown  # rendered, not raw


@pytest.mark.usefixtures("prefect_harness")
def test_the_demo_again_says_its_emails_were_already_sent_where_and_how_to_start_afresh(
    env_settings, capsys, monkeypatch
):
    code, out, err = run_cli(capsys, monkeypatch, "demo")
    assert code == 0 and "Wrote 2 briefing(s)" in out and "Open the emails:" in out, err
    code, out, err = run_cli(capsys, monkeypatch, "demo")
    said = " ".join(out.split())
    outbox = (env_settings / "outbox").resolve()
    assert code == 0 and "Wrote 0 briefing(s), 2 skipped" in said and "Open the emails:" not in said, out + err
    assert "(zh) skipped: already sent" in said and "0 papers" not in said
    assert "2 briefing(s) of 2026-06-22 were already sent earlier" in said
    assert f"they are in {outbox}/2026-06-22/*.html" in said
    assert f"remove the database ({(env_settings / 'academichub.db').resolve()}) and the outbox ({outbox})" in said


def test_match_says_its_table_is_ordered_for_variety_and_explains_in_chinese_with_lang_zh(
    env_settings, capsys, monkeypatch
):
    _ingest_sample(capsys, monkeypatch)
    code, out, err = run_cli(capsys, monkeypatch, "match", "--interests", "quantum", "--top", "3")
    said = " ".join(out.split())
    assert code == 0 and "ordered for variety (MMR" in said and "not by score; score = similarity" in said
    code, out, err = run_cli(capsys, monkeypatch, "match", "--interests", "quantum", "--top", "3", "--lang", "zh")
    said = "".join(out.split())
    assert code == 0 and "2026-06-22这一期的最佳匹配" in said and "按多样性排序" in said and "推荐理由" in said
    code, out, err = run_cli(capsys, monkeypatch, "match", "--interests", "养蜂与蜂蜜", "--lang", "zh")
    said = "".join(err.split())
    assert "2026-06-22这一期（39篇论文）没有匹配的论文" in said and "当天没有论文与您的兴趣共有任何词语" in said
    assert "请用--keywords补充英文关键词" in said
    code, out, err = run_cli(capsys, monkeypatch, "match", "--help")
    assert "ordered for variety" in " ".join(out.split())
    from academichub.i18n.cli import MATCH

    assert set(MATCH["en"]) == set(MATCH["zh"])
