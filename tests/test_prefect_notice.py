"""A command that runs a flow says, before the wait, that it is starting a temporary Prefect server
(and how to use one's own), on stderr; with a Prefect API configured it says nothing (issue 14)."""

from __future__ import annotations

import sys
import types

from academichub.cli import common
from academichub.settings import SAMPLE_DAY_DIR
from tests.conftest import run_cli


def test_the_note_says_what_starts_and_how_to_avoid_it() -> None:
    note = common.prefect_server_note(None)
    assert note is not None and "Starting a temporary Prefect server" in note and "PREFECT_API_URL" in note
    assert common.prefect_server_note("http://127.0.0.1:4200/api") is None


def test_run_says_it_before_the_flow_starts(env_settings, capsys, monkeypatch) -> None:
    """The CLI's cheap path: the flow is a stub that records what stderr held when it was called."""
    seen: list[str] = []

    def daily_flow(**_kw):
        seen.append(capsys.readouterr().err)
        raise KeyboardInterrupt  # stop here: the command ends as an interrupted run (exit 130)

    monkeypatch.setitem(sys.modules, "flows.daily", types.SimpleNamespace(daily_flow=daily_flow))
    for api, said in ((None, True), ("http://127.0.0.1:4200/api", False)):
        monkeypatch.setattr(common, "prefect_api_url", lambda api=api: api)
        code, _out, _err = run_cli(capsys, monkeypatch, "run", "--from", str(SAMPLE_DAY_DIR), "--date", "2026-06-22")
        assert code == 130
        assert ("Starting a temporary Prefect server" in seen[-1]) is said, seen[-1]
