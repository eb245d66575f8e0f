"""What an entry point (a flow, a CLI command, the web app, a test) builds once and passes down: the
settings, the clock, the database engine and the kept editions. Nothing below an entry point reads
the environment or keeps a cache of its own."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from academichub.clock import Clock
from academichub.db import make_engine, open_database
from academichub.editions.edition import EditionCache
from academichub.settings import Settings, load_settings


@dataclass
class Services:
    settings: Settings
    engine: Engine
    editions: EditionCache = field(default_factory=EditionCache)

    @property
    def clock(self) -> Clock:
        return self.settings.clock

    @classmethod
    def open(cls, settings: Settings | None = None, *, migrate: bool = True) -> Services:
        """Services on ``settings`` (default: from the environment); ``migrate``: bring the database's
        schema up to date first (entry points), else only connect (a worker of a run that did)."""
        settings = settings or load_settings()
        return cls(settings, open_database(settings) if migrate else make_engine(settings))
