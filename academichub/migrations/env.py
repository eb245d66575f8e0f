"""Alembic environment: the engine is handed in by academichub.db.migrate (or built from
ACADEMICHUB_DATABASE_URL when alembic is run by hand for `revision --autogenerate`)."""

from alembic import context
from sqlmodel import SQLModel

import academichub.models  # noqa: F401  (register tables)
import subscribers.models  # noqa: F401

target_metadata = SQLModel.metadata
config = context.config

# Processes started together on an empty PostgreSQL database (two CLI commands, `serve --workers 3`)
# would race to create the tables and alembic_version. A transaction-level advisory lock taken before
# alembic reads the version table serialises them: the second waits, then finds the schema at head.
MIGRATION_LOCK = 0x41434842  # "ACHB": one key for every AcademicHub migration on this database


def _engine():
    engine = config.attributes.get("engine")
    if engine is None:
        from academichub.db import make_engine
        from academichub.settings import load_settings

        engine = make_engine(load_settings())
    return engine


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds tables; foreign keys must be off meanwhile (outside a transaction).
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        elif connection.dialect.name == "postgresql":
            # Held until the commit below (the transaction begins here, alembic joins it).
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        try:
            context.configure(
                connection=connection, target_metadata=target_metadata, render_as_batch=sqlite, compare_type=True
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")


run_migrations_online()
