"""The console script end to end: real flows into a temporary database and outbox."""

from __future__ import annotations

import email
import json
import re
from email import policy
from pathlib import Path

import pytest

from academichub.cli import main as cli
from academichub.settings import SAMPLE_DAY_DIR
from tests.conftest import run_cli

pytestmark = pytest.mark.usefixtures("prefect_harness")
README = Path(__file__).resolve().parents[1] / "README.md"


def test_run_writes_briefings_into_the_outbox(env_settings, capsys, monkeypatch):
    code, out, err = run_cli(
        capsys,
        monkeypatch,
        "subscribers",
        "add",
        "Reader.One@Example.org",
        "--interests",
        "quantum machine learning, variational quantum circuits",
        "--name",
        "Reader",
    )
    assert code == 0 and "Added reader.one@example.org" in out
    code, out, err = run_cli(
        capsys,
        monkeypatch,
        "subscribers",
        "add",
        "zh.reader@example.org",
        "--lang",
        "zh",
        "--interests",
        "大语言模型的安全：提示注入与智能体工具使用",
    )
    assert code == 0 and "--keywords" in " ".join(out.split())  # says non-English interests need English keywords
    code, out, err = run_cli(
        capsys,
        monkeypatch,
        "subscribers",
        "add",
        "ZH.reader@example.org",
        "--lang",
        "zh",
        "--interests",
        "大语言模型的安全：提示注入与智能体工具使用",
        "--keywords",
        "LLM safety, prompt injection, agents, tool use",
    )
    assert code == 0 and "Updated zh.reader@example.org" in out and "--keywords" not in out
    code, out, err = run_cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0, err
    assert "Wrote 2 briefing(s)" in out
    folder = env_settings / "outbox" / "2026-06-22"
    emls = sorted(folder.glob("*.eml"))
    assert [p.name for p in emls] == ["reader.one@example.org.eml", "zh.reader@example.org.eml"]
    en = email.message_from_bytes(emls[0].read_bytes(), policy=policy.default)
    assert en.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in en.iter_parts()] == ["text/plain", "text/html"]
    assert "2026-06-22" in en["Subject"] and en["Message-ID"] and en["Date"]
    text = en.get_body(("plain",)).get_content()
    html = en.get_body(("html",)).get_content()
    assert "Quantum Machine Learning for Industrial Applications" in text and "https://arxiv.org/abs/2606.14822" in text
    assert "<html" in html and "Quantum Machine Learning for Industrial Applications" in html
    zh = email.message_from_bytes(emls[1].read_bytes(), policy=policy.default)
    assert "每日简报" in zh["Subject"] and "=?utf-8?" in emls[1].read_bytes().decode("ascii", "replace")  # RFC 2047
    zh_text = zh.get_body(("plain",)).get_content()
    assert "推荐理由" in zh_text and "英文摘要" in zh_text  # visible note that summaries are English extracts
    assert (folder / "zh.reader@example.org.html").exists()
    # Without an LLM the emails still name the themes the reader's papers belong to, in their language.
    code, out, _ = run_cli(capsys, monkeypatch, "themes", "--json")
    labels = [", ".join(t["label"]) for t in json.loads(out)]
    assert "Today’s themes your papers belong to" in text and "Today’s themes your papers belong to" in html
    assert any(f"{label} (papers " in text for label in labels), text
    assert "您的论文所属的今日主题" in zh_text and "您的论文所属的今日主题" in zh.get_body(("html",)).get_content()
    assert any(label in zh_text for label in labels)
    # Bulk-mail headers and signed links that verify for this reader and purpose only.
    from urllib.parse import parse_qs, urlparse

    from academichub.settings import Settings
    from subscribers.tokens import tokens_from

    assert en["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and "mailto:" in en["List-Unsubscribe"]
    unsub_url = en["List-Unsubscribe"].strip().split(">")[0].lstrip("<")
    assert unsub_url.startswith("http://127.0.0.1:8000/unsubscribe?t=") and unsub_url in text
    tokens = tokens_from(Settings())
    token = parse_qs(urlparse(unsub_url).query)["t"][0]
    payload = tokens.verify("unsubscribe", token).payload
    assert payload["s"] == 1 and len(payload["k"]) == 16 and not tokens.verify("preferences", token).ok
    assert "/preferences?t=" in text and "/feedback?t=" in html and "More like this" in text

    # A rerun of the same day adds no papers and rewrites (not duplicates) the emails.
    code, out, _ = run_cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0 and "0 new papers" in out
    assert len(list(folder.glob("*.eml"))) == 2


def test_papers_json_and_dry_run(env_settings, capsys, monkeypatch):
    code, out, err = run_cli(capsys, monkeypatch, "ingest", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
    assert code == 0, err
    code, out, _ = run_cli(capsys, monkeypatch, "papers", "--json")
    papers = json.loads(out)
    assert len(papers) == 39
    for key in ("id", "title", "authors", "abstract", "source", "categories", "url", "published", "kind"):
        assert key in papers[0]
    ids = {p["id"] for p in papers}
    assert "2606.12747" in ids and "doi:10.1126/sample.science.0099" in ids
    assert all(re.fullmatch(r"\d{4}\.\d{5}|doi:10\.\S+", i) for i in ids)
    science = next(p for p in papers if p["id"] == "doi:10.1126/sample.science.0001")
    assert science["authors"] == [] and science["source"] == "Science" and not science["title"].endswith("| Science")
    code, out, _ = run_cli(
        capsys, monkeypatch, "match", "--interests", "quantum error mitigation Petz recovery", "--top", "3", "--json"
    )
    found = json.loads(out)
    assert found[0]["id"] == "2606.12020" and found[0]["reasons"]
    # Chinese interests with no LLM configured (issue 16): matched through the glossary, and the
    # reasons name the Chinese words.
    code, out, _ = run_cli(
        capsys, monkeypatch, "match", "--interests", "量子信息与量子纠缠实验", "--lang", "zh", "--top", "3", "--json"
    )
    found = json.loads(out)
    assert code == 0 and "2606.12020" in [f["id"] for f in found]
    assert any("量子" in reason for f in found for reason in f["reasons"]), found
    code, out, _ = run_cli(
        capsys, monkeypatch, "subscribers", "add", "a@example.org", "--interests", "speech translation"
    )
    code, out, _ = run_cli(
        capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22", "--dry-run"
    )
    assert code == 0 and "Dry run" in out
    assert not (env_settings / "outbox").exists()
    said = " ".join(out.split())
    assert "a@example.org (en, " in said and "papers) would be sent" in said


def test_dry_run_says_what_a_real_run_would_do_for_each_reader(env_settings, capsys, monkeypatch):
    """After a real run, a dry run lists the readers sent to as skipped (already sent), as a rerun would,
    and names the empty-day email; it writes nothing to the ledger."""
    from sqlmodel import select

    from academichub.db import open_database, session_scope
    from academichub.models import Delivery
    from academichub.settings import Settings

    run = ["run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22"]
    add = ["subscribers", "add"]
    assert run_cli(capsys, monkeypatch, *add, "q@example.org", "--interests", "quantum error correction")[0] == 0
    assert run_cli(capsys, monkeypatch, *run)[0] == 0
    assert run_cli(capsys, monkeypatch, *add, "e@example.org", "--interests", "medieval basket weaving")[0] == 0
    engine = open_database(Settings())
    with session_scope(engine) as session:
        before = [(d.subscriber_id, d.state) for d in session.exec(select(Delivery))]
    code, out, err = run_cli(capsys, monkeypatch, *run, "--dry-run")
    said = " ".join(out.split())
    assert code == 0, err
    assert "q@example.org (en) skipped: already sent" in said and "rendered" not in said.split("q@example.org")[1][:30]
    assert "e@example.org (en) would be sent: the empty-day email (no paper matched today)" in said
    with session_scope(engine) as session:
        assert [(d.subscriber_id, d.state) for d in session.exec(select(Delivery))] == before
    engine.dispose()


@pytest.mark.parametrize(
    "args, message",
    [
        (["ingest", "--from", "/no/such/folder"], "no such file or folder: /no/such/folder"),
        (["run", "--from", "/no/such.xml"], "no such file or folder"),
        (["run", "--date", "22-06-2026"], "not a date in the form YYYY-MM-DD"),
        (["subscribers", "add", "not-an-address", "--interests", "x"], "invalid email address"),
        (["subscribers", "add", "a@example.org", "--interests", "x", "--lang", "fr"], "unknown language 'fr'"),
        (
            ["subscribers", "add", "a@example.org", "--interests", "x", "--categories", "cs.XX, medrxiv"],
            "unknown category 'cs.XX': did you mean cs.",
        ),
        (
            ["subscribers", "add", "a@example.org", "--interests", "x", "--tz", "Mars/Olympus"],
            "unknown time zone 'Mars/Olympus'",
        ),
        (
            ["subscribers", "add", "a@example.org", "--interests", "x", "--papers", "31"],
            "papers per email must be 1-30",
        ),
        (["match", "--subscriber", "nobody@example.org"], "no subscriber with the address nobody@example.org"),
    ],
)
def test_bad_input_is_a_clear_error_without_traceback(env_settings, capsys, monkeypatch, args, message):
    code, out, err = run_cli(capsys, monkeypatch, *args)
    assert code == 2
    combined = " ".join((out + err).split())
    assert message in combined
    assert "Traceback" not in out + err


def test_feedback_moves_the_ranking_and_undo_restores_it(env_settings, capsys, monkeypatch):
    assert run_cli(capsys, monkeypatch, "ingest", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")[0] == 0
    run_cli(
        capsys,
        monkeypatch,
        "subscribers",
        "add",
        "r@example.org",
        "--interests",
        "machine learning theory",
        "--categories",
        "cs.LG, quant-ph",
    )

    def ranking() -> list[str]:
        return [
            m["id"]
            for m in json.loads(
                run_cli(capsys, monkeypatch, "match", "--subscriber", "r@example.org", "--json", "--top", "8")[1]
            )
        ]

    before = ranking()
    code, out, _ = run_cli(capsys, monkeypatch, "subscribers", "feedback", "r@example.org", "2606.19444", "--like")
    assert code == 0 and "Liked 2606.19444" in out
    liked = ranking()
    assert liked.index("2606.19444") < (before.index("2606.19444") if "2606.19444" in before else 99)
    run_cli(capsys, monkeypatch, "subscribers", "feedback", "r@example.org", "2606.19444", "--undo")
    assert ranking() == before
    code, _, err = run_cli(capsys, monkeypatch, "subscribers", "feedback", "r@example.org", "9999.99999", "--like")
    assert code == 2 and "no paper with the id" in err
    record = json.loads(run_cli(capsys, monkeypatch, "subscribers", "export", "r@example.org")[1])
    assert record["categories"] == ["cs.LG", "quant-ph"] and record["feedback"] == {}


def test_unreadable_feed_file_is_reported_and_the_rest_stored(env_settings, capsys, monkeypatch, fixtures_dir):
    bad = env_settings / "in"
    bad.mkdir()
    (bad / "a.xml").write_bytes((fixtures_dir / "arxiv-rss-csAI-jmamath-trimmed.xml").read_bytes())
    (bad / "b.xml").write_bytes(b"<rss><channel><item><title>cut off")
    code, out, err = run_cli(capsys, monkeypatch, "ingest", "--from", str(bad), "--date", "2026-04-27")
    assert code == 0
    assert "FAILED" in out and "broken XML" in out and "1 source(s) failed" in err
    code, out, _ = run_cli(capsys, monkeypatch, "papers", "--json")
    assert len(json.loads(out)) == 3


def all_commands():
    import typer.main

    group = typer.main.get_command(cli.app)
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            for sub, subcmd in cmd.commands.items():
                yield f"{name} {sub}", subcmd
        else:
            yield name, cmd


def test_every_command_has_help_and_is_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    for name, cmd in all_commands():
        assert (cmd.help or "").strip(), f"{name} has no help text"
        assert f"academichub {name}" in readme, f"README does not mention `academichub {name}`"


@pytest.mark.parametrize(
    "variable, value, message",
    [
        (
            "ACADEMICHUB_DASK_THREADS",
            "0",
            "invalid setting: ACADEMICHUB_DASK_THREADS='0': Input should be greater than or equal to 1",
        ),
        ("ACADEMICHUB_TASK_RUNNER", "spark", "invalid setting: ACADEMICHUB_TASK_RUNNER='spark'"),
        (
            "ACADEMICHUB_ENVIRONMENT",
            "production",
            "invalid setting: ACADEMICHUB_SECRET_KEY must be set to a real secret in production",
        ),
    ],
)
def test_a_bad_setting_is_named_as_the_user_set_it(env_settings, capsys, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    code, out, err = run_cli(capsys, monkeypatch, "papers")
    assert code == 2
    assert (
        message in " ".join((out + err).split())
        and "Traceback" not in out + err
        and "please report it" not in out + err
    )


PROBE = """
import flows.ingest  # any process that runs a flow imports the flows package first
from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS as TIMEOUT
print("timeout", TIMEOUT.value())
"""


@pytest.mark.parametrize("where, expected", [(None, 120), ("environment", 45), ("profile", 55)])
def test_the_ephemeral_prefect_server_gets_time_to_start_unless_the_user_says_otherwise(tmp_path, where, expected):
    """Prefect's default wait for its temporary server (20 s) runs out on a loaded machine: a process
    that runs a flow waits 120 s, unless the timeout is set in the environment or the active Prefect profile."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path)
    if where == "environment":
        env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "45"
    elif where == "profile":
        (tmp_path / "profiles.toml").write_text(
            'active = "mine"\n[profiles.mine]\nPREFECT_SERVER_EPHEMERAL_ENABLED = "true"\n'
            'PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS = "55"\n'
        )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert f"timeout {expected}" in result.stdout.splitlines()
