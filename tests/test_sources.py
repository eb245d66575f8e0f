"""Any field a reader chooses (issue 17, part 3): the source catalogue, the day's fetch plan, and a
reader of math.PR and a reader of Nature Medicine each getting their briefing.

The feeds are recorded real responses (tests/fixtures/SOURCES.md). There is no recorded math.PR or
Nature Medicine feed, so those two are made from the real cs.AI and Nature feeds by renaming the
channel (and the cs.AI items' own category) and nothing else; see ``math_pr_feed`` and ``nature_medicine_feed``.
"""

from __future__ import annotations

import json
import re
from datetime import date
from email import policy
from email.parser import BytesParser

import httpx
import pytest
from sqlmodel import select

from academichub.db import open_database, session_scope
from academichub.models import Paper
from academichub.papers.catalogue import CatalogueError, bundled_catalogue, parse_catalogue
from academichub.papers.fetch import Fetcher
from academichub.papers.ingest import Document, ingest_documents, run_ingest
from academichub.papers.plan import build_plan
from academichub.papers.sources import load_sources, paper_facets
from academichub.settings import Settings, load_settings
from tests.conftest import fixture_bytes, run_cli
from tests.daygen import arxiv_feed, ids_for

DAY = date(2026, 4, 27)  # the day of the recorded arXiv feeds (a Monday)
CJK = re.compile(r"[\u4e00-\u9fff]")


def math_pr_feed() -> bytes:
    """The real cs.AI feed of 2026-04-27 as math.PR would list it: the channel and each item's cs.AI
    category renamed; the other categories (its cross-lists) kept, so 2604.21935 stays in cs.AI's feed too."""
    body = fixture_bytes("arxiv-rss-csAI-jmamath-trimmed.xml")
    body = body.replace(b"<category>cs.AI</category>", b"<category>math.PR</category>")
    return re.sub(
        rb"(<channel>.*?)(cs\.AI)(.*?<item>)",
        lambda m: m.group(0).replace(b"cs.AI", b"math.PR"),
        body,
        count=1,
        flags=re.S,
    )


def nature_medicine_feed() -> bytes:
    """The real Nature feed with Nature Medicine's channel name (title and prism:publicationName)."""
    body = fixture_bytes("nature-rss-dakesan.xml")
    return body.replace(b"<title>Nature</title>", b"<title>Nature Medicine</title>", 1).replace(
        b"publicationName>Nature<", b"publicationName>Nature Medicine<"
    )


# --- the catalogue ----------------------------------------------------------------------------------


def test_the_catalogue_has_every_arxiv_archive_the_preprint_subjects_and_twenty_journals():
    cat = bundled_catalogue()
    arxiv = [e for e in cat.entries if e.kind == "arxiv"]
    assert len(arxiv) == 155
    archives = {e.key.split(".")[0] for e in arxiv}
    assert archives == {
        "cs", "econ", "eess", "math", "astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th",
        "math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "q-bio", "q-fin", "quant-ph", "stat",
    }  # fmt: skip
    for key in ("math.PR", "q-bio.NC", "cond-mat.str-el", "cond-mat.mtrl-sci", "astro-ph.CO", "stat.ML", "econ.EM"):
        assert key in cat, key
    assert sum(1 for e in arxiv if e.key.startswith("cs.")) == 40
    assert sum(1 for e in arxiv if e.key.startswith("math.")) == 32
    assert sum(1 for e in arxiv if e.key.startswith("cond-mat.")) == 9
    pr, epi = cat.get("math.PR"), cat.get("medrxiv.epidemiology")
    assert pr is not None and pr.label_zh == "概率论" and pr.url == "https://rss.arxiv.org/rss/math.PR"
    assert all(CJK.search(e.label_zh) for e in cat.entries if e.kind != "journal"), "every field has a Chinese name"
    assert len([e for e in cat.entries if e.kind == "biorxiv"]) >= 27
    assert len([e for e in cat.entries if e.kind == "medrxiv"]) >= 50
    journals = {e.key: e for e in cat.entries if e.kind == "journal"}
    assert len(journals) >= 20
    for key in ("nature", "nature-medicine", "science", "cell", "pnas", "nejm", "the-lancet", "jama", "bmj"):
        assert key in journals, key
    assert journals["physical-review-letters"].url == "https://feeds.aps.org/rss/recent/prl.xml"
    assert journals["nature-medicine"].url == "https://www.nature.com/nm.rss"
    assert all(e.url.startswith("https://") for e in journals.values())
    assert epi is not None and epi.subject == "epidemiology"
    # Today's values stay valid: the bundled sources' arXiv categories and their other keys.
    assert {"cs.CV", "cs.LG", "quant-ph", "medrxiv", "science", "nature"} <= cat.keys


@pytest.mark.parametrize(
    "line, message",
    [
        ("math.PR\tarxiv\tProbability\t概率论\t", "an entry before the first @group"),
        ("@group\tg\tG\t组\nmath.PR\tarxiv\tProbability\t\t", "needs an English and a Chinese label"),
        ("@group\tg\tG\t组\nx\tpreprint\tX\t叉\t", "unknown kind 'preprint'"),
        ("@group\tg\tG\t组\nnature-med\tjournal\tNature Medicine\t自然医学\thttps://x.org/a.rss", "'nature-medicine'"),
        ("@group\tg\tG\t组\nj\tjournal\tJ\t杂志\tjavascript:alert(1)", "needs an http(s) feed URL"),
        ("@group\tg\tG\t组\nmath.PR\tarxiv\tProbability\t概率论\t\nmath.PR\tarxiv\tP\t概率\t", "appears twice"),
    ],
)
def test_a_bad_catalogue_line_is_refused_with_its_line_number(line, message):
    with pytest.raises(CatalogueError, match=re.escape(message)):
        parse_catalogue(line, origin="cat.tsv")


def test_journal_and_subject_papers_answer_to_their_catalogue_keys():
    assert paper_facets([], "journal", ["Nature Medicine"]) == {"nature-medicine"}
    assert "nature" not in paper_facets([], "journal", ["Nature Medicine"])  # no leak into Nature's readers
    assert paper_facets([], "journal", ["Science (Express)"]) == {"science-express", "science"}
    assert paper_facets(["infectious diseases (except hiv/aids)"], "medrxiv", ["medRxiv"]) >= {
        "medrxiv",
        "medrxiv.infectious-diseases-except-hiv-aids",
    }
    assert "medrxiv.infectious-diseases-except-hiv-aids" in bundled_catalogue()


# --- the plan -----------------------------------------------------------------------------------------


def test_the_plan_is_the_defaults_and_what_readers_want_each_feed_once():
    defaults = load_sources(Settings(_env_file=None).sources_file)
    cat = bundled_catalogue()
    wants = [
        ["math.PR", "q-bio.NC"],
        ["math.PR", "nature-medicine"],
        ["cs.CV"],  # a default brings it
        ["medrxiv.epidemiology"],  # the default medRxiv feed (the whole server) brings it
        ["biorxiv.neuroscience", "biorxiv.genomics"],
        ["nature"],
        ["no.such-key"],
    ]
    plan = build_plan(defaults, cat, wants)
    feeds = {f.source.key: f for f in plan.feeds}
    assert [f.source.key for f in plan.feeds[:8]] == [s.key for s in defaults.sources]
    assert all(f.default and not f.source.optional for f in plan.feeds[:8])
    combined = feeds["arxiv-math.PR+q-bio.NC"]
    assert combined.source.url == "https://rss.arxiv.org/rss/math.PR+q-bio.NC" and combined.source.optional
    assert combined.readers == 2 and combined.wanted_by == {"math.PR": 2, "q-bio.NC": 1}
    assert feeds["nature-medicine"].source.url == "https://www.nature.com/nm.rss"
    assert feeds["nature-medicine"].source.label == "Nature Medicine"
    bio = feeds["biorxiv"]
    assert bio.source.subjects == {"neuroscience", "genomics"} and "{date}" in bio.source.url
    assert feeds["arxiv-cs.CV"].readers == 1 and feeds["medrxiv"].wanted_by == {"medrxiv.epidemiology": 1}
    assert feeds["nature"].readers == 1
    assert len(plan.feeds) == 8 + 3 and len({f.source.url for f in plan.feeds}) == len(plan.feeds)
    assert plan.unknown == {"no.such-key": 1}
    # Nobody wants them any more: only the defaults are fetched.
    assert [f.source.key for f in build_plan(defaults, cat, [["cs.CV"]]).feeds] == [s.key for s in defaults.sources]
    # Many categories: combined feeds of at most arxiv_per_feed.
    many = build_plan(defaults, cat, [[e.key for e in cat.entries if e.key.startswith("math.")]], arxiv_per_feed=10)
    extra = [f for f in many.feeds if not f.default]
    assert [len(f.covers) for f in extra] == [10, 10, 10, 2]
    assert all(len(f.source.key) <= 100 for f in extra)


# --- the console ----------------------------------------------------------------------------------------


def test_sources_lists_the_catalogue_and_the_plan_with_its_readers(capsys, monkeypatch, env_settings):
    code, out, err = run_cli(capsys, monkeypatch, "sources", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert len(listed) == len(bundled_catalogue().entries) > 250
    assert {"key": "q-bio.NC", "kind": "arxiv", "group": "arxiv-q-bio", "label_en": "Neurons and Cognition",
            "label_zh": "神经元与认知", "url": "https://rss.arxiv.org/rss/q-bio.NC"} in listed  # fmt: skip
    code, out, _ = run_cli(capsys, monkeypatch, "sources")
    assert code == 0 and "Probability" in out and "概率论" in out and "Nature Medicine" in out

    code, out, _ = run_cli(capsys, monkeypatch, "sources", "--wanted", "--json")
    assert code == 0 and [f["key"] for f in json.loads(out)] == [
        s.key for s in load_sources(load_settings().sources_file).sources
    ]
    assert all(f["default"] and f["readers"] == 0 for f in json.loads(out))
    for address, cats in (("pr@example.org", "math.PR"), ("nm@example.org", "nature-medicine,math.PR")):
        code, _, err = run_cli(
            capsys, monkeypatch, "subscribers", "add", address, "--interests", "x", "--categories", cats
        )
        assert code == 0, err
    code, out, _ = run_cli(capsys, monkeypatch, "sources", "--wanted", "--json")
    feeds = {f["key"]: f for f in json.loads(out)}
    assert feeds["arxiv-math.PR"]["readers"] == 2 and not feeds["arxiv-math.PR"]["default"]
    assert feeds["arxiv-math.PR"]["url"] == "https://rss.arxiv.org/rss/math.PR"
    assert feeds["nature-medicine"]["readers"] == 1 and feeds["nature"]["readers"] == 0
    code, out, _ = run_cli(capsys, monkeypatch, "sources", "--wanted")
    assert code == 0 and "arxiv-math.PR" in out and "math.PR (2)" in out

    code, _, _ = run_cli(capsys, monkeypatch, "subscribers", "delete", "nm@example.org", "--yes")
    code, out, _ = run_cli(capsys, monkeypatch, "sources", "--wanted", "--json")
    assert "nature-medicine" not in {f["key"] for f in json.loads(out)}  # nobody wants it: not fetched


def test_an_unknown_category_names_its_close_matches(capsys, monkeypatch, env_settings):
    code, _, err = run_cli(
        capsys, monkeypatch, "subscribers", "add", "a@example.org", "--interests", "x", "--categories", "math.pr"
    )
    assert code == 2 and "unknown category 'math.pr': did you mean math.PR" in err
    assert "academichub sources" in err and "Traceback" not in err
    code, _, err = run_cli(
        capsys, monkeypatch, "subscribers", "add", "a@example.org", "--interests", "x", "--categories", "Nature-Medicin"
    )
    assert code == 2 and "nature-medicine" in err


# --- the day: a wanted niche feed failing, subjects, dedup across cross-lists -------------------------------


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_a_wanted_feed_failing_is_reported_and_does_not_hold_the_day(db_url):
    settings = Settings(database_url=db_url, _env_file=None)
    engine = open_database(settings)
    lg = arxiv_feed("cs.LG", DAY, ids_for(DAY, 5))
    docs = [
        Document(origin="https://rss.arxiv.org/rss/cs.LG", body=lg, source_key="arxiv-cs.LG"),
        Document(
            origin="math", error="HTTP 503 after 4 attempt(s)", source_key="arxiv-math.PR+q-bio.NC", optional=True
        ),
        Document(origin="https://www.nature.com/nm.rss", error="HTTP 403", source_key="nature-medicine", optional=True),
    ]
    report = ingest_documents(engine, docs, day=DAY, settings=settings)
    assert report.held is None and report.new_papers == 5
    notes = {s.key: s.note for s in report.sources}
    assert "does not hold the day" in notes["nature-medicine"] and notes["arxiv-cs.LG"] == ""
    # The same failures from default sources do hold it.
    for d in docs:
        d.optional = False
    assert ingest_documents(engine, docs, day=date(2026, 4, 28), settings=settings).held


def test_a_preprint_server_read_for_some_subjects_keeps_only_those(settings):
    engine = open_database(settings)
    body = fixture_bytes("medrxiv-api-details-fabianofilho-trimmed.json")
    subjects = frozenset({"neurology", "cardiovascular-medicine"})
    doc = Document(origin="medrxiv", body=body, source_key="medrxiv", optional=True, subjects=subjects)
    report = ingest_documents(engine, [doc], day=DAY, settings=settings)
    assert report.sources[0].items == 2
    with session_scope(engine) as session:
        cats = sorted(c for p in session.exec(select(Paper)).all() for c in p.categories)
    assert cats == ["cardiovascular medicine", "neurology"]


# --- end to end: a math.PR reader and a Nature Medicine reader each get their briefing ----------------------


class FakeTime:
    def __init__(self):
        self.now, self.sleeps = 1000.0, []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def body_of(eml) -> str:
    msg = BytesParser(policy=policy.default).parse(eml.open("rb"))
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


@pytest.mark.usefixtures("prefect_harness")
def test_a_math_pr_reader_and_a_nature_medicine_reader_each_get_their_briefing(capsys, monkeypatch, env_settings):
    from flows.daily import daily_flow

    readers = {
        "pr@example.org": ("mathematical reasoning emerging in communication games", "math.PR"),
        "nm@example.org": (
            "IL-11 signalling, healthspan and lifespan; affordable genetic medicines",
            "nature-medicine",
        ),
    }
    for address, (interests, cats) in readers.items():
        args = ("subscribers", "add", address, "--interests", interests, "--categories", cats)
        code, _, err = run_cli(capsys, monkeypatch, *args)
        assert code == 0, err
    served = {
        "https://rss.arxiv.org/rss/cs.AI": fixture_bytes("arxiv-rss-csAI-jmamath-trimmed.xml"),
        "https://rss.arxiv.org/rss/cs.LG": fixture_bytes("arxiv-rss-csLG-jmamath-trimmed.xml"),
        "https://rss.arxiv.org/rss/math.PR": math_pr_feed(),
        "https://www.nature.com/nm.rss": nature_medicine_feed(),
    }
    asked: list[str] = []
    t = FakeTime()
    arxiv_at: list[float] = []

    def serve(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        asked.append(url)
        if request.url.host == "rss.arxiv.org":
            arxiv_at.append(t.now)
        if url in served:
            return httpx.Response(200, content=served[url])
        return httpx.Response(304)  # the other defaults: unchanged since their last fetch (a quiet source)

    monkeypatch.setenv("ACADEMICHUB_ARXIV_MIN_INTERVAL", "3")
    settings = load_settings()
    fetcher = Fetcher(settings, httpx.Client(transport=httpx.MockTransport(serve)), sleep=t.sleep, clock=t.clock)
    report = run_ingest(settings, open_database(settings), paths=None, day=DAY, fetcher=fetcher)

    assert len(asked) == len(set(asked)) == 10  # 8 defaults + math.PR + Nature Medicine, each once
    assert {"https://rss.arxiv.org/rss/math.PR", "https://www.nature.com/nm.rss"} <= set(asked)
    assert all(b - a >= 3 for a, b in zip(arxiv_at, arxiv_at[1:], strict=False)) and len(arxiv_at) == 6  # one per 3 s
    assert report.held is None
    health = {s.key: s.health for s in report.sources}
    assert health["arxiv-math.PR"] == "ok" and health["nature-medicine"] == "ok"
    with session_scope(open_database(settings)) as session:
        crossed = session.get(Paper, "2604.21935")  # in cs.AI's feed and (renamed) math.PR's
        assert crossed is not None and {"cs.AI", "math.PR", "cs.LG"} <= set(crossed.categories)
        assert len(crossed.source_labels) == 2
        nm = session.exec(select(Paper).where(Paper.server == "journal")).all()
        assert nm and all(p.source_labels == ["Nature Medicine"] for p in nm)

    state = daily_flow(date_=DAY.isoformat(), skip_ingest=True, return_state=True)
    assert state.is_completed(), state.message
    outbox = env_settings / "outbox" / DAY.isoformat()
    emails = {p.name: body_of(p) for p in outbox.glob("*.eml")}
    assert len(emails) == 2, sorted(emails)
    pr = next(v for k, v in emails.items() if k.startswith("pr"))
    nm_mail = next(v for k, v in emails.items() if k.startswith("nm"))
    assert "Math Takes Two" in pr and "Nature Medicine" not in pr
    assert "IL-11" in nm_mail or "genetic medicines" in nm_mail
    assert "Math Takes Two" not in nm_mail
