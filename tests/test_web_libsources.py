"""The preference page's synced library sources (issue 16 part 3): each Zotero library (id, collections,
the key masked) and ORCID iD, its radar, when it last synced and why its last attempt failed, in zh and
en; removing one is a signed form with the CSRF token, as the page's other forms, and takes its papers
out of the radar's library. Real app, real database, FastAPI TestClient. The failures shown are the
sync's own messages (made by ``papers/zotero.py`` and ``openalex.py``), also the check that each one
has its Chinese wording."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from academichub.db import session_scope
from academichub.i18n.syncerrors import sync_error
from academichub.papers.fetch import FetchResult
from academichub.papers.openalex import _failure
from academichub.papers.zotero import SyncError, _checked, _json
from academichub.web.app import create_app
from subscribers.library import library_of
from subscribers.libsources import SourceInput, add_source, rebuild_library, sources_of
from subscribers.models import InterestProfile, Subscriber
from subscribers.radars import add_radar, first_radar
from subscribers.service import ProfileInput, changes_of, upsert_subscriber
from tests.conftest import web_settings

KEY = "Zk4vT9qLm2Xw8Rb7Yc3Np6Ad"  # a well-formed (made-up) Zotero API key
ORCID = "0000-0002-1825-0097"
SYNCED = datetime(2026, 6, 22, 6, 0, tzinfo=UTC)
TRIED = datetime(2026, 6, 23, 6, 0, tzinfo=UTC)


def _error(make) -> str:
    try:
        make()
    except SyncError as exc:
        return str(exc)
    raise AssertionError("no SyncError")


def sync_messages() -> list[str]:
    """Every reason a refresh stores, as the sync words it (the same code paths, no server)."""
    checked = [
        FetchResult("u", status=403),
        FetchResult("u", status=404),
        FetchResult("u", status=429, headers={"retry-after": "120"}),
        FetchResult("u", status=503),
        FetchResult("u", status=302),
        FetchResult("u", status=412),
        FetchResult("u", error="the answer is larger than 5,000,000 bytes"),
        FetchResult("u", error="timed out after 2 attempt(s)"),
    ]
    out = [_error(lambda r=r: _checked(r, "the items from 0")) for r in checked]
    out.append(_error(lambda: _checked(FetchResult("u", status=404), "the deleted items")))
    out.append(_error(lambda: _json(b"[{", "the items from 100")))
    out += [
        str(_failure(429, None, "30", ORCID)),
        str(_failure(404, None, None, ORCID)),
        str(_failure(None, "the answer is larger than 5,000,000 bytes", None, ORCID)),
        str(_failure(500, None, None, ORCID)),
        "no Zotero API key is stored for this library: add it again with --zotero-key",
        "unexpected answer (KeyError)",
    ]
    return out


@pytest.mark.parametrize("message", sync_messages())
def test_every_sync_failure_has_its_chinese_wording(message):
    zh = sync_error(message, "zh")
    assert not zh.startswith("同步失败（原文") and re.search(r"[\u4e00-\u9fff]", zh), (message, zh)
    assert sync_error(message, "en") == message
    for number in re.findall(r"\d[\d,]*", message):  # the facts (status, seconds, sizes, the iD) are kept
        assert number in zh, (message, zh)
    assert sync_error("something new", "zh") == "同步失败（原文：something new）"  # unknown: shown as stored


@pytest.fixture
def site(tmp_path):
    app = create_app(web_settings(tmp_path))
    engine = app.state.ctx.engine
    with session_scope(engine) as s:
        sub, main, _ = upsert_subscriber(s, "ada@example.org", ProfileInput(interests="quantum error correction"))
        own = add_radar(s, sub, "mine", ProfileInput(interests="bosonic codes"), via="cli")
        zotero = add_source(s, sub, main, SourceInput.zotero("475425", KEY, ["9KH9TNSJ"]), via="cli")
        orcid = add_source(s, sub, own, SourceInput.orcid(ORCID), via="cli")
        zotero.items = {
            "AAAA1111": {"id": "2606.12020", "title": "Bosonic codes", "year": 2026, "source": "zotero"},
            "BBBB2222": {"id": "", "title": "Surface codes at scale", "year": 2024, "source": "zotero"},
        }
        zotero.status, zotero.synced_at, zotero.attempted_at, zotero.version = "ok", SYNCED, SYNCED, 100
        orcid.items = {
            "doi:10.1/x": {"id": "doi:10.1/x", "title": "My bosonic paper", "year": 2025, "source": "openalex"}
        }
        orcid.status, orcid.synced_at, orcid.attempted_at = "failed", SYNCED, TRIED
        orcid.error = str(_failure(429, None, "30", ORCID))
        s.add_all([zotero, orcid])
        s.commit()
        rebuild_library(s, sub, main, via="library-sync")
        rebuild_library(s, sub, own, via="library-sync")
        ids = (sub.id, zotero.id, orcid.id, main.id)
        token = app.state.ctx.tokens.sign("preferences", {"s": sub.id, "k": sub.link_key})
    return app, TestClient(app, raise_server_exceptions=False), token, ids


def text_of(page) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def csrf_of(page) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_the_page_lists_each_source_with_its_masked_key_last_sync_and_last_error(site):
    _app, client, t, _ids = site
    en = client.get(f"/preferences?t={t}&lang=en")
    text = text_of(en)
    assert en.status_code == 200 and "Synced sources" in text
    assert f"Zotero library users/475425 (key ****{KEY[-4:]}) · collections 9KH9TNSJ · radar “main”" in text
    assert "2 papers; last synced 2026-06-22 06:00 UTC" in text
    assert f"ORCID iD {ORCID} · radar “mine”" in text and "1 paper; last synced 2026-06-22 06:00 UTC" in text
    assert (
        "The last attempt (2026-06-23 06:00 UTC) failed: OpenAlex is limiting requests (HTTP 429; it asked to wait "
        "30 s): tried again later. The papers of the last sync are kept." in text
    )
    assert KEY not in en.text and KEY[:-4] not in en.text  # the key never reaches the page
    zh = text_of(client.get(f"/preferences?t={t}&lang=zh"))
    assert "同步来源" in zh and f"Zotero 文库 users/475425（密钥 ****{KEY[-4:]}） · 收藏夹 9KH9TNSJ · 雷达“main”" in zh
    assert "2 篇论文；上次同步于 2026-06-22 06:00 UTC" in zh and f"ORCID iD {ORCID} · 雷达“mine”" in zh
    assert "最近一次尝试（2026-06-23 06:00 UTC）失败：OpenAlex 正在限制请求（HTTP 429，要求等待 30 秒）：稍后重试" in zh


def test_removing_a_source_takes_its_papers_out_and_is_recorded(site):
    app, client, t, (sub_id, zotero_id, orcid_id, main_id) = site
    page = client.get(f"/preferences?t={t}&lang=en")
    assert f'name="source" value="{zotero_id}"' in page.text
    done = client.post(
        "/preferences/library/sources/remove?lang=en", data={"t": t, "csrf": csrf_of(page), "source": zotero_id}
    )
    assert done.status_code == 200
    assert (
        f"Removed Zotero library users/475425 (key ****{KEY[-4:]}) · collections 9KH9TNSJ; the radar “main” now "
        "holds 0 papers." in text_of(done)
    )
    assert f'id="source-{zotero_id}"' not in done.text and f'id="source-{orcid_id}"' in done.text
    with session_scope(app.state.ctx.engine) as s:
        assert [src.id for src in sources_of(s, sub_id)] == [orcid_id]
        main = s.get(InterestProfile, main_id)
        assert main is not None and library_of(main) == []  # its papers left the radar's library
        last = changes_of(s, sub_id)[-1]
    assert last.via == "preferences-link" and KEY not in str(last.changes)
    zh = client.post(
        "/preferences/library/sources/remove?lang=zh", data={"t": t, "csrf": csrf_of(page), "source": orcid_id}
    )
    assert zh.status_code == 200 and f"已删除 ORCID iD {ORCID}；雷达“mine”现有 0 篇论文。" in text_of(zh)
    assert "没有同步来源" in text_of(zh)


def test_the_remove_form_refuses_forged_tampered_and_other_readers_requests(site):
    app, client, t, (sub_id, zotero_id, orcid_id, _main) = site
    page = client.get(f"/preferences?t={t}&lang=en")
    csrf = csrf_of(page)
    url = "/preferences/library/sources/remove?lang=en"
    assert client.post(url, data={"t": t, "csrf": "", "source": zotero_id}).status_code == 403
    assert TestClient(app).post(url, data={"t": t, "csrf": csrf, "source": zotero_id}).status_code == 403  # no cookie
    bad = client.post(url, data={"t": t[:-4] + "AAAA", "csrf": csrf, "source": zotero_id})
    assert bad.status_code == 400 and "The link is incomplete or was changed" in text_of(bad)
    with session_scope(app.state.ctx.engine) as s:  # another reader's source: its id proves nothing
        bob, bob_main, _ = upsert_subscriber(s, "bob@example.org", ProfileInput(interests="qubits"))
        theirs = add_source(s, bob, bob_main, SourceInput.orcid("0000-0001-5109-3700"), via="cli")
        theirs_id = theirs.id
    for raw in (theirs_id, "x", 999_999):
        refused = client.post(url, data={"t": t, "csrf": csrf, "source": raw})
        assert refused.status_code == 422 and "That source is no longer there" in text_of(refused)
    with session_scope(app.state.ctx.engine) as s:
        kept = {src.id for src in sources_of(s, sub_id)} | {src.id for src in sources_of(s, bob.id)}
        reader = s.get(Subscriber, sub_id)
        assert reader is not None and first_radar(s, reader.key) is not None
    assert kept == {zotero_id, orcid_id, theirs_id}
