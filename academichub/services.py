"""What an entry point (a flow, a CLI command, the web app, a test) builds once and passes down: the
settings, the clock, the database engine, the kept editions and the mailer. Nothing below an entry
point reads the environment or keeps a cache of its own."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from academichub.clock import Clock
from academichub.db import make_engine, open_database
from academichub.editions.edition import EditionCache
from academichub.mail.backends import Mailer, make_mailer
from academichub.settings import Settings, load_settings


class Services:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        editions: EditionCache | None = None,
        mailer: Mailer | None = None,
    ):
        self.settings, self.engine = settings, engine
        self.editions = editions if editions is not None else EditionCache()
        self._mailer = mailer
        self._lock = threading.Lock()

    @property
    def clock(self) -> Clock:
        return self.settings.clock

    @property
    def mailer(self) -> Mailer:
        """The configured mail backend, built at first use (SES asks for the account's send rate) and
        shared by everything this process sends: one send-rate bucket, one set of SMTP connections."""
        with self._lock:
            if self._mailer is None:
                self._mailer = make_mailer(self.settings)
            return self._mailer

    def close(self) -> None:
        """Let go of the mailer's open connections (everything stays usable)."""
        with self._lock:
            mailer = self._mailer
        if mailer is not None:
            mailer.close()

    @classmethod
    def open(cls, settings: Settings | None = None, *, migrate: bool = True, mailer: Mailer | None = None) -> Services:
        """Services on ``settings`` (default: from the environment); ``migrate``: bring the database's
        schema up to date first (entry points), else only connect (a worker of a run that did);
        ``mailer``: instead of the configured one (a test's, a benchmark's)."""
        settings = settings or load_settings()
        return cls(settings, open_database(settings) if migrate else make_engine(settings), mailer=mailer)
