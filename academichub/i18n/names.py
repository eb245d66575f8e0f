"""Names a reader sees that the code keeps as English keys: research fields (a cross-domain theme's
``computer science + medicine``), weekdays, the preference fields and their values (the "preferences
saved" page and email), the feed-health notes of an edition page, and "et al." after a long author
list."""

from __future__ import annotations

import re

_FIELDS = {
    "computer science": "计算机科学",
    "statistics": "统计学",
    "mathematics": "数学",
    "engineering": "工程",
    "biology": "生物学",
    "economics": "经济学",
    "physics": "物理学",
    "medicine": "医学",
}
_WEEKDAYS = {
    "mon": ("Monday", "周一"),
    "tue": ("Tuesday", "周二"),
    "wed": ("Wednesday", "周三"),
    "thu": ("Thursday", "周四"),
    "fri": ("Friday", "周五"),
    "sat": ("Saturday", "周六"),
    "sun": ("Sunday", "周日"),
}
_CHANGE_FIELDS = {
    "interests": "研究兴趣",
    "keywords": "关键词",
    "exclude": "排除",
    "categories": "来源与类别",
    "authors": "关注的作者",
    "name": "称呼",
    "language": "邮件语言",
    "timezone": "时区",
    "delivery_hour": "发送时间",
    "frequency": "频率",
    "weekly_day": "每周简报的发送日",
    "papers_per_email": "每封邮件的论文数",
    "empty_day": "当天没有相关论文时",
    "paused_until": "暂停至",
    "status": "订阅状态",
}
_VALUES = {
    "language": {"en": "英文", "zh": "中文", "bilingual": "中英双语"},
    "frequency": {"daily": "每日", "weekly": "每周简报"},
    "weekly_day": {k: zh for k, (_en, zh) in _WEEKDAYS.items()},
    "empty_day": {"short": "发送一条简短说明", "none": "不发送"},
    "status": {
        "pending": "待确认",
        "active": "正常接收",
        "paused": "已暂停",
        "unsubscribed": "已退订",
        "bounced": "退信",
        "complained": "已投诉",
    },
}

# The common feed-health notes (papers/fetch.py, parse.py, health.py), worded in Chinese: a Chinese page
# shows these words only (the raw English note is in the fetch log and the run report). Anything else is
# shown as it is.
_NOTES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"HTTP (\d{3})\b"), "服务器返回 HTTP {0} 错误"),
    (re.compile(r"timed out"), "连接超时"),
    (re.compile(r"network error"), "网络错误"),
    (re.compile(r"rate limited"), "被服务器限流"),
    (
        re.compile(r"instead of a feed|not a feed|broken XML|empty response body|not a details response"),
        "返回的不是订阅源",
    ),
    (re.compile(r"only (\d+) items; it usually lists about (\S+)"), "仅 {0} 篇，通常约 {1} 篇"),
    (re.compile(r"empty feed; it usually lists about (\S+) items"), "订阅源为空，通常约 {0} 篇"),
    (re.compile(r"empty feed on an announcement day"), "发布日的订阅源为空"),
    (
        re.compile(r"every source failed \((\d+) of \d+\): no server could be reached"),
        "全部 {0} 个来源获取失败：无法连接任何服务器",
    ),
    (re.compile(r"every source failed \((\d+) of \d+\)"), "全部 {0} 个来源获取失败"),
    (re.compile(r"every source failed or is suspect \((\d+) of \d+\)"), "全部 {0} 个来源获取失败或异常"),
    (
        re.compile(r"sources that usually carry (\S+) of the day's papers failed or are suspect"),
        "通常提供当日 {0} 论文的来源获取失败或异常",
    ),
]


def _zh(language: str | None) -> bool:
    return language in ("zh", "bilingual")


def field_names(fields: list[str], language: str | None) -> str:
    """A theme's research fields, joined: ``computer science + medicine`` / ``计算机科学 + 医学``."""
    return " + ".join(_FIELDS.get(f, f) if _zh(language) else f for f in fields)


def author_line(names: list[str], limit: int, language: str | None) -> str:
    """The first ``limit`` authors, then "et al." (English) or "等" (Chinese) when there are more:
    ``Ada Lovelace, Alan Turing et al.`` / ``Ada Lovelace, Alan Turing 等``."""
    shown = ", ".join(names[:limit])
    if len(names) <= limit:
        return shown
    return f"{shown} 等" if _zh(language) else f"{shown} et al."


def weekday_name(day: str, language: str | None) -> str:
    en, zh = _WEEKDAYS.get(day, (day, day))
    return zh if _zh(language) else en


def change_rows(changes: list[tuple[str, str, str]], language: str | None) -> list[tuple[str, str, str]]:
    """(field, before, after) as a reader reads them. English keeps the stored names (what the CLI and
    the English email have always said)."""
    if not _zh(language):
        return [tuple(c) for c in changes]  # type: ignore[misc]
    out = []
    for field, old, new in changes:
        values = _VALUES.get(field, {})
        if field == "delivery_hour":
            old, new = (f"{int(v):02d}:00" if str(v).isdigit() else v for v in (old, new))
        out.append((_CHANGE_FIELDS.get(field, field), values.get(old, old), values.get(new, new)))
    return out


def feed_note(note: str, language: str | None) -> str:
    """A feed-health note or a held day's reason in the reader's language: for a Chinese reader the
    Chinese wording alone, never English inside Chinese (tests/test_zh_everywhere.py)."""
    if not note or not _zh(language):
        return note
    for pattern, zh in _NOTES:
        m = pattern.search(note)
        if m:
            return zh.format(*m.groups())
    return note
