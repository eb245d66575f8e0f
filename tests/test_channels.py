"""Chat and webhook channels (Apprise): checked when added, masked wherever shown, a message made for
each service within its limit, and the channel ledger's never-twice on every channel.

Nothing here reaches the network: generic webhooks and ntfy point at a local pytest-httpserver; the
services with a fixed host (Feishu, Lark, DingTalk, WeCom, Slack, Telegram, Discord) have their real
requests, as Apprise builds them, redirected at the transport to the same local server, and their
recorded shape (host, path with the token, JSON body) is compared."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from academichub.briefing.compose import Briefing, BriefingItem
from academichub.db import session_scope
from academichub.delivery.channel_ledger import SendResult
from academichub.delivery.channels import classify, message_for, notify
from academichub.mail.chat import ChatMessage, md_escape, render_chat
from academichub.mail.render import Links
from academichub.papers.views import PaperCard
from academichub.settings import Settings
from subscribers.channels import mask_channel, validate_channel
from subscribers.service import SubscriberError
from tests.channel_support import OK, SECRET, add_reader, cli, redirect_requests  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("prefect_harness")


# ---------------------------------------------------------------- validation and masking


def test_a_bad_url_is_refused_naming_its_scheme_and_secrets_are_masked():
    with pytest.raises(SubscriberError, match=r"unsupported channel scheme mailto://"):
        validate_channel("mailto://user:pw@example.org")
    with pytest.raises(SubscriberError, match=r"Feishu URL \(feishu://\)"):
        validate_channel("feishu://")
    with pytest.raises(SubscriberError, match="not an Apprise URL"):
        validate_channel("hooks.example.org/x")
    with pytest.raises(SubscriberError, match=r"local or private address \(127\.0\.0\.1\)"):
        validate_channel("json://127.0.0.1:9/hook")  # a reader may not make the server post to its own network
    assert validate_channel("json://127.0.0.1:9/hook", allow_private=True) == ("json://127.0.0.1:9/hook", "json")
    for url in (
        f"feishu://{SECRET}",
        f"dingtalk://{SECRET}",
        f"wecombot://{SECRET}",
        f"slack://T1JJ3T3L2/A1BRTD4JD/{SECRET}",
        f"tgram://123456789:{SECRET}/12315544/",
        f"discord://4174216298/{SECRET}",
        f"json://user:{SECRET}@hooks.example.org/in/{SECRET}?x={SECRET}",
        f"ntfy://ntfy.sh/{SECRET}",
    ):
        shown = mask_channel(url)
        assert SECRET not in shown and SECRET[:6] not in shown, shown
        assert shown.startswith(url.split("://")[0] + "://"), shown
    assert mask_channel(f"json://hooks.example.org/in/{SECRET}").startswith("json://hooks.example.org/")


# ---------------------------------------------------------------- the message


def briefing(n: int = 12, language: str = "en", title: str = "Paper") -> Briefing:
    items = [
        BriefingItem(
            number=i + 1,
            paper=PaperCard(
                id=f"2606.{i:05d}",
                title=f"{title} {i}",
                source_label="arXiv cs.LG",
                published=date(2026, 6, 22),
                authors=["A. Author"],
                abstract="",
                abs_url=f"https://arxiv.org/abs/2606.{i:05d}",
                pdf_url=None,
                doi_url=None,
            ),
            summary="A first sentence about the result. " * 3,
            reasons=[],
            score=0.5,
        )
        for i in range(n)
    ]
    return Briefing(
        email="r@example.org",
        name="",
        language=language,
        edition_date=date(2026, 6, 22),
        edition_size=100,
        opening="Today (a long opening) " * 10,
        items=items,
    )


def links_for(b: Briefing) -> Links:
    vote = "https://hub.example.org/feedback?t=TOKEN&p="
    return Links(
        preferences="https://hub.example.org/preferences?t=P",
        view="https://hub.example.org/view?t=V",
        feedback={it.paper.id: (f"{vote}{it.paper.id}&v=1", f"{vote}{it.paper.id}&v=-1") for it in b.items},
    )


def small_limit(b: Briefing) -> ChatMessage:
    """A service with a small limit still gets whole papers and the links (the opening gives way)."""
    msg = render_chat(b, links_for(b), body_maxlen=1200, title_maxlen=100, markdown=True)
    assert "**1." in msg.body and "/view?t=V" in msg.body, msg.body
    return msg


MD_LINK = re.compile(r"(?<!\\)\[((?:\\.|[^\]\\])*)\]\(([^)]*)\)")


def test_the_message_fits_the_limit_escapes_feed_text_and_never_cuts_a_link():
    b = briefing(30, title="[x](javascript:alert(1)) *bold*")
    msg = render_chat(b, links_for(b), body_maxlen=2000, title_maxlen=250, markdown=True)  # Discord's limit
    assert len(msg.body) <= 2000 and msg.title.startswith("AcademicHub · 2026-06-22 · ")
    assert r"\[x\](javascript:alert(1))" in msg.title  # the title too: some services show it as Markdown
    found = [(m.group(1), m.group(2)) for m in MD_LINK.finditer(msg.body)]
    assert found and all(h.startswith("https://") for _, h in found)  # no javascript: link, every link whole
    # feed text is never a link's label, and its brackets are escaped
    assert {label for label, _ in found} == {"Read", "👍", "👎", "View in your browser", "Manage preferences"}
    assert r"**1. \[x\](javascript:alert(1)) \*bold\* 0**" in msg.body
    assert "https://hub.example.org/view?t=V" in [h for _, h in found] and "more: the whole briefing" in msg.body
    assert msg.body.count("**") % 2 == 0
    # Telegram: no title field, so the title counts against its 4096
    tg = render_chat(b, links_for(b), body_maxlen=4096, title_maxlen=0, markdown=True)
    assert len(tg.title) + 2 + len(tg.body) <= 4096 and tg.body.count("**") > msg.body.count("**")
    assert len(briefing(30).opening) > 200 and all(len(m.body) <= 1200 for m in [small_limit(b)])
    small = render_chat(briefing(2), links_for(briefing(2)), body_maxlen=32768, title_maxlen=250, markdown=True)
    assert "more:" not in small.body and small.body.count("👍") == 2
    zh = render_chat(briefing(3, "zh"), Links(), body_maxlen=19985, title_maxlen=0, markdown=False)
    assert zh.title.startswith("AcademicHub 每日简报 · 2026-06-22") and "**" not in zh.body
    assert "https://arxiv.org/abs/2606.00000" in zh.body  # plain text: the bare link
    assert md_escape("a_b [c](d)") == r"a\_b \[c\](d)" and md_escape("# h") == r"\# h"


def test_a_service_without_markdown_gets_plain_text_within_its_own_limit():
    b = briefing(30)
    feishu = message_for(f"feishu://{SECRET}", b, links_for(b))
    discord = message_for(f"discord://4174216298/{SECRET}", b, links_for(b))
    assert feishu is not None and discord is not None
    assert not feishu.markdown and discord.markdown
    assert len(discord.body) <= 2000 < len(feishu.body) <= 19985


# ---------------------------------------------------------------- every kind's request


KINDS = [
    (
        f"feishu://{SECRET}",
        f"https://open.feishu.cn/open-apis/bot/v2/hook/{SECRET}/",
        lambda j: j["msg_type"] == "text" and j["content"]["text"].startswith("T\r\n"),
    ),
    (
        f"lark://{SECRET}",
        f"https://open.larksuite.com/open-apis/bot/v2/hook/{SECRET}",
        lambda j: j["msg_type"] == "text" and "**B**" in j["content"]["text"],
    ),
    (
        f"dingtalk://{SECRET}",
        f"https://oapi.dingtalk.com/robot/send?access_token={SECRET}",
        lambda j: j["msgtype"] == "markdown" and j["markdown"]["title"] == "T" and "**B**" in j["markdown"]["text"],
    ),
    (
        f"wecombot://{SECRET}",
        f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={SECRET}",
        lambda j: j["msgtype"] == "text" and "**B**" in j["text"]["content"],
    ),
    (
        f"slack://T1JJ3T3L2/A1BRTD4JD/{SECRET}",
        f"https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/{SECRET}",
        lambda j: j["attachments"][0]["title"] == "T" and "*B*" in j["attachments"][0]["text"],
    ),
    (
        f"tgram://123456789:{SECRET}/12315544/",
        f"https://api.telegram.org/bot123456789:{SECRET}/sendMessage",
        lambda j: j["chat_id"] == 12315544 and j["parse_mode"] == "MARKDOWN" and "*B*" in j["text"],
    ),
    (
        f"discord://4174216298/{SECRET}",
        f"https://discord.com/api/webhooks/4174216298/{SECRET}",
        lambda j: "**B**" in j["content"],
    ),
]


@pytest.mark.parametrize(("url", "endpoint", "shape"), KINDS, ids=[k[0].split(":")[0] for k in KINDS])
def test_each_service_gets_its_request_shape(httpserver, redirect, url, endpoint, shape):
    httpserver.expect_request(re.compile(".*")).respond_with_json(OK) if not url.startswith("slack") else (
        httpserver.expect_request(re.compile(".*")).respond_with_data("ok")
    )
    result = notify(url, ChatMessage("T", "**B** [l](https://x.org/a)", markdown=True))
    assert classify(result) == SendResult("sent")
    assert [(m, u) for m, u, _ in redirect] == [("POST", endpoint)]
    assert shape(json.loads(redirect[0][2]))
    assert len(httpserver.log) == 1  # it reached the local server, not the service


def test_ntfy_and_json_webhooks_post_to_the_local_server(httpserver):
    httpserver.expect_request(re.compile(".*")).respond_with_json(OK)
    for url in (f"ntfy://127.0.0.1:{httpserver.port}/papers", f"json://127.0.0.1:{httpserver.port}/hook"):
        assert classify(notify(url, ChatMessage("T", "B", markdown=False))) == SendResult("sent")
    ntfy, hook = (json.loads(req.get_data()) for req, _ in httpserver.log)
    assert ntfy == {"topic": "papers", "title": "T", "message": "B"}
    assert hook["title"] == "T" and hook["message"] == "B"


def test_a_refusal_is_permanent_a_server_error_or_no_connection_transient(httpserver):
    url = f"json://127.0.0.1:{httpserver.port}/hook"
    for status, kind in (
        (404, "permanent"),
        (400, "permanent"),
        (500, "transient"),
        (503, "transient"),
        (429, "transient"),
    ):
        httpserver.clear()
        httpserver.expect_request("/hook").respond_with_data("no", status=status)
        got = classify(notify(url, ChatMessage("T", "B", markdown=False)))
        assert got.state == "failed" and got.kind == kind and str(status) in got.reason, (status, got)
    got = classify(notify("json://127.0.0.1:9/hook", ChatMessage("T", "B", markdown=False)))
    assert got.state == "failed" and got.kind == "transient" and got.explained.startswith("transient: ")


def test_channels_are_masked_in_list_export_and_errors(env_settings, capsys, monkeypatch):
    url = f"tgram://123456789:{SECRET}/12315544/"
    assert add_reader(capsys, monkeypatch, "m@example.org", "--channel", url)[0] == 0
    for args in (
        ("subscribers", "list"),
        ("subscribers", "export"),
        ("subscribers", "export", "--json"),
        ("subscribers", "export", "m@example.org"),
        ("subscribers", "channel", "list"),
    ):
        code, out = cli(capsys, monkeypatch, *args)
        assert code == 0 and SECRET not in out and "tgram://" in out, (args, out)
    code, out = cli(capsys, monkeypatch, "subscribers", "channel", "add", "m@example.org", "dingtalk://")
    assert code == 2 and "DingTalk URL (dingtalk://)" in out
    code, out = cli(capsys, monkeypatch, "subscribers", "channel", "list", "m@example.org")
    channel_id = re.search(r"│\s*(\d+)\s*│", out).group(1)
    code, out = cli(capsys, monkeypatch, "subscribers", "channel", "remove", "m@example.org", channel_id)
    assert code == 0 and "Removed channel" in out and SECRET not in out
    code, out = cli(capsys, monkeypatch, "subscribers", "channel", "list")
    assert "0 channel(s)" in out


# ---------------------------------------------------------------- the preference page


def test_the_preference_page_lists_adds_and_removes_channels_masked(tmp_path):
    from fastapi.testclient import TestClient

    from academichub.web.app import create_app
    from subscribers.service import ProfileInput, upsert_subscriber
    from subscribers.tokens import link_payload

    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        outbox_dir=str(tmp_path / "outbox"),
        base_url="http://testserver",
        secret_key="new-key",
    )
    app = create_app(settings)
    client = TestClient(app, raise_server_exceptions=False)
    with session_scope(app.state.ctx.engine) as s:
        sub, _, _ = upsert_subscriber(s, "web@example.org", ProfileInput(interests="quantum sensing", language="zh"))
    t = app.state.ctx.tokens.sign("preferences", link_payload(sub))
    page = client.get(f"/preferences?t={t}")
    assert page.status_code == 200 and "聊天渠道" in page.text and "尚未添加渠道" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    post = lambda action, **data: client.post(f"/preferences/channels/{action}", data={"t": t, "csrf": csrf, **data})  # noqa: E731
    forged = TestClient(app).post("/preferences/channels/add", data={"t": t, "csrf": "", "url": f"feishu://{SECRET}"})
    assert forged.status_code == 403
    local = post("add", url="json://127.0.0.1:8080/admin")  # a reader may not aim the server at its own network
    assert local.status_code == 422 and "local or private address" in local.text
    bad = post("add", url="feishu://")
    assert bad.status_code == 422 and "无法保存此渠道" in bad.text and "Feishu URL (feishu://)" in bad.text
    ok = post("add", url=f"feishu://{SECRET}")
    assert ok.status_code == 200 and "已添加渠道：feishu://s...7" in ok.text and SECRET not in ok.text
    off = post("email")  # the box unticked: channels only
    assert off.status_code == 200 and "不再发送邮件" in off.text
    with session_scope(app.state.ctx.engine) as s:
        from subscribers.channels import channels_of
        from subscribers.models import Subscriber

        (ch,) = channels_of(s, sub.key)
        assert s.get(Subscriber, sub.id).email_enabled is False
    last = post("remove", channel=str(ch.id))  # the only way the briefing still reaches them
    assert last.status_code == 422 and "turn email back on first" in last.text
    assert post("email", email="1").status_code == 200
    gone = post("remove", channel=str(ch.id))
    assert gone.status_code == 200 and "已删除渠道" in gone.text and "尚未添加渠道" in gone.text
    assert post("remove", channel="999").status_code == 422 and post("nonsense").status_code == 404
