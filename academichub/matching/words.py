"""Word-level helpers of the matcher: author keys, phrase presence, plural forms, Chinese reasons."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from academichub.matching.zh import Term

TOKEN = r"(?u)\b\w[\w\-]*\w\b|\b\w\b"


def author_key(name: str) -> str:
    """'Yann LeCun', 'Y. LeCun', 'LeCun, Yann' -> 'lecun y' (surname + first initial, no accents)."""
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    if "," in name:
        surname, _, given = name.partition(",")
    else:
        parts = name.replace(".", ". ").split()
        if not parts:
            return ""
        surname, given = parts[-1], " ".join(parts[:-1])
    surname = re.sub(r"[^a-z\-']", "", surname)
    initial = next((ch for ch in given if ch.isalpha()), "")
    return f"{surname} {initial}".strip()


def _binary(rows: list[list[int]], ncols: int) -> sp.csr_matrix:
    indptr = np.cumsum([0] + [len(r) for r in rows])
    indices = np.fromiter((c for r in rows for c in r), dtype=np.int32, count=int(indptr[-1]))
    return sp.csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(rows), ncols))


class PhrasePresence:
    """Which of one edition's texts hold a phrase (its words in sequence, as the matcher tokenises
    them), from an index of the texts' words built once: prepare-edition's slices of readers and
    deliver-due's batches ask for new keywords again and again, and re-reading 6,000 abstracts for
    each ask cost far more than the phrases themselves. Kept on the edition's matcher."""

    def __init__(self, texts: list[str]):
        self.size = len(texts)
        self._texts = texts
        self._tokens: list[list[str]] = []
        self._papers_of: dict[str, list[int]] = {}  # word -> the texts it occurs in, in order
        self._found: dict[str, np.ndarray] = {}  # phrase -> the texts it occurs in

    def _index(self) -> None:
        self._tokens = [re.findall(TOKEN, t.lower()) for t in self._texts]
        for j, words in enumerate(self._tokens):
            for w in dict.fromkeys(words):
                self._papers_of.setdefault(w, []).append(j)

    def papers(self, phrase: str) -> np.ndarray:
        """The texts holding ``phrase`` (a ``_phrase_key``: tokens joined by single spaces)."""
        found = self._found.get(phrase)
        if found is None:
            if not self._tokens and self._texts:
                self._index()
            words = phrase.split(" ")
            lists = [self._papers_of.get(w, []) for w in words]
            hits = min(lists, key=len)
            if len(words) > 1 and hits:
                rest = set(hits).intersection(*map(set, lists))
                hits = [j for j in sorted(rest) if _in_sequence(self._tokens[j], words)]
            found = self._found[phrase] = np.asarray(hits, dtype=np.int32)
        return found

    def __call__(self, phrases: list[str]) -> sp.csr_matrix:
        """texts x ``phrases``: 1 where the phrase occurs."""
        cols = [self.papers(p) for p in phrases]
        indptr = np.cumsum([0] + [len(c) for c in cols])
        indices = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int32)
        data = np.ones(len(indices), dtype=np.float32)
        return sp.csc_matrix((data, indices, indptr), shape=(self.size, len(phrases))).tocsr()


def _in_sequence(tokens: list[str], words: list[str]) -> bool:
    k, first = len(words), words[0]
    at = -1
    while True:
        try:
            at = tokens.index(first, at + 1)
        except ValueError:
            return False
        if tokens[at : at + k] == words:
            return True


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _name_chinese(terms: list[str], offline: list[Term]) -> list[str]:
    """['prompt', 'injection', 'safety'] -> ['提示注入 (prompt, injection)', '安全 (safety)']: each matched
    term under the Chinese word whose translation holds it."""
    named: dict[str, list[str]] = {}
    for term in terms:
        words = set(term.split())
        zh = next((t.zh for t in offline if words <= set(t.en.lower().split())), "")
        named.setdefault(zh, []).append(term)
    return [f"{zh} ({', '.join(ts)})" if zh else ", ".join(ts) for zh, ts in named.items()]


@lru_cache(maxsize=65536)
def _phrase_key(p: str) -> str:
    return " ".join(re.findall(TOKEN, p.lower()))
