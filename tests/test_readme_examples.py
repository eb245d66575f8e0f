"""The README's examples run as written (issue 14): every `academichub …` line of its code blocks and
every page address it gives, against the sample day (one database for the module: the sample day
ingested, its themes stored, the demo's two sample subscribers), in the README's own order.

Not run here, each for a reason a test elsewhere covers: `demo`, `run`, `events` and `deliveries
resend` start Prefect flows (tests/test_cli.py runs demo and run), `serve` starts a server (its pages
are requested below; tests/test_install.py serves one), and a block that reaches Zotero or OpenAlex
needs their keys and the network (tests/test_library_sync.py, on recorded answers)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import run_cli, sample_day_site

README = Path(__file__).resolve().parents[1] / "README.md"
DAY = "2026-06-22"
FLOWS_OR_SERVER = {"demo", "run", "events", "serve"}
NETWORK = ("--zotero", "--orcid", "library sync")


def code_blocks(text: str) -> list[list[str]]:
    """The README's fenced blocks, each a list of lines (a line ending in ``\\`` joined to the next)."""
    blocks = re.findall(r"^[ \t]*```[a-z]*\n(.*?)^[ \t]*```", text, flags=re.S | re.M)
    return [block.replace("\\\n", " ").splitlines() for block in blocks]


def commands(text: str) -> list[tuple[list[str], str]]:
    """(argv, why it is skipped or "") of every ``academichub`` line, in order."""
    out = []
    for block in code_blocks(text):
        lines = [ln.strip() for ln in block]
        argvs = [shlex.split(ln, comments=True) for ln in lines if re.match(r"(\.venv/bin/)?academichub ", ln)]
        online = any(word in " ".join(argv) for argv in argvs for word in NETWORK)
        for argv in argvs:
            args = argv[1:]
            if online:
                why = "needs Zotero/OpenAlex keys and the network"
            elif args[0] in FLOWS_OR_SERVER or args[:2] == ["deliveries", "resend"]:
                why = "starts a Prefect flow or a server"
            else:
                why = ""
            out.append((args, why))
    return out


def addresses(text: str) -> list[str]:
    """The page addresses a reader is told to open: full ones in code blocks, and the edition page's
    query examples (``?source=Science``) in its section, on the sample day."""
    served = re.compile(r"^http://127\.0\.0\.1:8000(/\S*)$")
    out = [m.group(1) for block in code_blocks(text) for ln in block if (m := served.match(ln))]
    section = text.split("## The edition on the web", 1)[1].split("\n## ", 1)[0]
    out += [f"/editions/{DAY}{q}" for q in re.findall(r"`(\?[a-z]+=[^`…]+)`", section)]
    out += [p.replace("YYYY-MM-DD", DAY) for p in re.findall(r"`(/(?:api/)?editions/YYYY-MM-DD)`", section)]
    return list(dict.fromkeys(out))


TEXT = README.read_text(encoding="utf-8")
COMMANDS = commands(TEXT)
RUNNABLE = [args for args, why in COMMANDS if not why]
ADDRESSES = addresses(TEXT)


def test_the_readme_has_the_examples_a_newcomer_copies() -> None:
    said = [" ".join(a[:2]) for a in RUNNABLE]
    for wanted in ("papers --date", "themes --date", "match --interests", "subscribers list", "sources --wanted"):
        assert wanted in said, wanted
    assert f"/editions/{DAY}?source=Science" in ADDRESSES and f"/api/editions/{DAY}" in ADDRESSES
    assert len(RUNNABLE) >= 15 and len(ADDRESSES) >= 8
    assert all(why for args, why in COMMANDS if args[0] == "demo")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    yield from sample_day_site(tmp_path_factory, "readme", themes=True, readers=True)


def sensible(args: list[str], out: str) -> None:
    """What each kind of command must say, beyond exit status 0 and some output."""
    if args[0] == "papers":
        assert "Structured vs. Unstructured Pruning" in " ".join(out.split()) or "Science" in out
        assert len(out.splitlines()) > 39
    elif args[0] == "themes":
        assert len([ln for ln in out.splitlines() if ln.strip()]) >= 3
    elif args[0] == "match":  # a ranked table whose reasons name the interests (in Chinese for --lang zh)
        assert re.search(r"\b0\.\d{3}\b", out) and ("匹配" if "zh" in args else "it matches") in out, out
    elif args[:2] == ["subscribers", "list"]:
        assert "lin.wei@example.org" in out and "ada.researcher@example.org" in out
    elif args[:2] == ["sources", "--wanted"]:
        assert "arxiv" in out.lower()


def test_every_command_runs_as_written(site, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    wrong = []
    for args in RUNNABLE:  # in order: a later example may use what an earlier one added
        code, out, err = run_cli(capsys, monkeypatch, *args)
        try:
            assert code == 0, f"exited {code}: {err or out}"
            assert out.strip() or err.strip(), "said nothing"
            assert "Traceback" not in out + err and "unexpected error" not in err, err
            sensible(args, out)
        except AssertionError as exc:
            wrong.append(f"`academichub {shlex.join(args)}`: {exc}")
    assert not wrong, "\n".join(wrong)


def test_every_address_shows_the_sample_day(site) -> None:
    _app, client, _ = site
    for path in ADDRESSES:
        response = client.get(path)
        assert response.status_code == 200, path
        if path.startswith("/api/"):
            body = json.loads(response.text)
            assert body["size"] == len(body["papers"]) == 39, path
        else:
            assert response.text.count('class="card paper"') > 0, path
