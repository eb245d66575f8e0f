"""What an edition keeps in the database besides its papers: the embedding cache (the interface
SemanticVectoriser takes) and the edition's themes, stored with the edition."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from academichub.db import chunks, insert_for
from academichub.editions.theme import Theme
from academichub.models import Edition, Embedding, utcnow


class DbEmbeddingCache:
    """The embedding cache in the database (the interface SemanticVectoriser takes)."""

    def __init__(self, engine: Engine, model: str) -> None:
        self.engine, self.model = engine, model

    def get_many(self, hashes: list[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        with Session(self.engine) as session:
            for chunk in chunks(hashes):
                for h, v in session.exec(
                    select(Embedding.text_hash, Embedding.vector).where(
                        Embedding.model == self.model, col(Embedding.text_hash).in_(chunk)
                    )
                ):
                    out[h] = v
        return out

    def put_many(self, vectors: dict[str, bytes]) -> None:
        rows = [{"model": self.model, "text_hash": h, "vector": v, "created_at": utcnow()} for h, v in vectors.items()]
        with Session(self.engine) as session:
            for chunk in chunks(rows, 500):
                session.execute(insert_for(session, Embedding).on_conflict_do_nothing(), chunk)
            session.commit()


def themes_key(paper_ids: Iterable[str]) -> str:
    """Which papers an edition's themes were found for (a rerun that adds papers finds them again)."""
    return hashlib.sha256("\n".join(sorted(paper_ids)).encode()).hexdigest()


def stored_themes(session: Session, day: date, key: str) -> list[Theme] | None:
    """The edition's themes if they were found for exactly these papers (``key``), else None."""
    edition = session.get(Edition, day)
    if edition is None or edition.themes is None or edition.themes_key != key:
        return None
    return [Theme.from_dict(t) for t in edition.themes]


def save_themes(session: Session, day: date, key: str, themes: list[Theme]) -> None:
    edition = session.get(Edition, day)
    if edition is not None:
        edition.themes, edition.themes_key = [t.as_dict() for t in themes], key
        session.add(edition)
        session.commit()
