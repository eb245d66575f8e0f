"""A library file's problems in the reader's language. The parsers (``academichub.papers.library`` and
``libformats``) word each problem in English for the CLI, as ``<where>: <why>``; a page in Chinese
shows the same facts in Chinese: the place (entry, record or line number, key, the line's start) and
the reason, from the parsers' fixed wordings below. A reason the table does not know (bibtexparser's
own words for a block it cannot parse) is shown as the parser gave it, after a Chinese lead.
``tests/test_web_library.py`` feeds the parsers' real output through this, so a changed wording is
caught there."""

from __future__ import annotations

import re

_WHERE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"entry (\d+) \((.*), line (\d+)\)"), "第 {0} 条（{1}，第 {2} 行）"),
    (re.compile(r"entry (\d+) \(line (\d+): (.*)\)"), "第 {0} 条（第 {1} 行：{2}）"),
    (re.compile(r"entry (\d+) \(line (\d+)\)"), "第 {0} 条（第 {1} 行）"),
    (re.compile(r"entry (\d+) \((.*)\)"), "第 {0} 条（{1}）"),
    (re.compile(r"entry (\d+)"), "第 {0} 条"),
    (re.compile(r"record (\d+) \(line (\d+)\)"), "第 {0} 条记录（第 {1} 行）"),
    (re.compile(r"line (\d+)"), "第 {0} 行"),
]
_WHY: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"no title and no arXiv id or DOI"), "没有标题，也没有 arXiv 编号或 DOI"),
    (re.compile(r"(.*) is not an arXiv id or a DOI"), "{0} 不是 arXiv 编号或 DOI"),
    (re.compile(r"more than (\d+) entries: the rest were not read"), "超过 {0} 条，其余未读取"),
    (
        re.compile(r"more than ([\d,]+) records: the rest of the file was not read"),
        "超过 {0} 条记录，文件其余部分未读取",
    ),
    (
        re.compile(r"more than ([\d,]+) @ blocks: the rest of the file was not read"),
        "超过 {0} 个 @ 块，文件其余部分未读取",
    ),
    (
        re.compile(r"more than ([\d,]+) braces, quotes, commas and line breaks: the rest of the file was not read"),
        "花括号、引号、逗号和换行超过 {0} 个，文件其余部分未读取",
    ),
    (re.compile(r"the record has no end \(an 'ER  -' line\)"), "该记录没有结束行（“ER  -”）"),
    (re.compile(r"title must be a string"), "标题必须是文本"),
    (re.compile(r"an item must be an object, not (\w+)"), "条目必须是对象，而不是 {0}"),
    (re.compile(r"(.*) twice; the last kept"), "字段 {0} 出现两次，保留最后一个"),  # the file's field names
    (re.compile(r"rispy found no record"), "未能读出记录"),
]
_FILE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"this is not a text file \(.*\)"), "这不是文本文件（应为 BibTeX、RIS、CSL-JSON 或编号列表）"),
    (re.compile(r"not valid JSON \(line (\d+), column (\d+): (.*)\)"), "不是有效的 JSON（第 {0} 行第 {1} 列：{2}）"),
    (re.compile(r"not valid JSON here: a number with more than 4,300 digits"), "不是可用的 JSON：有数字超过 4,300 位"),
    (re.compile(r"the JSON is nested too deeply to be a CSL-JSON export"), "JSON 嵌套过深，不是 CSL-JSON 导出文件"),
    (re.compile(r"CSL-JSON must be a list of items"), "CSL-JSON 必须是条目列表"),
    (
        re.compile(r"the JSON holds ([\d,]+) objects and lists; .* \(at most ([\d,]+) are read\)"),
        "该 JSON 含 {0} 个对象和列表，远超 CSL-JSON 导出文件所需（最多读取 {1} 个）",
    ),
    (
        re.compile(r"the file is ([\d,]+) bytes; a library file may be at most ([\d,]+)"),
        "文件为 {0} 字节，最多 {1} 字节",
    ),
]
_FORMATS = {"bibtex": "BibTeX", "ris": "RIS", "csl-json": "CSL-JSON"}  # "ids": a list of ids, in words
_MORE = re.compile(r"\.\.\. and (\d+) more problem\(s\)")
_NOTHING = re.compile(r"no paper could be read from this (\S+) file \((.*)\)")


def format_name(fmt: str, lang: str) -> str:
    """A file format as a reader reads it (the parsers' keys are ``bibtex``, ``ris``, ``csl-json``, ``ids``)."""
    if fmt == "ids":
        return "编号列表" if lang == "zh" else "a list of ids"
    return _FORMATS.get(fmt, fmt)


def first_translation(table: list[tuple[re.Pattern[str], str]], text: str) -> str | None:
    """The Chinese of the first pattern that matches all of ``text``, its groups filled in; None if none does."""
    for pattern, zh in table:
        m = pattern.fullmatch(text)
        if m:
            return zh.format(*m.groups())
    return None


def _why(text: str) -> str:
    return first_translation(_WHY, text) or f"无法解析（解析器原文：{text}）"


def library_problem(line: str, lang: str) -> str:
    """One problem line of a parse (``LibraryParse.problem_lines``) in ``lang`` (zh or en)."""
    if lang != "zh":
        return line
    more = _MORE.fullmatch(line)
    if more:
        return f"……另有 {more.group(1)} 个问题"
    for pattern, zh in _WHERE:  # "<where>: <why>", where the place itself may hold ": "
        m = re.fullmatch(pattern.pattern + r": (.*)", line)
        if m:
            *place, why = m.groups()
            return f"{zh.format(*place)}：{_why(why)}"
    return line


def library_error(message: str, lang: str) -> str:
    """Why a whole file could not be read (``LibraryError``'s message) in ``lang``."""
    if lang != "zh":
        return message
    nothing = _NOTHING.fullmatch(message)
    if nothing:
        parts = nothing.group(2).split("; ")
        reasons = "；".join("文件是空的" if p == "the file is empty" else library_problem(p, lang) for p in parts)
        return f"无法从此{format_name(nothing.group(1), lang)}文件读出任何论文（{reasons}）"
    return first_translation(_FILE, message) or message
