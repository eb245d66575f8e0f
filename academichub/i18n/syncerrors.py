"""A library sync's last error in the reader's language. The sync (``papers/zotero.py``,
``openalex.py``, ``libsync.py``) stores its reason in English, as the CLI and the refresh report show
it; the preference page in Chinese shows the same facts in Chinese from the fixed wordings below. A
reason the table does not know (a network error's own words) is shown as stored, after a Chinese
lead. ``tests/test_web_libsources.py`` feeds the sync's real messages through this, so a changed
wording is caught there."""

from __future__ import annotations

import re

from academichub.i18n.libproblems import first_translation

_WHAT: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"the deleted items"), "已删除条目列表"),
    (re.compile(r"the items from (\d+)"), "第 {0} 条起的条目"),
]
_ZH: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"Zotero refused the API key \(HTTP (\d+)\): .*"),
        "Zotero 拒绝了 API 密钥（HTTP {0}）：密钥有误、已撤销，或无权读取此文库"
        "（请在 zotero.org/settings/keys 检查：需要文库的读取权限）",
    ),
    (
        re.compile(r"Zotero has no such library or collection \(HTTP 404 for (.*)\): check the id and keys"),
        "Zotero 找不到此文库或收藏夹（读取{0}时 HTTP 404）：请检查编号和密钥",
    ),
    (
        re.compile(r"Zotero is limiting requests \(HTTP (\d+)(?:; it asked to wait (\d+) s)?\): .*"),
        "Zotero 正在限制请求（HTTP {0}{1}）：本次未更新，稍后重试",
    ),
    (
        re.compile(r"Zotero asked to wait (\d+) s between pages \((\d+) s waited already\): .*"),
        "Zotero 要求每页之间等待 {0} 秒（已等待 {1} 秒）：本次未更新，等待之后重试",
    ),
    (
        re.compile(r"Zotero answered with a redirect \(HTTP (\d+)\) for (.*): not followed with the key"),
        "Zotero 对{1}返回了重定向（HTTP {0}）：为保护密钥未跟随",
    ),
    (
        re.compile(r"Zotero's library changed while it was read \(HTTP 412\): .*"),
        "读取期间 Zotero 文库发生变化（HTTP 412）：下次更新时重试",
    ),
    (
        re.compile(r"Zotero's answer for (.*) is larger than ([\d,]+) bytes: not read"),
        "Zotero 对{0}的回答超过 {1} 字节：未读取",
    ),
    (re.compile(r"Zotero could not be read \((.*)\) for (.*)"), "无法读取 Zotero 的{1}（{0}）"),
    (
        re.compile(r"Zotero's answer for (.*) is not valid JSON \(a broken or cut answer\)"),
        "Zotero 对{0}的回答不是有效的 JSON（回答损坏或被截断）",
    ),
    (
        re.compile(r"Zotero's answer for (.*) holds more than ([\d,]+) objects and lists: not read"),
        "Zotero 对{0}的回答含有超过 {1} 个对象和列表：未读取",
    ),
    (
        re.compile(r"OpenAlex's answer holds more than ([\d,]+) objects and lists: not read"),
        "OpenAlex 的回答含有超过 {0} 个对象和列表：未读取",
    ),
    (
        re.compile(r"Zotero's list of deleted items is not the expected JSON object"),
        "Zotero 的已删除条目列表不是预期的 JSON 对象",
    ),
    (
        re.compile(r"Zotero's answer \(items from (\d+)\) is not a JSON list of items"),
        "Zotero 的回答（第 {0} 条起）不是条目的 JSON 列表",
    ),
    (re.compile(r"no Zotero API key is stored for this library: .*"), "此文库没有保存 Zotero API 密钥：请重新添加"),
    (
        re.compile(r"OpenAlex's answer is not valid JSON \(a broken or cut answer\)"),
        "OpenAlex 的回答不是有效的 JSON（回答损坏或被截断）",
    ),
    (re.compile(r"OpenAlex's answer is not a list of works \(no results and meta\)"), "OpenAlex 的回答不是作品列表"),
    (
        re.compile(r"OpenAlex is limiting requests \(HTTP (\d+)(?:; it asked to wait (\d+) s)?\): tried again later"),
        "OpenAlex 正在限制请求（HTTP {0}{1}）：稍后重试",
    ),
    (
        re.compile(r"OpenAlex did not accept the query for ORCID (\S+) \(HTTP (\d+)\)"),
        "OpenAlex 不接受 ORCID {0} 的查询（HTTP {1}）",
    ),
    (re.compile(r"OpenAlex's answer is larger than ([\d,]+) bytes: not read"), "OpenAlex 的回答超过 {0} 字节：未读取"),
    (re.compile(r"OpenAlex could not be read \((.*)\)"), "无法读取 OpenAlex（{0}）"),
    (re.compile(r"unexpected answer \((\w+)\)"), "意外的回答（{0}）"),
]


def _what(text: str) -> str:
    return first_translation(_WHAT, text) or text


def sync_error(message: str, lang: str) -> str:
    """A library source's stored ``error`` in ``lang`` (zh or en)."""
    if lang != "zh":
        return message
    for pattern, zh in _ZH:
        m = pattern.fullmatch(message)
        if m:
            parts = [g or "" for g in m.groups()]
            if pattern.pattern.startswith(("Zotero is limiting", "OpenAlex is limiting")):
                parts[1] = f"，要求等待 {parts[1]} 秒" if parts[1] else ""
            else:
                parts = [_what(p) for p in parts]
            return zh.format(*parts)
    return f"同步失败（原文：{message}）"
