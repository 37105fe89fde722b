"""Alembic environment: the portal's metadata, on SQLite or PostgreSQL."""

from __future__ import annotations

from alembic import context

from portal.core.db import UTCDateTime, make_engine
from portal.models import metadata

config = context.config


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render the portal's UTC type as the plain column type it stores."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations(connection) -> None:  # type: ignore[no-untyped-def]
    """Run the migrations on ``connection`` (batch mode so SQLite can alter tables)."""
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_type=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if given is not None:
    run_migrations(given)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        run_migrations(connection)
    engine.dispose()
