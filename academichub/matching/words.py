"""Word-level helpers of the matcher: author keys, phrase presence, plural forms, Chinese reasons."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

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


def _phrase_presence(texts: list[str], phrases: list[str]) -> sp.csr_matrix:
    """papers x phrases: 1 where the phrase's words occur in sequence in the text."""
    if not phrases:
        return sp.csr_matrix((len(texts), 0), dtype=np.float32)
    vocab: dict[str, int] = {}
    for p in phrases:
        vocab.setdefault(p, len(vocab))
    longest = max(len(re.findall(TOKEN, p)) for p in phrases) or 1
    cv = CountVectorizer(
        vocabulary=vocab, ngram_range=(1, longest), binary=True, token_pattern=TOKEN, lowercase=True, dtype=np.float32
    )
    return cv.transform(texts).tocsr()


class PhrasePresence:
    """``_phrase_presence`` over one edition's texts, each phrase's papers found once: prepare-edition's
    slices of readers and deliver-due's batches name the same keywords again and again, and reading
    6,000 abstracts costs far more than the phrases asked about. Kept on the edition's matcher."""

    def __init__(self, texts: list[str]):
        self.texts = texts
        self._papers: dict[str, np.ndarray] = {}  # phrase -> the papers it occurs in

    def __call__(self, phrases: list[str]) -> sp.csr_matrix:
        """papers x ``phrases`` (distinct): 1 where the phrase occurs, as ``_phrase_presence``."""
        new = [p for p in phrases if p not in self._papers]
        if new:
            found = _phrase_presence(self.texts, new).tocsc()
            for j, p in enumerate(new):
                self._papers[p] = found.indices[found.indptr[j] : found.indptr[j + 1]].copy()
        cols = [self._papers[p] for p in phrases]
        indptr = np.cumsum([0] + [len(c) for c in cols])
        indices = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int32)
        data = np.ones(len(indices), dtype=np.float32)
        return sp.csc_matrix((data, indices, indptr), shape=(len(self.texts), len(phrases))).tocsr()


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
