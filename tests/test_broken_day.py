"""A broken day fails loudly and costs readers nothing (issue 13, part 3).

Every source failing (the shape of a network outage), a source that carries most of the day failing
or suspect, a small journal failing, no network at all: on the whole-day ``run`` path and on the
production path (prepare-edition + deliver-due), on a fresh database and on one with earlier editions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
from sqlmodel import select

from academichub.db import open_database, session_scope
from academichub.delivery import due
from academichub.models import Delivery, Edition
from academichub.papers.fetch import Fetcher
from academichub.papers.ingest import Document, ingest_documents, run_ingest
from academichub.papers.sources import load_sources
from academichub.settings import Settings
from tests.conftest import fixture_bytes, run_cli
from tests.daygen import BROKEN, arxiv_feed, ids_for, journal_feed, write

MON, TUE, WED, THU, FRI = (date(2026, 6, d) for d in (15, 16, 17, 18, 19))
NEXT_MON = date(2026, 6, 22)


# --- the policy, on the library (both databases) -------------------------------------------------


def ingest_day(settings: Settings, day: date, sources: dict[str, bytes | str]):
    """One ingest of ``day``: each source's body, or (a str) its fetch error."""
    docs = [
        Document(
            origin=f"https://feeds.example.org/{key}",
            body=value if isinstance(value, bytes) else None,
            source_key=key,
            error=value if isinstance(value, str) else None,
        )
        for key, value in sources.items()
    ]
    return ingest_documents(open_database(settings), docs, day=day, settings=settings)


def usual_day(day: date, broken: dict[str, bytes | str] | None = None) -> dict[str, bytes | str]:
    """cs.LG lists 40 new papers a day, quant-ph 10, a small journal 2; ``broken`` replaces some."""
    feeds: dict[str, bytes | str] = {
        "arxiv-cs.LG": arxiv_feed("cs.LG", day, ids_for(day, 40)),
        "arxiv-quant-ph": arxiv_feed("quant-ph", day, ids_for(day, 10, start=500)),
        "reef-letters": journal_feed("Reef Letters", day, [f"10.5555/rl.{day:%m%d}.{i}" for i in range(2)]),
    }
    return feeds | (broken or {})


FAILED_503 = "HTTP 503 Service Unavailable after 4 attempt(s)"


def test_the_day_is_held_only_when_most_of_it_is_missing_and_a_good_rerun_lifts_the_hold(db_url, tmp_path):
    settings = Settings(database_url=db_url, outbox_dir=tmp_path / "outbox", now="2026-06-19T00:30:00Z", _env_file=None)
    for day in (MON, TUE, WED):
        assert ingest_day(settings, day, usual_day(day)).held is None
    engine = open_database(settings)

    # One small journal feed failing does not hold the day (2 of its usual 52 papers).
    thu = ingest_day(settings, THU, usual_day(THU, {"reef-letters": FAILED_503}))
    assert thu.held is None and thu.new_papers == 50 and [s.key for s in thu.failed] == ["reef-letters"]

    # The source that carries most of the day failing holds it: it usually carries 40 of 52 papers.
    fri = ingest_day(settings, FRI, usual_day(FRI, {"arxiv-cs.LG": FAILED_503}))
    assert fri.held == (
        "sources that usually carry 77% of the day's papers failed or are suspect: arxiv-cs.LG (failed)"
    )
    with session_scope(engine) as s:
        assert s.get(Edition, FRI).held == fri.held
    assert due.current_edition(engine) == (THU, due.current_edition(engine)[1])  # deliver-due never sees Friday
    assert due.held_editions(engine, THU) == [(FRI, fri.held)]

    # Later the same day the feeds work again: the hold is lifted and the edition restamped.
    fixed = Settings(database_url=db_url, outbox_dir=tmp_path / "outbox", now="2026-06-19T03:00:00Z", _env_file=None)
    again = ingest_day(fixed, FRI, usual_day(FRI))
    assert again.held is None and again.new_papers == 40
    assert due.current_edition(engine) == (FRI, datetime(2026, 6, 19, 3, 0, tzinfo=UTC))

    # A refetch that fails after the day was complete does not spoil it: the edition is kept.
    late = ingest_day(fixed, FRI, {k: "network error after 2 attempt(s): cannot reach x" for k in usual_day(FRI)})
    assert late.held is None and late.kept.startswith("every source failed (3 of 3)")
    assert due.current_edition(engine)[0] == FRI

    # An empty arXiv feed on an announcement day is SUSPECT, and on the big source it holds the day.
    empty = fixture_bytes("arxiv-rss-cs-empty-sunday-xlr-aex.xml").replace(b"Sun, 29 Mar 2026", b"Mon, 22 Jun 2026")
    mon = ingest_day(settings, NEXT_MON, usual_day(NEXT_MON, {"arxiv-cs.LG": empty}))
    assert mon.held and "arxiv-cs.LG (suspect)" in mon.held and "%" in mon.held


def test_every_source_failing_holds_the_day_even_on_a_fresh_database(db_url, tmp_path):
    settings = Settings(database_url=db_url, outbox_dir=tmp_path / "outbox", _env_file=None)
    report = ingest_day(
        settings, MON, {"arxiv-cs.LG": "HTTP 503 Service Unavailable", "nature": "HTTP 502 Bad Gateway"}
    )
    assert report.held == "every source failed (2 of 2)"
    # Without history each source counts the same: one of three failing is not most of the day.
    report = ingest_day(settings, TUE, usual_day(TUE, {"reef-letters": "HTTP 404 Not Found"}))
    assert report.held is None


# --- no network: give up within seconds, say what to do --------------------------------------------


class FakeTime:
    def __init__(self):
        self.now, self.sleeps = 1000.0, []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def test_with_no_network_the_ingest_gives_up_within_seconds_and_holds_the_day(tmp_path):
    """The shipped sources (8 feeds on 5 servers) with every connection refused; the fetcher's waits
    and clock are injected, so the test takes no time and the waits it would have slept are counted."""
    attempts: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(str(request.url))
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", _env_file=None)  # default retries, back-off
    t = FakeTime()
    fetcher = Fetcher(settings, httpx.Client(transport=httpx.MockTransport(refuse)), sleep=t.sleep, clock=t.clock)
    config = load_sources(settings.sources_file)
    assert len(config.sources) == 8
    report = run_ingest(settings, open_database(settings), paths=None, day=MON, config=config, fetcher=fetcher)

    # The first arXiv feed (twice), then medRxiv's server (twice): two servers unreachable and none
    # answered, so the rest are not tried. Before: 4 attempts each, 32 in all, 145 s of waits.
    assert len(attempts) == 4 and {a.split("/")[2] for a in attempts} == {"rss.arxiv.org", "api.biorxiv.org"}
    assert sum(t.sleeps) <= 5.0, t.sleeps
    errors = {s.key: s.error for s in report.sources}
    assert errors["arxiv-cs.CV"].startswith("network error after 2 attempt(s): cannot reach rss.arxiv.org")
    assert errors["arxiv-cs.LG"].startswith("not tried: cannot reach rss.arxiv.org")
    assert errors["nature"].startswith("not tried: no network (2 servers could not be reached")
    assert report.held == "every source failed (8 of 8): no server could be reached (no network?)"


pytestmark_flows = pytest.mark.usefixtures("prefect_harness")


@pytestmark_flows
def test_run_with_no_network_fails_at_once_and_says_what_to_do(env_settings, capsys, monkeypatch):
    import socket

    with socket.socket() as sock:  # a port nothing listens on: connections are refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sources = env_settings / "sources.toml"
    sources.write_text(
        "".join(
            f'[[source]]\nkey = "{key}"\nurl = "http://{host}:{port}/{key}"\n\n'
            for key, host in (("arxiv-cs.LG", "127.0.0.1"), ("arxiv-cs.AI", "127.0.0.1"), ("nature", "127.0.0.2"))
        )
    )
    monkeypatch.setenv("ACADEMICHUB_SOURCES_FILE", str(sources))
    run_cli(capsys, monkeypatch, "subscribers", "add", "ada@example.org", "--interests", "quantum machine learning")
    code, out, err = run_cli(capsys, monkeypatch, "run", "--date", "2026-06-22")
    assert code == 3, err
    last = err.strip().splitlines()[-1:]
    assert "Traceback" not in err
    assert "held: every source failed (3 of 3): no server could be reached (no network?)" in last[0]
    assert "`academichub run --from FOLDER`" in last[0] and "`academichub demo`" in last[0]
    assert "arxiv-cs.AI: failed — not tried: cannot reach 127.0.0.1" in out
    assert not (env_settings / "outbox").exists()


# --- the whole-day run ---------------------------------------------------------------------------


def ledger_rows(day: date | None = None) -> list[Delivery]:
    with session_scope(open_database(Settings())) as s:
        query = select(Delivery)
        if day is not None:
            query = query.where(Delivery.edition_date == day)
        return list(s.exec(query).all())


@pytestmark_flows
def test_fresh_database_every_source_failing_and_an_empty_day_give_one_clear_line(env_settings, capsys, monkeypatch):
    from flows.daily import daily_flow

    broken = write(env_settings / "broken", BROKEN)
    run_cli(capsys, monkeypatch, "subscribers", "add", "ada@example.org", "--interests", "quantum machine learning")
    code, out, err = run_cli(capsys, monkeypatch, "run", "--from", str(broken), "--date", "2026-06-23")
    assert code == 3 and "empty vocabulary" not in out + err and "unexpected" not in err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == (
        "error: the edition of 2026-06-23 is held: every source failed (2 of 2); nobody is sent it until a run "
        "of the day succeeds. Run `academichub run --date 2026-06-23` again once the sources work."
    )
    assert "file-a: failed — an HTML page instead of a feed" in out
    assert ledger_rows() == [] and not (env_settings / "outbox").exists()

    # The flow run ends Failed (what ops/alert-on-failure.yaml reacts to), with the reason as its message.
    state = daily_flow(from_paths=[str(broken)], date_="2026-06-23", return_state=True)
    assert state.is_failed() and "is held: every source failed (2 of 2)" in state.message

    code, _, err = run_cli(capsys, monkeypatch, "ingest", "--from", str(broken), "--date", "2026-06-23")
    assert code == 3 and err.strip().splitlines()[-1].startswith("error: the edition of 2026-06-23 is held")
    assert "`academichub ingest --date 2026-06-23`" in err

    # match on a day without papers: one line, no "empty vocabulary".
    code, out, err = run_cli(capsys, monkeypatch, "match", "--interests", "quantum", "--date", "2026-06-23")
    assert code == 1 and err.strip().splitlines() == [
        "The edition of 2026-06-23 has no papers, so there is nothing to match: ingest that day first "
        "(`academichub ingest --date 2026-06-23`)."
    ]

    # A quiet day (arXiv does not announce on Sundays) on a fresh database is not broken: it runs.
    sunday = write(env_settings / "sunday", {"cs.xml": fixture_bytes("arxiv-rss-cs-empty-sunday-xlr-aex.xml")})
    code, out, err = run_cli(capsys, monkeypatch, "run", "--from", str(sunday), "--date", "2026-03-29")
    assert code == 0, err
    assert "no_announcement" in out and "empty vocabulary" not in out + err


@pytestmark_flows
def test_a_broken_day_with_earlier_editions_emails_nobody_and_its_rerun_delivers(env_settings, capsys, monkeypatch):
    from flows.daily import daily_flow

    for address in ("ada@example.org", "lin@example.org"):
        run_cli(capsys, monkeypatch, "subscribers", "add", address, "--interests", "variational quantum circuits")
    good = write(env_settings / "mon", {"lg.xml": arxiv_feed("cs.LG", MON, ids_for(MON, 6))})
    code, out, err = run_cli(capsys, monkeypatch, "run", "--from", str(good), "--date", MON.isoformat())
    assert code == 0 and "Wrote 2 briefing(s)" in out, out + err

    broken = write(env_settings / "broken", BROKEN)
    code, out, err = run_cli(capsys, monkeypatch, "run", "--from", str(broken), "--date", TUE.isoformat())
    assert code == 3 and "is held: every source failed (2 of 2)" in err
    assert ledger_rows(TUE) == [] and not (env_settings / "outbox" / TUE.isoformat()).exists()
    # A run that skips the ingest does not send a held day either.
    state = daily_flow(date_=TUE.isoformat(), skip_ingest=True, return_state=True)
    assert state.is_failed() and "found by an earlier ingest" in state.message and ledger_rows(TUE) == []

    # Same day, the feeds work again: every reader gets the day's email, with papers.
    fixed = write(env_settings / "tue", {"lg.xml": arxiv_feed("cs.LG", TUE, ids_for(TUE, 6))})
    code, out, err = run_cli(capsys, monkeypatch, "run", "--from", str(fixed), "--date", TUE.isoformat())
    assert code == 0 and "Wrote 2 briefing(s)" in out, out + err
    rows = ledger_rows(TUE)
    assert sorted(r.state for r in rows) == ["sent", "sent"]
    assert len(list((env_settings / "outbox" / TUE.isoformat()).glob("*.eml"))) == 2
    assert all("papers)" in line and "(en, 0 papers)" not in line for line in out.splitlines() if "@" in line)


# --- the production path: prepare-edition + deliver-due ---------------------------------------------


@pytestmark_flows
def test_prepare_edition_fails_on_a_broken_day_and_deliver_due_sends_none_of_it(
    httpserver, env_settings, capsys, monkeypatch, caplog
):
    from flows.deliver import deliver_due
    from flows.prepare import prepare_edition

    sources = env_settings / "sources.toml"
    sources.write_text(
        f'[[source]]\nkey = "arxiv-cs.LG"\nurl = "{httpserver.url_for("/rss/cs.LG")}"\n\n'
        f'[[source]]\nkey = "reef-letters"\nurl = "{httpserver.url_for("/reef.rss")}"\n'
    )
    monkeypatch.setenv("ACADEMICHUB_SOURCES_FILE", str(sources))
    for address in ("ada@example.org", "lin@example.org"):
        run_cli(
            capsys,
            monkeypatch,
            "subscribers",
            "add",
            address,
            "--interests",
            "variational quantum circuits",
            "--tz",
            "UTC",
            "--hour",
            "7",
        )

    def serve(day: date | None) -> None:
        httpserver.clear()
        if day is None:
            for path in ("/rss/cs.LG", "/reef.rss"):
                httpserver.expect_request(path).respond_with_data("down", status=503, headers={"Retry-After": "0"})
            return
        httpserver.expect_request("/rss/cs.LG").respond_with_data(arxiv_feed("cs.LG", day, ids_for(day, 6)))
        httpserver.expect_request("/reef.rss").respond_with_data(journal_feed("Reef", day, [f"10.5555/r.{day:%d}"]))

    def sent(day: date) -> list[str]:
        return sorted(r.state for r in ledger_rows(day))

    serve(MON)
    monkeypatch.setenv("ACADEMICHUB_NOW", "2026-06-16T00:30:00Z")
    assert prepare_edition(date_=MON.isoformat()).edition_size == 7
    deliver_due(now="2026-06-16T07:05:00+00:00")
    assert sent(MON) == ["sent", "sent"]

    serve(None)  # Tuesday's announcement: every feed answers 503
    monkeypatch.setenv("ACADEMICHUB_NOW", "2026-06-17T00:30:00Z")
    state = prepare_edition(date_=TUE.isoformat(), return_state=True)
    assert state.is_failed() and "is held: every source failed (2 of 2)" in state.message
    caplog.clear()
    deliver_due(now="2026-06-17T07:05:00+00:00")  # the readers' hour comes: nobody gets anything of Tuesday
    assert ledger_rows(TUE) == [] and sent(MON) == ["sent", "sent"]
    assert "The edition of 2026-06-16 is held (every source failed (2 of 2))" in caplog.text

    serve(TUE)  # the feeds work again later that morning: prepare again, and the readers get Tuesday
    monkeypatch.setenv("ACADEMICHUB_NOW", "2026-06-17T09:00:00Z")
    assert prepare_edition(date_=TUE.isoformat(), return_state=True).is_completed()
    deliver_due(now="2026-06-17T09:05:00+00:00")
    assert sent(TUE) == ["sent", "sent"]


def test_the_edition_page_and_api_say_a_day_is_held_until_a_good_rerun(tmp_path):
    """A held day's page says, in the reader's language, that nobody was sent it and why; the API carries
    ``held``; once a rerun lifts the hold both say nothing of it (the API's kept JSON follows)."""
    from fastapi.testclient import TestClient

    from academichub.web.app import create_app

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        outbox_dir=tmp_path / "outbox",
        now="2026-06-19T00:30:00Z",
        _env_file=None,
    )
    for day in (MON, TUE, WED, THU):
        ingest_day(settings, day, usual_day(day))
    held = ingest_day(settings, FRI, usual_day(FRI, {"arxiv-cs.LG": FAILED_503})).held
    assert held
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    en = client.get(f"/editions/{FRI}?lang=en")
    zh = client.get(f"/editions/{FRI}?lang=zh")
    assert en.status_code == zh.status_code == 200
    assert "This edition is held: sources that usually carry 77% of the day" in en.text
    assert "No briefing was sent for it" in en.text
    assert "本期暂缓发送" in zh.text and "尚未向任何读者发送简报" in zh.text
    api = client.get(f"/api/editions/{FRI}").json()
    assert api["held"] == held and api["size"] == 12
    assert client.get(f"/api/editions/{THU}").json()["held"] is None
    assert "This edition is held" not in client.get(f"/editions/{THU}?lang=en").text

    fixed = Settings(
        database_url=settings.database_url, outbox_dir=tmp_path / "outbox", now="2026-06-19T03:00:00Z", _env_file=None
    )
    assert ingest_day(fixed, FRI, usual_day(FRI)).held is None
    assert client.get(f"/api/editions/{FRI}").json()["held"] is None
    assert "This edition is held" not in client.get(f"/editions/{FRI}?lang=en").text
