"""Problems with what a reader typed, by key: the English text is what the CLI and the English pages say;
the pages and emails word them in the reader's language (``explain``)."""

from __future__ import annotations

from typing import Any, Self

ERRORS: dict[str, dict[str, str]] = {
    "en": {
        "err_email": "invalid email address {value}: {detail}",
        "err_language": "unknown language {value}: choose one of {choices}",
        "err_timezone": "unknown time zone {value}: use an IANA name such as Asia/Shanghai or Europe/Berlin",
        "err_interests_long": "interests: at most {limit} characters, not {length}",
        "err_name_long": "name: at most {limit} characters, not {length}",
        "err_list_long": "{field}: at most {count} of them, each at most {limit} characters",
        "err_nul": "{field}: contains a NUL character",
        "err_hour": "delivery hour must be 0-23, not {value}",
        "err_frequency": "unknown frequency {value}: choose daily or weekly",
        "err_weekday": "unknown weekday {value}: choose one of {choices}",
        "err_empty_day": "unknown empty-day choice {value}: choose short (a short email) or none (no email)",
        "err_papers": "papers per email must be 1-30, not {value}",
        "err_category": "unknown {noun} {values}: `academichub sources` lists every key",
        "err_category_near": "unknown {noun} {values}: did you mean {near}? `academichub sources` lists every key",
        "err_whole_number": "a whole number {lo}-{hi}, not {value}",
        "err_too_long": "at most {limit} characters, not {length}",
        "err_date_form": "a date in the form YYYY-MM-DD, not {value}",
        "err_date_past": "a date after today",
        "err_date_far": "at most a year from today",
    },
    "zh": {
        "err_email": "邮箱地址 {value} 无效，请检查后重新填写。",
        "err_language": "未知的语言 {value}：请选择中文、英文或中英双语。",
        "err_timezone": "未知的时区 {value}：请填写 IANA 时区名，例如 Asia/Shanghai 或 Europe/Berlin。",
        "err_interests_long": "研究兴趣最多 {limit} 个字符（当前 {length} 个），请缩短。",
        "err_name_long": "称呼最多 {limit} 个字符（当前 {length} 个），请缩短。",
        "err_list_long": "最多 {count} 项，每项最多 {limit} 个字符。",
        "err_nul": "含有不可见的 NUL 字符，请删除后再保存。",
        "err_hour": "发送时间须为 0–23 点，不能是 {value}。",
        "err_frequency": "未知的频率 {value}：请选择每日或每周简报。",
        "err_weekday": "未知的星期 {value}：请选择周一至周日中的一天。",
        "err_empty_day": "未知的选项 {value}：请选择“发送一条简短说明”或“不发送”。",
        "err_papers": "每封邮件的论文数须为 1–30 篇，不能是 {value}。",
        "err_category": "未知的类别 {values}：请在上方列表中勾选，或输入名称搜索。",
        "err_category_near": "未知的类别 {values}：您要找的是不是 {near}？",
        "err_whole_number": "请填写 {lo}–{hi} 之间的整数，不能是 {value}。",
        "err_too_long": "最多 {limit} 个字符（当前 {length} 个），请缩短。",
        "err_date_form": "请按 YYYY-MM-DD 格式填写日期，不能是 {value}。",
        "err_date_past": "请选择今天之后的日期。",
        "err_date_far": "最多只能暂停到一年之后。",
    },
}


class Explained(ValueError):
    """A problem a reader may see: the English text (``str``), and a catalogue key with its parameters."""

    def __init__(self, message: str, key: str = "", params: dict[str, Any] | None = None):
        super().__init__(message)
        self.key, self.params = key, dict(params or {})

    @classmethod
    def of(cls, key: str, **params: Any) -> Self:
        return cls(ERRORS["en"][key].format(**params), key, params)


def explain(exc: BaseException, language: str | None) -> str:
    """The problem in the reader's language (an error without a key: its own text)."""
    key = getattr(exc, "key", "")
    if not key:
        return str(exc)
    return ERRORS["zh" if language in ("zh", "bilingual") else "en"][key].format(**getattr(exc, "params", {}))
