"""The database goes away (PostgreSQL restarted): a clean 503, nothing partial, recovery."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from portal.extensions import db
from tests.conftest import reload


def _connection_lost(*_args, **_kwargs):
    raise OperationalError("SELECT …", {}, Exception("server closed the connection "
                                                   "unexpectedly; password=hunter2"),
                           connection_invalidated=True)


@pytest.fixture
def database_down(monkeypatch):
    """Make every ORM query fail as on a connection PostgreSQL has just dropped."""
    monkeypatch.setattr(Session, "_execute_internal", _connection_lost)
    return monkeypatch


def test_a_page_answers_503_in_the_users_language_then_recovers(client, english_client,
                                                                 database_down):
    response = client.get("/exemptions")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    assert "服务暂时不可用" in page
    assert "hunter2" not in page and "Traceback" not in page
    assert response.headers["X-Request-ID"] in page
    english = english_client.get("/exemptions")
    assert english.status_code == 503
    assert "The service is briefly unavailable" in english.get_data(as_text=True)
    database_down.undo()
    assert client.get("/exemptions").status_code == 200


def test_the_api_answers_json_503(client, database_down):
    response = client.get("/api/v1/exemption-entries?q=价格")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert set(response.get_json()["errors"]) == {"request"}


def test_a_signed_in_user_gets_the_503_page_not_a_500(client, world, database_down):
    database_down.undo()
    client.sign_in(world.officer.email)
    database_down.setattr(Session, "_execute_internal", _connection_lost)
    response = client.get("/officer/self-checks")
    assert response.status_code == 503
    assert "服务暂时不可用" in response.get_data(as_text=True)
    database_down.undo()
    assert client.get("/officer/self-checks").status_code == 200


def test_a_write_cut_off_at_commit_keeps_nothing(client, world, monkeypatch):
    client.sign_in(world.enterprise_admin.email)
    token = client.csrf_token("/account")
    before = reload(world.enterprise_admin).locale
    assert before != "en"
    monkeypatch.setattr(db.registry, "commit", _connection_lost)
    response = client.post("/language", data={"csrf_token": token, "locale": "en",
                                              "next": "/account"})
    assert response.status_code == 503
    monkeypatch.undo()
    assert reload(world.enterprise_admin).locale == before


def test_a_query_error_is_still_a_500(client, monkeypatch):
    def constraint_violated(*_args, **_kwargs):
        raise IntegrityError("INSERT …", {}, Exception("duplicate key"))

    monkeypatch.setattr(Session, "_execute_internal", constraint_violated)
    response = client.get("/exemptions")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


POSTGRESQL = make_url(os.environ.get("PORTAL_TEST_DATABASE_URL") or "sqlite://"
                      ).get_backend_name() == "postgresql"


@pytest.mark.skipif(not POSTGRESQL, reason="terminates PostgreSQL backends; "
                    "PORTAL_TEST_DATABASE_URL is not PostgreSQL")
def test_terminated_backends_are_replaced_without_a_restart(app, client):
    """Connections PostgreSQL drops (as on a restart) give 200 or 503, then 200 again."""
    assert db.engine is not None
    engine = db.engine
    # Requests here use the application's pool, not the test's transaction, as in
    # production. Only the pool's connection is terminated: other test workers may use
    # the same database (each in its own schema).
    db.session.remove()
    db.session.configure(bind=engine, join_transaction_mode="conditional_savepoint")
    try:
        assert client.get("/readyz").status_code == 200
        with engine.connect() as pooled:  # the one idle connection the requests use
            pid = pooled.scalar(text("SELECT pg_backend_pid()"))
        outsider = create_engine(engine.url, poolclass=NullPool)
        with outsider.connect() as killer:
            killed = killer.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        outsider.dispose()
        assert killed
        first = client.get("/exemptions")
        assert first.status_code in (200, 503), first.get_data(as_text=True)[:500]
        assert client.get("/exemptions").status_code == 200
        assert client.get("/readyz").get_json()["status"] == "ok"
        with engine.connect() as replacement:
            assert replacement.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        db.session.remove()


@pytest.mark.skipif(not POSTGRESQL, reason="terminates PostgreSQL backends; "
                    "PORTAL_TEST_DATABASE_URL is not PostgreSQL")
def test_a_dropped_idle_connection_is_replaced_before_the_request_uses_it(app, client):
    """The pool checks a connection as it hands it out: the next request sees no error."""
    assert db.engine is not None
    engine = db.engine
    db.session.remove()
    db.session.configure(bind=engine, join_transaction_mode="conditional_savepoint")
    try:
        assert client.get("/readyz").status_code == 200
        # Every idle connection of the pool, whichever the next request gets.
        idle = [engine.connect() for _ in range(engine.pool.checkedin())]
        pids = {pooled.scalar(text("SELECT pg_backend_pid()")) for pooled in idle}
        for pooled in idle:
            pooled.close()
        outsider = create_engine(engine.url, poolclass=NullPool)
        with outsider.connect() as killer:
            for pid in pids:
                assert killer.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        outsider.dispose()
        response = client.get("/exemptions")
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        with engine.connect() as replacement:
            assert replacement.scalar(text("SELECT pg_backend_pid()")) not in pids
    finally:
        db.session.remove()
