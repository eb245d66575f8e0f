"""Every command's --help names its values (EMAIL, FILE, YYYY-MM-DD …), never a Python type (`<str>`,
`<path>`, `<bool>`) or `{email}`, and no help or error text is cut mid-sentence where a source line
ended. The commands are found by walking the CLI's command tree, so a new command is covered at once."""

from __future__ import annotations

import re

import pytest

from tests.conftest import run_cli

WIDE = "1000"  # no layout wrap at this width: a line break left in a text is one written into it
PLACEHOLDER = re.compile(r"<(?:str|path|bool|int|float|file|list\[[^\]]*\]|int range|[a-z_]+)>|\{[A-Za-z_]+\}")


def command_paths() -> list[tuple[str, ...]]:
    from academichub.cli.helptext import named
    from academichub.cli.main import app

    def walk(command, path: tuple[str, ...]):
        yield path
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            if not sub.hidden:
                yield from walk(sub, (*path, name))

    return list(walk(named(app), ()))


PATHS = command_paths()


def test_the_tree_has_every_command() -> None:
    names = {" ".join(p) for p in PATHS}
    assert {"", "demo", "match", "subscribers add", "subscribers radar add", "deliveries resend"} <= names
    assert len(PATHS) > 25


def hard_wraps(text: str) -> list[str]:
    """Lines that continue a sentence a source line break cut: a second line of a description paragraph,
    or a panel row that continues the previous row's help (typer's own [default …]/[env var …] aside)."""
    found = []
    lines = text.splitlines()
    in_description = False
    previous = ""
    for line in lines:
        body = line.strip()
        if body.startswith("Usage:"):
            in_description = True
            previous = ""
            continue
        if body.startswith("╭"):
            in_description = False
        if in_description:
            if body and previous:
                found.append(f"{previous!r} / {body!r}")
            previous = body
            continue
        if line.startswith("│"):
            cell = line.strip("│").rstrip()
            if len(cell) - len(cell.lstrip()) > 8 and not cell.lstrip().startswith("["):
                found.append(cell.strip())
    return found


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "academichub")
def test_help_names_every_value(capsys, monkeypatch, path: tuple[str, ...]) -> None:
    monkeypatch.setenv("COLUMNS", WIDE)
    code, out, err = run_cli(capsys, monkeypatch, *path, "--help")
    assert code == 0, err
    assert "Usage:" in out
    assert not PLACEHOLDER.findall(out), (path, PLACEHOLDER.findall(out))
    assert not hard_wraps(out), hard_wraps(out)


def test_a_value_option_shows_its_metavar(capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", WIDE)
    _, out, _ = run_cli(capsys, monkeypatch, "subscribers", "add", "--help")
    assert "[OPTIONS] EMAIL" in out
    for metavar in ("YYYY-MM-DD", "zh|en|bilingual", "AREA/CITY", "FILE", "TEXT", "URL"):
        assert metavar in out
    _, out, _ = run_cli(capsys, monkeypatch, "match", "--help")
    assert "zh|en" in out and " K " in out


def test_the_checks_catch_what_typer_shows_by_default() -> None:
    """The checks above can fail: typer's own rendering of a type and of a hard-wrapped docstring."""
    typer_default = "│ --interests   <str>   Free-text interests │\n Usage: x add [OPTIONS] {email}\n"
    assert len(PLACEHOLDER.findall(typer_default)) == 2
    wrapped = " Usage: academichub events\n\n Read SES events: hard bounces\n and complaints are never emailed.\n"
    assert hard_wraps(wrapped)
    panel_row = "│ events    Read SES events: hard bounces      │\n│           and complaints are never emailed. │\n"
    assert hard_wraps(panel_row)


def test_a_usage_error_is_one_line(capsys, monkeypatch) -> None:
    """At 80 columns a long usage error is still one line (typer's panel cut it mid-sentence)."""
    monkeypatch.setenv("COLUMNS", "80")
    code, _, err = run_cli(capsys, monkeypatch, "match", "--subscriber", "a@example.org", "--keywords", "k")
    assert code == 2
    line = next(x for x in err.splitlines() if x.startswith("error:"))
    assert line.endswith("(whose own are used)"), err
    assert "╭" not in err and "Try 'academichub match --help' for help." in err
    code, _, err = run_cli(capsys, monkeypatch, "papers", "--date", "2026-13-40")
    assert code == 2 and "error: Invalid value: '2026-13-40' is not a date in the form YYYY-MM-DD" in err


def test_h_is_help_everywhere_and_version_is_the_installed_one(capsys, monkeypatch) -> None:
    from importlib.metadata import version

    monkeypatch.setenv("COLUMNS", WIDE)
    for path in PATHS:
        code, short, err = run_cli(capsys, monkeypatch, *path, "-h")
        assert code == 0 and short == run_cli(capsys, monkeypatch, *path, "--help")[1], (path, err)
    code, out, _ = run_cli(capsys, monkeypatch, "--version")
    assert code == 0 and out.strip() == f"academichub {version('academichub')}"


def test_the_subscribers_line_names_every_subcommand(capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", WIDE)
    _, out, _ = run_cli(capsys, monkeypatch, "--help")
    line = next(x for x in out.splitlines() if x.startswith("│ subscribers "))
    names = {p[1] for p in PATHS if len(p) == 2 and p[0] == "subscribers"}
    assert {"delete", "feedback", "channel", "radar", "library"} <= names
    assert all(name[:5] in line for name in names), (names, line)
