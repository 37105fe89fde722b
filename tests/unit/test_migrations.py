"""The migrations build exactly the schema the models describe (STYLE.md 14).

Alembic's autogenerate compares the database that ``alembic upgrade head`` built for
this run (SQLite, or PostgreSQL in CI) with the models' metadata; any difference is
a model change without a migration, or a migration that does not match its model.
Alembic compares tables, columns (with their types, nullability and server defaults),
indexes, unique constraints and foreign keys; it does not compare CHECK constraints or
triggers. No difference is ignored: none needs to be, on SQLite or on PostgreSQL.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import portal
from portal.core.db import Base, make_engine


def _import_every_portal_module() -> None:
    """Import every module under portal/, so that no model is missing from the metadata."""
    for module in pkgutil.walk_packages(portal.__path__, prefix="portal."):
        importlib.import_module(module.name)


def _differences(url: str) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True,
                "compare_server_default": True,
            })
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_every_model_is_in_the_metadata_alembic_uses():
    from portal.models import metadata

    _import_every_portal_module()
    assert metadata is Base.metadata
    assert len(metadata.tables) >= 10


def test_the_migrated_database_matches_the_models(database_url):
    _import_every_portal_module()
    differences = _differences(database_url)
    assert differences == [], "\n".join(map(repr, differences))


def test_the_comparison_sees_a_difference(tmp_path):
    """The check can fail: an empty database differs from the models by every table."""
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    create_engine(url).dispose()
    _import_every_portal_module()
    differences = _differences(url)
    added = {diff[1].name for diff in differences if diff[0] == "add_table"}
    assert added == set(Base.metadata.tables)
