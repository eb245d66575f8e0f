"""Every page and every email, rendered in Chinese, says nothing in English and shows no raw catalogue key
(issue 14). The check removes the data (paper titles, abstracts, authors, labels a reader typed) and then
looks for (1) raw keys such as ``delivery_hour``, (2) any phrase of the English catalogues, (3) any other
ASCII word that is neither data nor allow-listed."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from academichub import i18n
from academichub.briefing.compose import CitedText, Pieces, ThemeText, briefing_record, compose, first_sentences
from academichub.db import session_scope
from academichub.delivery import ledger
from academichub.editions.edition import read_edition
from academichub.mail.render import (
    Links,
    render_briefing,
    render_confirmation,
    render_fresh_link,
    render_saved,
    render_welcome,
)
from academichub.matching.match import ProfileSpec
from academichub.matching.profiles import build_matcher
from academichub.models import Edition, FetchLog, Paper
from academichub.papers.catalogue import bundled_catalogue
from academichub.papers.library import parse_library
from academichub.settings import SAMPLE_DAY_DIR
from academichub.web.app import create_app
from academichub.web.editions import split_abstract
from subscribers.libsources import SourceInput, add_source
from subscribers.models import Subscriber
from subscribers.radars import first_radar
from subscribers.service import ProfileInput, upsert_subscriber
from tests.conftest import FIXTURES, ingest_paths, seeded_copy, web_settings

DAY = date(2026, 6, 22)
# A library with one paper and entries that cannot be read (their reasons are worded in Chinese on the page).
BIBTEX = (
    b"@article{smith2020, title={Quantum codes on surfaces}, year={2020}}\n@article{nothing, author={Nobody}}\n"
    b"@article{twice, title={A}, title={B}}\n"
)
HELD = "every source failed or is suspect (3 of 3)"
BROKEN = (  # (source, health, the fetch log's note) and the words a Chinese reader gets before the raw note
    ("arxiv-cs", "failed", "HTTP 503 Service Unavailable after 3 attempt(s)", "服务器返回 HTTP 503 错误"),
    ("medrxiv", "failed", "timed out after 2 attempt(s)", "连接超时"),
    ("biorxiv", "failed", "network error after 2 attempt(s): cannot reach api.biorxiv.org: refused", "网络错误"),
    ("nature", "failed", "an HTML page instead of a feed ('Maintenance')", "返回的不是订阅源"),
    ("science", "suspect", "only 3 items; it usually lists about 40", "仅 3 篇，通常约 40 篇"),
)
# What the forms below are sent: shown back to the reader as typed (data).
TYPED = ["'not-an-address'", "'Mars/Olympus'", "'no-such-field'", "'tomorrow'", "'fr'", "'hourly'", "'maybe'"]
OLD_DAY = date(2026, 6, 19)
FAILED_DAY = date(2026, 6, 18)  # its one source (a README given to ingest) is plain text: every source failed
# Product and format names, and units, that a Chinese page writes as they are.
ALLOWED = {
    "AcademicHub",
    "arXiv",
    "DOI",
    "PDF",
    "RSS",
    "IANA",
    "KB",
    "HTTP",
    "UTC",
    "LLM",
    "bioRxiv",
    "medRxiv",
    "OpenAlex",
}
KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
PHRASE = re.compile(r"[A-Za-z][A-Za-z'’\-]*(?:[ \-][A-Za-z][A-Za-z'’\-]*)*")


def catalogues() -> list[tuple[str, dict[str, dict[str, str]]]]:
    return [(name, getattr(i18n, name)) for name in i18n.CATALOGUES]


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible(markup: str) -> str:
    """The text a reader sees: no tags, attributes, styles or comments."""
    parser = _Visible()
    parser.feed(markup)
    return " ".join(parser.parts)


def _ui_phrases() -> dict[str, str]:
    """English phrase -> the catalogue key it comes from: the literal parts of every English value that
    the Chinese catalogues do not also use on purpose (the tagline, example names)."""
    zh_text = " ".join(v for _, cat in catalogues() for v in cat["zh"].values())
    out: dict[str, str] = {}
    for name, cat in catalogues():
        for key, value in cat["en"].items():
            for part in re.split(r"\{[^}]*\}", value):
                for phrase in PHRASE.findall(part):
                    words = phrase.split()
                    if (
                        (len(words) >= 2 or (len(phrase) >= 4 and phrase[0].isupper()))
                        and phrase not in ALLOWED
                        and phrase not in zh_text
                    ):
                        out.setdefault(phrase, f"{name}[{key!r}]")
    return out


UI_PHRASES = _ui_phrases()
ZH_WORDS = {w for _, cat in catalogues() for v in cat["zh"].values() for w in WORD.findall(v)}


def problems(text: str, data: list[str], vocabulary: set[str], *, markup: bool = True) -> list[str]:
    """What is wrong with one rendered Chinese page or email part."""
    text = visible(text) if markup else text
    text = html.unescape(text)
    text = re.sub(r"https?://\S+|\S+@\S+", " ", text)
    for item in sorted({d.strip() for d in data if d and d.strip()}, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z]){re.escape(item)}(?![A-Za-z])", " ", text)
    joined = " ".join(data)
    found = [f"raw key {k!r}" for k in sorted({m.group(0) for m in KEY.finditer(text)}) if k not in joined]
    found += [f"ASCII punctuation in Chinese {p!r}" for p in sorted(set(re.findall(r"[\u4e00-\u9fff”）][:;]", text)))]
    for phrase, where in UI_PHRASES.items():
        if re.search(rf"(?<![A-Za-z\-]){re.escape(phrase)}(?![A-Za-z\-])", text):
            found.append(f"English UI string {phrase!r} ({where})")
    stray = {w for w in WORD.findall(text) if len(w) >= 3} - ALLOWED - ZH_WORDS - vocabulary
    found += [f"English word {w!r}" for w in sorted(stray)]
    return found


def _words(texts) -> set[str]:
    return {w for t in texts for w in WORD.findall(str(t or ""))}


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory) -> Path:
    """The sample day, and a broken older day (held, one feed failed, one timed out, one suspect)."""
    folder = tmp_path_factory.mktemp("zh-site")
    app = create_app(web_settings(folder))
    engine = app.state.ctx.engine
    ingest_paths(app, [SAMPLE_DAY_DIR], DAY)
    ingest_paths(app, [FIXTURES / "nature-rss-dakesan.xml"], OLD_DAY)
    readme = folder / "README.md"
    readme.write_text("# AcademicHub\n\nOn a fresh machine, clone and install.\n", encoding="utf-8")
    ingest_paths(app, [readme], FAILED_DAY)
    for day in (DAY, OLD_DAY):
        read_edition(engine, day)
    with session_scope(engine) as s:  # a broken day: held, one feed failed, one timed out, one suspect
        held = s.get(Edition, OLD_DAY)
        assert held is not None
        held.held = HELD
        for key, health, error, _zh in BROKEN:
            s.add(
                FetchLog(
                    run_id="r1", edition_date=OLD_DAY, source_key=key, url="https://x.test/", health=health, error=error
                )
            )
        s.commit()
    engine.dispose()
    return folder / "web.db"


@pytest.fixture
def site(tmp_path, seeded_db):
    seeded_copy(seeded_db, tmp_path)
    settings = web_settings(tmp_path)
    app = create_app(settings)
    return app, TestClient(app, raise_server_exceptions=False), settings


def data_of(app) -> tuple[list[str], set[str]]:
    """The data a page may show (papers, catalogue labels, sources): strings to remove, and their words."""
    with session_scope(app.state.ctx.engine) as s:
        papers = s.exec(select(Paper)).all()
        texts: list[str] = []
        for p in papers:
            abstract = " ".join((p.abstract or "").split())
            texts += [p.title, abstract, *split_abstract(abstract), first_sentences(abstract), *(p.authors or [])]
            texts += list(p.categories or [])
    catalogue = bundled_catalogue()
    for g in catalogue.groups:
        texts += [g.label_en, g.label_zh]
        for e in catalogue.in_group(g.key):
            texts += [e.key, e.label("en"), e.label("zh")]
    for day in (DAY, OLD_DAY):
        edition = read_edition(app.state.ctx.engine, day)
        for card in edition.cards.values():
            abstract = " ".join((card.abstract or "").split())
            texts += [
                card.title,
                card.source_label,
                *card.authors,
                *card.categories,
                abstract,
                *split_abstract(abstract),
            ]
        for t in edition.themes:
            texts += [", ".join(t.label), *t.label, *t.categories, *t.sources]
    return texts, _words(texts)


def zh_reader(app, email="ada@example.org", **kw) -> Subscriber:
    with session_scope(app.state.ctx.engine) as s:
        sub, _, _ = upsert_subscriber(s, email, ProfileInput(interests="量子计算", language="zh", **kw))
        return sub


def link(app, purpose: str, sub: Subscriber, **extra) -> str:
    return app.state.ctx.tokens.sign(purpose, {"s": sub.id, "k": sub.link_key, **extra})


def zh_briefing(app, email="ada@example.org", *, period_start=None):
    engine = app.state.ctx.engine
    edition = read_edition(engine, DAY)
    matches = build_matcher(engine, edition, "tfidf").match(
        [ProfileSpec(key=email, interests="quantum computing", keywords=["quantum"])]
    )[email]
    pieces = Pieces(
        themes={
            0: ThemeText(
                ["quantum", "qubit"],
                ["computer science", "medicine", "physics"],
                True,
                {"zh": CitedText("这些论文都研究量子计算。")},
            )
        }
    )
    themes_of = {m.paper_id: 0 for m in matches[:2]}
    return compose(
        email=email,
        name="Ada",
        language="zh",
        interests="量子计算",
        edition_date=DAY,
        edition_size=len(edition.facts),
        matches=matches,
        cards=edition.cards,
        wanted=30,
        pieces=pieces,
        themes_of=themes_of,
        period_start=period_start,
    )


def test_the_catalogues_have_the_same_keys():
    for name, cat in catalogues():
        assert set(cat) == {"en", "zh"}, name
        assert set(cat["en"]) == set(cat["zh"]), f"{name}: {set(cat['en']) ^ set(cat['zh'])}"
        for key, value in cat["zh"].items():  # Chinese fills in nothing the English text is not given
            assert set(re.findall(r"\{\w*\}", value)) <= set(re.findall(r"\{\w*\}", cat["en"][key])), (name, key)


def test_the_check_finds_raw_keys_and_english():
    """The check can fail: an untranslated value, a raw key and a stray English word are each reported."""
    assert "English UI string 'Why this paper' (STRINGS['why'])" in problems("<p>Why this paper：x</p>", [], set())
    assert "raw key 'delivery_hour'" in problems("<p>发送时间 delivery_hour</p>", [], set())
    assert "English word 'zone'" in problems("<p>unknown time zone</p>", [], set())
    assert problems('<p title="delivery_hour">时区</p><style>.a_b{}</style>', [], set()) == []  # attributes, CSS
    assert problems("<p>作者：Ada Lovelace</p>", ["Ada Lovelace"], set()) == []  # data is data
    assert problems("作者：Ada Lovelace", [], {"Ada", "Lovelace"}, markup=False) == []


def test_every_page_in_chinese(site):
    app, client, _settings = site
    data, vocabulary = data_of(app)
    sub = zh_reader(app, categories=["quant-ph"])
    pending = zh_reader(app, "pending@example.org")
    with session_scope(app.state.ctx.engine) as s:
        row = s.get(Subscriber, pending.id)
        assert row is not None
        row.status = "pending"
        s.add(row)
        s.commit()
    b = zh_briefing(app)
    with session_scope(app.state.ctx.engine) as s:
        drow = ledger.prepare(s, DAY, [sub.key])[sub.key]
        ledger.finish_many(
            s, [{"id": drow.id, "state": "sent", "reason": None, "message_id": "m", "content": briefing_record(b)}]
        )
    data += [it.summary for it in b.items] + [t for it in b.items for t in it.summaries] + ["Ada", "量子计算", "main"]
    data += [r for it in b.items for r in it.reasons]  # checked below, part by part
    data += TYPED + [k for k, *_ in BROKEN] + ["file-readme"]  # source keys (not the raw notes: worded in Chinese)
    pages: dict[str, str] = {}
    pages["signup"] = client.get("/subscribe").text
    pages["signup errors"] = client.post(
        "/subscribe", data={"email": "not-an-address", "interests": "", "language": "fr"}
    ).text
    pages["signup done"] = client.post(
        "/subscribe", data={"email": "new@example.org", "interests": "量子计算", "language": "zh"}
    ).text
    pages["confirm"] = client.get(f"/confirm?t={link(app, 'confirm', pending)}").text
    pages["confirmed"] = client.post(f"/confirm?t={link(app, 'confirm', pending)}").text
    t = link(app, "preferences", sub)
    page = client.get(f"/preferences?t={t}")
    pages["preferences"] = page.text
    found_csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found_csrf is not None
    csrf = found_csrf.group(1)
    form = {
        "t": t,
        "csrf": csrf,
        "interests": "量子计算",
        "language": "zh",
        "timezone": "Mars/Olympus",
        "delivery_hour": "25",
        "frequency": "weekly",
        "weekly_day": "someday",
        "papers_per_email": "99",
        "empty_day": "short",
        "categories": ["no-such-field"],
        "paused_until": "tomorrow",
    }
    pages["preferences errors"] = client.post("/preferences", data=form).text
    pages["preferences errors 2"] = client.post(
        "/preferences",
        data={
            **form,
            "timezone": "Asia/Shanghai",
            "delivery_hour": "x",
            "papers_per_email": "0",
            "weekly_day": "tue",
            "categories": [],
            "language": "fr",
            "frequency": "hourly",
            "empty_day": "maybe",
            "paused_until": "2020-01-01",
        },
    ).text
    pages["preferences saved"] = client.post(
        "/preferences",
        data={
            **form,
            "timezone": "Europe/Berlin",
            "delivery_hour": "9",
            "weekly_day": "fri",
            "papers_per_email": "12",
            "categories": ["quant-ph", "cs.AI"],
            "empty_day": "none",
            "paused_until": (app.state.ctx.settings.clock.today() + timedelta(days=30)).isoformat(),  # the app's clock
            "name": "Ada",
        },
    ).text
    pages["radar error"] = client.post(
        "/preferences/radars/add", data={"t": t, "csrf": csrf, "name": "!!", "interests": ""}
    ).text
    library = parse_library(BIBTEX, "文献.bib")  # what the page may show of the file: data
    # The reasons are worded in Chinese; the file's name, entry keys and a field name are the file's own.
    data += [e.title for e in library.entries] + ["文献.bib", "title", "'nothing'", "'twice'"]
    upload = {"t": t, "csrf": csrf}
    pages["library uploaded"] = client.post(
        "/preferences/library", data=upload, files={"library": ("文献.bib", BIBTEX, "text/plain")}
    ).text
    pages["library no file"] = client.post("/preferences/library", data=upload).text
    pages["library unreadable"] = client.post(
        "/preferences/library", data=upload, files={"library": ("x.bin", b"\x00\x01", "application/octet-stream")}
    ).text
    with session_scope(app.state.ctx.engine) as s:  # synced sources: a Zotero library and an ORCID iD that failed
        reader, main = s.get(Subscriber, sub.id), first_radar(s, sub.key)
        assert reader is not None and main is not None
        zotero = add_source(
            s, reader, main, SourceInput.zotero("475425", "Zk4vT9qLm2Xw8Rb7Yc3Np6Ad", ["9KH9TNSJ"]), via="cli"
        )
        orcid = add_source(s, reader, main, SourceInput.orcid("0000-0002-1825-0097"), via="cli")
        orcid.status, orcid.attempted_at = "failed", datetime(2026, 6, 22, 6, 0, tzinfo=UTC)
        orcid.error = "OpenAlex did not accept the query for ORCID 0000-0002-1825-0097 (HTTP 404)"
        s.add(orcid)
        s.commit()
        zotero_id = zotero.id
    data += ["users/475425", "9KH9TNSJ", "0000-0002-1825-0097", "****6Ad", "****p6Ad"]
    pages["library sources"] = client.get(f"/preferences?t={t}").text
    pages["library source removed"] = client.post(
        "/preferences/library/sources/remove", data={"t": t, "csrf": csrf, "source": zotero_id}
    ).text
    pages["library source gone"] = client.post(
        "/preferences/library/sources/remove", data={"t": t, "csrf": csrf, "source": zotero_id}
    ).text
    rate = client.get(f"/preferences/rate?t={t}")
    pages["rate"] = rate.text
    rate_form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', rate.text))
    pages["rate none chosen"] = client.post("/preferences/rate", data={**rate_form, "v0": "0"}).text
    pages["rate saved"] = client.post("/preferences/rate", data={**rate_form, "v0": "1", "v1": "-1"}).text
    pages["rate stale"] = client.post("/preferences/rate", data={**rate_form, "offer": "x", "v0": "1"}).text
    pages["forged"] = TestClient(app).post("/preferences", data={**form, "csrf": ""}).text
    pages["bad link"] = client.get("/preferences?t=nonsense").text
    pages["unsubscribe"] = client.get(f"/unsubscribe?t={link(app, 'unsubscribe', sub)}").text
    ft = link(app, "feedback", sub, d=DAY.isoformat())
    paper = b.items[0].paper.id
    pages["feedback ask"] = client.get(f"/feedback?t={ft}&p={paper}&v=1").text
    pages["feedback done"] = client.post("/feedback", data={"t": ft, "p": paper, "v": "-1"}).text
    pages["feedback undone"] = client.post("/feedback/undo", data={"t": ft, "p": paper, "v": "-1"}).text
    pages["feedback not in email"] = client.get(f"/feedback?t={ft}&p=nope&v=1").text
    pages["edition"] = client.get("/").text
    pages["edition broken day"] = client.get(f"/editions/{OLD_DAY.isoformat()}").text
    pages["edition failed day"] = client.get(f"/editions/{FAILED_DAY.isoformat()}").text
    theme = read_edition(app.state.ctx.engine, DAY).themes[0]
    pages["edition theme"] = client.get(f"/editions/{DAY.isoformat()}?theme={theme.id}").text
    pages["view"] = client.get(f"/view?t={link(app, 'view', sub, d=DAY.isoformat())}").text
    pages["view gone"] = client.get(f"/view?t={link(app, 'view', pending, d=DAY.isoformat())}").text
    pages["404"] = client.get("/no/such/page").text
    pages["no such day"] = client.get("/editions/1999-01-01").text
    pages["unsubscribed"] = client.post(f"/unsubscribe?t={link(app, 'unsubscribe', sub)}").text
    assert (
        all(zh in pages["edition broken day"] for *_, zh in BROKEN)
        and "全部 3 个来源获取失败或异常" in pages["edition broken day"]
    )
    failed = visible(pages["edition failed day"])
    assert "全部 1 个来源获取失败" in failed and "返回的不是订阅源" in failed, failed
    assert "every source" not in failed and "not a feed" not in failed and "AcademicHub\n" not in failed
    assert "跨领域 · 计算机科学 + " in pages["view"] and "周五</option>" in pages["preferences"]
    assert (
        "读取 2 篇论文" in pages["library uploaded"]
        and "字段 title 出现两次" in pages["library uploaded"]
        and pages["rate"].count('class="paper"') == 10
    )
    assert "同步来源" in pages["library sources"] and "OpenAlex 不接受" in pages["library sources"]
    assert "已删除 Zotero 文库" in pages["library source removed"] and "该来源已不存在" in pages["library source gone"]
    assert "已保存 2 个评分" in pages["rate saved"] and "为十篇论文打分" in pages["confirmed"]
    assert "未知的时区 'Mars/Olympus'" in html.unescape(pages["preferences errors"])
    assert "每封邮件的论文数须为 1–30 篇，不能是 99" in pages["preferences errors"]
    saved = re.sub(r"\s+", "", visible(pages["preferences saved"]))
    assert "发送时间：07:00→09:00" in saved and "每周简报的发送日：" in saved and "频率：每日→每周简报" in saved
    found = {name: problems(text, data, vocabulary) for name, text in pages.items()}
    bad = {k: v for k, v in found.items() if v}
    assert not bad, "\n".join(f"{k}: {v}" for k, v in bad.items())


def test_every_email_in_chinese(site):
    app, _client, _settings = site
    data, vocabulary = data_of(app)
    templates = app.state.ctx.email_templates
    links = Links(
        preferences="https://x.test/p",
        unsubscribe="https://x.test/u",
        contact="help@example.org",
        view="https://x.test/v",
        confirm="https://x.test/c",
        rate="https://x.test/r",
    )
    b = zh_briefing(app)
    digest = zh_briefing(app, period_start=DAY - timedelta(days=6))
    empty = compose(
        email="ada@example.org",
        name="",
        language="zh",
        interests="量子计算",
        edition_date=DAY,
        edition_size=39,
        matches=[],
        cards={},
        wanted=8,
    )
    data += [t for x in (b, digest) for it in x.items for t in (it.summary, *it.summaries, *it.reasons)]
    data += ["Ada", "量子计算"]
    # what the preference page's save reports (field, before, after), as apply_profile returns it
    changes = [
        ("timezone", "UTC", "Asia/Shanghai"),
        ("delivery_hour", "7", "9"),
        ("papers_per_email", "8", "12"),
        ("frequency", "daily", "weekly"),
        ("weekly_day", "", "fri"),
        ("language", "en", "zh"),
        ("empty_day", "short", "none"),
        ("paused_until", "", "2026-07-01"),
        ("status", "active", "paused"),
        ("categories", "", "quant-ph, cs.AI"),
        ("interests", "", "量子计算"),
        ("name", "", "Ada"),
    ]
    emails = {
        "briefing": render_briefing(b, templates, links),
        "digest": render_briefing(digest, templates, links),
        "empty": render_briefing(empty, templates, links),
        "confirmation": render_confirmation("zh", templates, interests="量子计算", links=links, today=DAY),
        "saved": render_saved(
            "zh", templates, name="Ada", changes=changes, interests="量子计算", links=links, today=DAY
        ),
        "fresh link": render_fresh_link("zh", templates, name="Ada", links=links, today=DAY),
        "welcome": render_welcome("zh", templates, name="Ada", interests="量子计算", links=links, today=DAY),
    }
    assert "计算机科学 + 医学 + 物理学" in emails["briefing"].text
    found = {}
    for name, m in emails.items():
        found[f"{name} (subject)"] = problems(m.subject, data, vocabulary, markup=False)
        found[f"{name} (html)"] = problems(m.html, data, vocabulary)
        found[f"{name} (text)"] = problems(m.text, data, vocabulary, markup=False)
    bad = {k: v for k, v in found.items() if v}
    assert not bad, "\n".join(f"{k}: {v}" for k, v in bad.items())
