"""Database engine, session and declarative base shared by every feature."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, cast

import psycopg
from flask import Flask
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, make_url
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

#: Constraint names that are stable across SQLite and PostgreSQL, so that
#: migrations can name what they alter.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Store aware datetimes as naive UTC; read them back as aware UTC.

    SQLite has no time zones; normalising here gives the same values (and the
    same audit hashes) on SQLite and PostgreSQL.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime()}


def utcnow() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


def _configure_sqlite(engine: Engine) -> None:
    """Make SQLite enforce foreign keys and honour SAVEPOINT like PostgreSQL."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling breaks SAVEPOINT; take it over.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def _begin_in_the_ping(engine: Engine) -> None:
    """Check each connection taken from the pool in the round trip that begins its work.

    ``pool_pre_ping`` sends a statement at every checkout, then the request's first
    query sends ``BEGIN`` first: two round trips before any work. Here ``BEGIN`` and the
    ping go together (psycopg's pipeline mode: one round trip). A connection PostgreSQL
    has dropped fails here and the pool replaces it, as with ``pool_pre_ping``
    (``DisconnectionError`` is how a checkout listener says so). The transaction it
    opens is the one the request's queries run in; returning the connection to the pool
    rolls it back, as it did.

    Only for the application's engine: it never switches a connection to autocommit
    (psycopg refuses to while a transaction is open).
    """

    @event.listens_for(engine, "checkout")
    def begin_and_ping(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        try:
            with dbapi_connection.pipeline():
                dbapi_connection.execute(";")
        except psycopg.OperationalError as error:
            raise DisconnectionError(str(error)) from error


def make_engine(url: str, *, pool_size: int = 5, begin_on_checkout: bool = False) -> Engine:
    """Create an engine for ``url`` with the portal's per-dialect settings.

    ``begin_on_checkout``: check PostgreSQL connections in the round trip that begins
    their transaction (the application's own engine) rather than by ``pool_pre_ping``.
    """
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            # The embedded default lives under instance/, which a fresh clone lacks.
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        _configure_sqlite(engine)
        return engine
    if (begin_on_checkout and make_url(url).get_driver_name() == "psycopg"
            and psycopg.Pipeline.is_supported()):  # libpq 14 or later
        engine = create_engine(url, pool_size=pool_size)
        _begin_in_the_ping(engine)
        return engine
    return create_engine(url, pool_size=pool_size, pool_pre_ping=True)


class Database:
    """The engine and the request-scoped session of the application."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        #: The registry that gives each thread (request) its own session.
        self.registry: scoped_session[Session] = scoped_session(
            sessionmaker(expire_on_commit=False))
        #: The current request's session. The registry proxies every Session method to
        #: it, so it is typed as the Session that services take.
        self.session: Session = cast(Session, self.registry)

    def init_app(self, app: Flask) -> None:
        """Bind the session to the configured database and end it after each request."""
        self.engine = make_engine(app.config["DATABASE_URL"],
                                  pool_size=app.config["DATABASE_POOL_SIZE"],
                                  begin_on_checkout=True)
        self.registry.configure(bind=self.engine)
        app.teardown_appcontext(self._remove_session)

    def _remove_session(self, _exception: BaseException | None) -> None:
        self.registry.remove()

    @property
    def dialect(self) -> str:
        """Return the name of the bound dialect (``sqlite`` or ``postgresql``)."""
        bind = self.session.get_bind()
        return bind.dialect.name


db = Database()
