"""Run Alembic migrations programmatically (``flask db …`` and the tests)."""

from __future__ import annotations

import functools

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from portal.config import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    """Return an Alembic configuration for the database at ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("file_template",
                           "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head", connection: Connection | None = None) -> None:
    """Apply migrations up to ``revision``."""
    command.upgrade(alembic_config(url, connection), revision)


def downgrade(url: str, revision: str) -> None:
    """Revert migrations down to ``revision``."""
    command.downgrade(alembic_config(url), revision)


def revision(url: str, message: str) -> None:
    """Autogenerate a new revision from the models."""
    command.revision(alembic_config(url), message=message, autogenerate=True)


def current(url: str) -> None:
    """Print the current revision."""
    command.current(alembic_config(url), verbose=True)


def pending(url: str, connection: Connection) -> tuple[set[str], set[str]]:
    """Return the database's revisions and the code's heads (equal when up to date)."""
    return applied_heads(connection), set(code_heads())


@functools.cache
def code_heads() -> frozenset[str]:
    """Return the head revisions of the migrations shipped with the code (read once)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("")).get_heads())


def applied_heads(connection: Connection) -> set[str]:
    """Return the revisions the database at ``connection`` is at (empty before any)."""
    return set(MigrationContext.configure(connection).get_current_heads())
