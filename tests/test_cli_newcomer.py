"""What a newcomer found from a fresh clone: the console script refuses what it cannot use, alike
everywhere, and says so in one line."""

from __future__ import annotations

import json
import re

import pytest

from academichub.settings import SAMPLE_DAY_DIR
from tests.conftest import run_cli


def test_import_refuses_a_row_without_interests_as_add_does(env_settings, capsys, monkeypatch):
    code, out, err = run_cli(capsys, monkeypatch, "subscribers", "add", "blank@example.org", "--interests", "  ")
    assert code == 2 and "no interests: give --interests TEXT" in err, out + err
    bib = env_settings / "mine.bib"
    bib.write_bytes(b"@article{me, title={Quantum error correction with bosonic codes}, year={2024}}\n")
    code, out, err = run_cli(
        capsys, monkeypatch, "subscribers", "add", "lib@example.org", "--library", str(bib), "--offline"
    )
    assert code == 0, err
    rows = env_settings / "readers.csv"
    rows.write_text(
        "email,interests,language\nok1@example.org,quantum sensing,en\nok2@example.org,,zh\n"
        "lib@example.org,,zh\nok3@example.org,  ,en\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(capsys, monkeypatch, "subscribers", "import", str(rows))
    assert code == 1 and "Imported 1 new and updated 1" in out, out + err
    assert "line 3: no interests: give interests" in err and "line 5: no interests" in err
    assert "line 4" not in err  # a reader with a library may leave interests empty
    code, out, _ = run_cli(capsys, monkeypatch, "subscribers", "export")
    assert sorted(line.split(",")[0] for line in out.splitlines()[1:]) == ["lib@example.org", "ok1@example.org"]


def _ingest_sample(capsys, monkeypatch, *extra: str) -> str:
    code, out, err = run_cli(capsys, monkeypatch, "ingest", "--from", str(SAMPLE_DAY_DIR), *extra)
    assert code == 0, err
    return out + err


def test_match_categories_take_what_papers_and_the_hint_show(env_settings, capsys, monkeypatch):
    _ingest_sample(capsys, monkeypatch, "--date", "2026-06-22")
    code, out, _ = run_cli(capsys, monkeypatch, "papers", "--json")
    shown = {c for p in json.loads(out) for c in p["categories"]}
    assert "medicine" in shown
    code, out, err = run_cli(
        capsys, monkeypatch, "match", "--interests", "clinical", "--categories", "medicine", "--json"
    )
    assert code == 0 and json.loads(out), err
    code, out, err = run_cli(capsys, monkeypatch, "match", "--interests", "clinical", "--categories", "nature-medicine")
    said = " ".join(err.split())
    hint = re.search(r"the day's papers are in (.*?); --categories takes any of these", said)
    assert hint and "more" not in hint.group(1), said
    keys = hint.group(1).split(", ")
    assert {"arxiv", "medicine", "medrxiv", *shown} <= set(keys)
    code, out, err = run_cli(capsys, monkeypatch, "match", "--interests", "clinical", "--categories", ",".join(keys))
    assert code == 0 and "unknown" not in err, err


@pytest.mark.parametrize("blank", ["", "   "])
def test_match_refuses_empty_interests(env_settings, capsys, monkeypatch, blank):
    code, out, err = run_cli(capsys, monkeypatch, "match", "--interests", blank)
    assert code == 2 and "empty interests" in err and "Nothing matched" not in err, err


def test_themes_of_a_day_never_ingested_answers_like_papers(env_settings, capsys, monkeypatch):
    _ingest_sample(capsys, monkeypatch, "--date", "2026-06-22")
    answers = [run_cli(capsys, monkeypatch, cmd, "--date", "2026-06-21") for cmd in ("papers", "themes")]
    assert answers[0] == answers[1] and answers[1][0] == 1, answers
    assert "Nothing was ingested for 2026-06-21" in answers[1][2] and "0 themes" not in answers[1][1]
    code, out, err = run_cli(capsys, monkeypatch, "themes", "--date", "2026-06-21", "--json")
    assert code == 0 and json.loads(out) == [] and "Nothing was ingested" in err


def test_saved_feeds_far_from_today_get_a_note_suggesting_date(env_settings, capsys, monkeypatch):
    monkeypatch.setenv("ACADEMICHUB_NOW", "2026-12-02T08:00:00Z")
    said = " ".join(_ingest_sample(capsys, monkeypatch).split())
    assert "these feeds are dated 2026-06-22, 163 days from 2026-12-02" in said, said
    assert f"`academichub ingest --from {SAMPLE_DAY_DIR} --date 2026-06-22`" in said
    code, out, _ = run_cli(capsys, monkeypatch, "papers", "--date", "2026-12-02", "--json")
    assert code == 0 and len(json.loads(out)) == 39  # filed under today all the same
    monkeypatch.setenv("ACADEMICHUB_NOW", "2026-06-24T08:00:00Z")  # two days off: no note
    assert "feeds are dated" not in _ingest_sample(capsys, monkeypatch)
    assert "feeds are dated" not in _ingest_sample(capsys, monkeypatch, "--date", "2025-01-01")  # --date: meant
