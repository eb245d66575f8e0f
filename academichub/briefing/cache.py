"""The LLM piece cache: validated LLM output in the database (the interface BriefingWriter takes)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from academichub.db import chunks, insert_for
from academichub.models import LlmCache, utcnow


class DbPieceCache:
    """Validated LLM output in the database (the interface BriefingWriter takes)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get_many(self, kind: str, keys: list[str], language: str, model: str, version: str) -> dict[str, dict]:
        out: dict[str, dict] = {}
        with Session(self.engine) as session:
            for chunk in chunks(sorted(set(keys))):
                rows = session.exec(
                    select(LlmCache.key, col(LlmCache.content)).where(
                        LlmCache.kind == kind,
                        LlmCache.language == language,
                        LlmCache.model == model,
                        LlmCache.prompt_version == version,
                        col(LlmCache.key).in_(chunk),
                    )
                )
                out.update({k: c for k, c in rows})
        return out

    def put_many(self, kind: str, language: str, model: str, version: str, items: dict[str, dict]) -> None:
        rows = [
            {
                "kind": kind,
                "key": k,
                "language": language,
                "model": model,
                "prompt_version": version,
                "content": c,
                "created_at": utcnow(),
            }
            for k, c in items.items()
        ]
        with Session(self.engine) as session:
            for chunk in chunks(rows, 500):
                session.execute(insert_for(session, LlmCache).on_conflict_do_nothing(), chunk)
            session.commit()
