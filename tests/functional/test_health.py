"""Liveness (/healthz) and readiness (/readyz) probes, as a load balancer sees them."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from portal.core import health, migrations
from portal.extensions import db


@pytest.fixture(autouse=True)
def _fresh_schema_check():
    health.forget_schema_check()
    yield
    health.forget_schema_check()


def _dead_database(*_args, **_kwargs):
    raise OperationalError("SELECT 1", {}, Exception("password=hunter2 host unreachable"),
                           connection_invalidated=True)


def _assert_probe_headers(response):
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_is_alive_without_touching_the_database(client, monkeypatch):
    monkeypatch.setattr(db.registry, "execute", _dead_database)
    monkeypatch.setattr(db.registry, "connection", _dead_database)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    _assert_probe_headers(response)


def test_readyz_reports_each_check(app, client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_data(as_text=True)
    expected = {"database": "ok", "schema": "ok"}
    if app.config["REDIS_URL"]:
        expected["redis"] = "ok"
    assert response.get_json() == {"status": "ok", "checks": expected}
    _assert_probe_headers(response)


def test_readyz_names_a_dead_database_without_its_error(client, monkeypatch):
    monkeypatch.setattr(db.registry, "execute", _dead_database)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "unavailable"
    assert body["checks"]["schema"] == "unavailable"
    text = response.get_data(as_text=True)
    assert "hunter2" not in text and "unreachable" not in text
    _assert_probe_headers(response)


def test_readyz_refuses_a_schema_behind_the_code_and_rechecks_it(client, monkeypatch):
    monkeypatch.setattr(migrations, "code_heads", lambda: frozenset({"0123456789ab"}))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["schema"] == "outdated"
    monkeypatch.undo()
    assert client.get("/readyz").status_code == 200


def test_readyz_remembers_a_passed_schema_check(client, monkeypatch):
    assert client.get("/readyz").status_code == 200
    monkeypatch.setattr(migrations, "applied_heads", _dead_database)
    # Within SCHEMA_CHECK_SECONDS the revision is not read again.
    assert client.get("/readyz").get_json()["checks"]["schema"] == "ok"


def test_readyz_checks_the_configured_redis(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.delitem(app.extensions, "portal_health_redis", raising=False)
    response = client.get("/readyz")
    monkeypatch.delitem(app.extensions, "portal_health_redis", raising=False)
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"] == {"database": "ok", "schema": "ok", "redis": "unavailable"}
    assert "127.0.0.1" not in response.get_data(as_text=True)


def test_probes_keep_no_session_even_for_a_signed_in_browser(client, world):
    client.sign_in(world.officer.email)
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 200
        _assert_probe_headers(response)
