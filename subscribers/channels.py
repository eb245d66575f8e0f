"""A reader's chat and webhook channels: Apprise URLs checked by Apprise when they are added, stored
as given (they carry the service's secret) and only ever shown masked (``mask_channel``)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete
from sqlmodel import Session, col, select

from subscribers.models import Channel, ChannelDelivery, Subscriber
from subscribers.service import SubscriberError, record_change

URL_MAX = 2000
CHANNELS_MAX = 10  # per reader
# The services a briefing may go to: chat bots and webhooks. Apprise speaks many more (email, SMS,
# desktop notifications, syslog, ...); those are not briefing channels.
KINDS = {
    "feishu": "Feishu",
    "lark": "Lark",
    "dingtalk": "DingTalk",
    "wecombot": "WeCom bot",
    "slack": "Slack",
    "tgram": "Telegram",
    "discord": "Discord",
    "matrix": "Matrix",
    "matrixs": "Matrix",
    "ntfy": "ntfy",
    "ntfys": "ntfy",
    "mmost": "Mattermost",
    "mmosts": "Mattermost",
    "rocket": "Rocket.Chat",
    "rockets": "Rocket.Chat",
    "zulip": "Zulip",
    "gchat": "Google Chat",
    "workflow": "Microsoft Teams (Workflows)",
    "workflows": "Microsoft Teams (Workflows)",
    "json": "JSON webhook",
    "jsons": "JSON webhook",
    "form": "form webhook",
    "forms": "form webhook",
    "xml": "XML webhook",
    "xmls": "XML webhook",
}
_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.\-]{0,20})://")
_SHOWN_SEGMENT = 4  # path segments longer than this are cut to their ends


def asset() -> Any:
    """Apprise's settings for this app: no persistent store on disk, the app's name."""
    from apprise import AppriseAsset
    from apprise.common import PersistentStoreMode

    return AppriseAsset(app_id="AcademicHub", app_desc="AcademicHub briefing", storage_mode=PersistentStoreMode.MEMORY)


def scheme_of(url: str) -> str:
    m = _SCHEME.match(url or "")
    return m.group(1).lower() if m else ""


def plugin_for(url: str) -> Any:
    """Apprise's service object for a URL (None when Apprise cannot use it)."""
    from apprise import Apprise

    return Apprise.instantiate(url, asset=asset())


def _cut(segment: str) -> str:
    if len(segment) <= _SHOWN_SEGMENT or "..." in segment or "*" in segment:
        return segment
    return f"{segment[:1]}...{segment[-1:]}"


def mask_channel(url: str) -> str:
    """A channel as it may be shown anywhere (pages, exports, logs, errors): the scheme, the host and
    a few characters of each secret (Apprise's ``url(privacy=True)``), no query, long path parts cut."""
    kind = scheme_of(url)
    plugin = plugin_for(url) if kind else None
    if plugin is None:
        return f"{kind or 'unknown'}://****"
    shown = str(plugin.url(privacy=True)).split("?", 1)[0]
    try:
        parts = urlsplit(shown)
    except ValueError:
        return f"{kind}://****"
    path = "/".join(_cut(s) for s in parts.path.split("/"))
    netloc = parts.netloc
    if "@" in netloc:  # user:****@host: the user name is cut too
        user, host = netloc.rsplit("@", 1)
        netloc = f"{_cut(user.split(':', 1)[0])}{':****' if ':' in user else ''}@{host}"
    elif kind not in ("json", "jsons", "form", "forms", "xml", "xmls", "ntfy", "ntfys", "matrix", "matrixs"):
        netloc = _cut(netloc)  # a token in the host position (feishu://TOKEN)
    return f"{kind}://{netloc}{path.rstrip('/')}"


def _private_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast


def validate_channel(url: str, *, allow_private: bool = False) -> tuple[str, str]:
    """(url, kind) of a usable channel URL, or a SubscriberError naming the problem and the scheme.
    ``allow_private``: a webhook on this machine or the local network (the operator's CLI may; a
    reader on the preference page may not, or the server would post to its own network for them)."""
    url = (url or "").strip()
    kind = scheme_of(url)
    if not url:
        raise SubscriberError("a channel needs an Apprise URL, e.g. feishu://TOKEN or json://host/path")
    if len(url) > URL_MAX or any(ord(c) < 32 for c in url):
        raise SubscriberError(f"a channel URL is at most {URL_MAX} characters with no control characters")
    if not kind:
        raise SubscriberError(
            "not an Apprise URL (scheme://...): e.g. feishu://TOKEN, tgram://BOT/CHAT, json://host/path"
        )
    if kind not in KINDS:
        raise SubscriberError(
            f"unsupported channel scheme {kind}://: use one of {', '.join(sorted({k.rstrip('s') for k in KINDS}))}"
        )
    plugin = plugin_for(url)
    if plugin is None:
        raise SubscriberError(
            f"Apprise cannot use this {KINDS[kind]} URL ({kind}://): check its token or path "
            "(see https://github.com/caronc/apprise/wiki)"
        )
    host = getattr(plugin, "host", None)
    if not allow_private and isinstance(host, str) and kind in _HOSTED and _private_host(host):
        raise SubscriberError(f"a {kind}:// channel may not point at a local or private address ({host})")
    return url, kind


# Kinds whose URL names the server (so could name one on the local network).
_HOSTED = {"matrix", "matrixs", "ntfy", "ntfys", "mmost", "mmosts", "rocket", "rockets", "zulip"} | {
    "json",
    "jsons",
    "form",
    "forms",
    "xml",
    "xmls",
}


def channels_of(session: Session, subscriber_id: int, *, active_only: bool = False) -> list[Channel]:
    query = select(Channel).where(Channel.subscriber_id == subscriber_id)
    if active_only:
        query = query.where(col(Channel.active).is_(True))
    return list(session.exec(query.order_by(col(Channel.id))))


def channels_for(session: Session, subscriber_ids: list[int]) -> dict[int, list[Channel]]:
    """Active channels per reader, for a batch of readers (one query per 500)."""
    out: dict[int, list[Channel]] = {}
    for i in range(0, len(subscriber_ids), 500):
        chunk = subscriber_ids[i : i + 500]
        for ch in session.exec(
            select(Channel)
            .where(col(Channel.subscriber_id).in_(chunk), col(Channel.active).is_(True))
            .order_by(col(Channel.id))
        ):
            out.setdefault(ch.subscriber_id, []).append(ch)
    return out


def add_channel(session: Session, sub: Subscriber, url: str, *, via: str, allow_private: bool = False) -> Channel:
    """Validate and store a channel (the same URL twice is one channel); the change is recorded masked."""
    url, kind = validate_channel(url, allow_private=allow_private)
    existing = channels_of(session, sub.key)
    for ch in existing:
        if ch.url == url:
            if not ch.active:
                ch.active = True
                session.add(ch)
                record_change(session, sub, via, [("channel", "", mask_channel(url))])
                session.commit()
            return ch
    if len(existing) >= CHANNELS_MAX:
        raise SubscriberError(f"at most {CHANNELS_MAX} channels per reader: remove one first")
    ch = Channel(subscriber_id=sub.key, url=url, kind=kind)
    session.add(ch)
    record_change(session, sub, via, [("channel", "", mask_channel(url))])
    session.commit()
    session.refresh(ch)
    return ch


def remove_channel(session: Session, sub: Subscriber, channel_id: int, *, via: str) -> Channel:
    """Remove one of the reader's channels and its ledger rows (a reader may only remove their own)."""
    ch = session.get(Channel, channel_id) if 0 < channel_id < 2**63 else None  # no row has another
    if ch is None or ch.subscriber_id != sub.key:
        raise SubscriberError(f"{sub.email} has no channel {channel_id} (`academichub subscribers channel list`)")
    if not sub.email_enabled and len(channels_of(session, sub.key, active_only=True)) <= 1:
        raise SubscriberError("this is the reader's only way to get the briefing: turn email back on first")
    session.execute(delete(ChannelDelivery).where(col(ChannelDelivery.channel_id) == ch.id))
    session.delete(ch)
    record_change(session, sub, via, [("channel", mask_channel(ch.url), "")])
    session.commit()
    return ch


def set_email_enabled(session: Session, sub: Subscriber, enabled: bool, *, via: str) -> bool:
    """Email on or off (off needs at least one channel, or the reader would get nothing); False if unchanged."""
    if sub.email_enabled == enabled:
        return False
    if not enabled and not channels_of(session, sub.key, active_only=True):
        raise SubscriberError("a reader without email needs a channel: add one with --channel URL")
    record_change(session, sub, via, [("email_enabled", str(sub.email_enabled).lower(), str(enabled).lower())])
    sub.email_enabled = enabled
    session.add(sub)
    session.commit()
    return True


def delete_channels(session: Session, subscriber_id: int) -> None:
    """All of a reader's channels and their ledger rows (when the reader's data is deleted)."""
    session.execute(delete(ChannelDelivery).where(col(ChannelDelivery.subscriber_id) == subscriber_id))
    session.execute(delete(Channel).where(col(Channel.subscriber_id) == subscriber_id))
