"""Shared fixtures: one schema built by Alembic, one savepoint-isolated session per test.

The database is SQLite in a temporary folder, or the PostgreSQL database named
by ``PORTAL_TEST_DATABASE_URL`` (CI runs the suite on both).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from portal import create_app
from portal.core import i18n_tools, mail, migrations
from portal.core.db import make_engine
from portal.core.storage import Storage
from portal.extensions import db, limiter

PASSWORD = "Correct-Horse-42"

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Build the schema from the migrations, on an empty database."""
    url = _database_url(tmp_path_factory)
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrations.upgrade(url)
    return url


def test_config(database_url: str, **overrides: object) -> dict[str, object]:
    """Return settings for a test application."""
    config: dict[str, object] = {
        "ENV": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production-use",
        "MAIL_BACKEND": "memory",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "BASE_URL": "http://portal.test",
        # CI sets this so that rate limits run through Redis, as in production.
        "REDIS_URL": os.environ.get("PORTAL_TEST_REDIS_URL", ""),
    }
    config.update(overrides)
    return config


test_config.__test__ = False  # type: ignore[attr-defined]  # not a test


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """Return the application under test (one per run; each test isolates its data)."""
    # Compiled catalogues are build products (git-ignored): build them from the .po files.
    i18n_tools.compile_catalogues()
    return create_app(test_config(database_url,
                                  UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads"))))


@pytest.fixture(autouse=True)
def db_session(app: Flask) -> Iterator[object]:
    """Run each test inside a transaction that is rolled back afterwards.

    Code under test may commit: commits become savepoint releases.
    """
    assert db.engine is not None
    connection = db.engine.connect()
    transaction = connection.begin()
    db.session.remove()
    db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    mail.outbox.clear()
    with app.app_context():
        limiter.reset()
    # No application context stays pushed: each client request gets its own ``g``,
    # as in production (Flask-Login caches the user there).
    yield db.session
    db.session.remove()
    transaction.rollback()
    connection.close()
    db.session.configure(bind=db.engine, join_transaction_mode="conservative_savepoint")


class PortalClient(FlaskClient):
    """A test client that fills in the CSRF token as a browser would."""

    def csrf_token(self, path: str = "/") -> str:
        """Return the CSRF token shown on ``path``."""
        page = self.get(path).get_data(as_text=True)
        match = _CSRF.search(page)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def submit(self, path: str, data: dict[str, object] | None = None, *,
               token_from: str | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
        """POST ``data`` to ``path`` with the token of the page ``token_from`` (or ``path``)."""
        form = dict(data or {})
        form.setdefault("csrf_token", self.csrf_token(token_from or path))
        return self.post(path, data=form, **kwargs)

    def sign_in(self, identifier: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        """Sign in through the sign-in form."""
        response = self.submit("/sign-in", {"identifier": identifier, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response


@pytest.fixture
def client(app: Flask) -> PortalClient:
    """Return a client speaking Simplified Chinese, like most users."""
    app.test_client_class = PortalClient
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    return test_client  # type: ignore[return-value]


@pytest.fixture
def english_client(app: Flask) -> PortalClient:
    """Return a client whose browser asks for English."""
    app.test_client_class = PortalClient
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    return test_client  # type: ignore[return-value]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark browser tests so they can be selected with ``-m e2e``."""
    for item in items:
        if Path(str(item.fspath)).parts[-2] == "e2e":
            item.add_marker(pytest.mark.e2e)


class World:
    """Two enterprises, their people, a department's officers and an administrator."""

    def __init__(self, storage: Storage) -> None:
        from tests.factories import (
            DepartmentFactory,
            EnterpriseFactory,
            MembershipFactory,
            UserFactory,
        )

        self.department = DepartmentFactory()
        self.other_department = DepartmentFactory()
        self.enterprise = EnterpriseFactory()
        self.other_enterprise = EnterpriseFactory()
        self.enterprise_admin = MembershipFactory(enterprise=self.enterprise, admin=True).user
        self.enterprise_member_membership = MembershipFactory(enterprise=self.enterprise)
        self.enterprise_member = self.enterprise_member_membership.user
        self.agent_membership = MembershipFactory(enterprise=self.enterprise, agent=True)
        self.enterprise_agent = self.agent_membership.user
        self.other_admin = MembershipFactory(enterprise=self.other_enterprise, admin=True).user
        self.other_member_membership = MembershipFactory(enterprise=self.other_enterprise)
        self.officer = UserFactory(officer=True, department=self.department)
        self.legal_reviewer = UserFactory(legal_reviewer=True, department=self.department)
        self.admin = UserFactory(admin=True)
        from tests.factories import make_entry, make_guide, make_questionnaire, make_self_check

        self.guide = make_guide(lead_department=self.department.code)
        self.entry = make_entry()
        questionnaire = make_questionnaire()
        elsewhere = make_questionnaire("elsewhere")
        self.draft = make_self_check(self.enterprise, self.enterprise_admin, questionnaire,
                                     submitted=False)
        self.submitted = make_self_check(self.enterprise, self.enterprise_admin, questionnaire,
                                         submitted=True)
        self.other_draft = make_self_check(self.other_enterprise, self.other_admin,
                                           questionnaire, submitted=False)
        self.other_submitted = make_self_check(self.other_enterprise, self.other_admin,
                                               elsewhere, submitted=True)
        # An uploaded file among each submitted self-check's answers.
        stored = storage.put(io.BytesIO(b"%PDF-1.7\n%%EOF\n"), filename="evidence.pdf",
                             accept=("pdf",), max_bytes=1024)
        for self_check in (self.submitted, self.other_submitted):
            self_check.answers = {**self_check.answers, "evidence": stored.as_dict()}
        db.session.commit()

    def user(self, role: str):  # type: ignore[no-untyped-def]
        """Return the user acting in ``role`` (a ``Role`` value)."""
        return getattr(self, role)


@pytest.fixture
def world(db_session: object, app: Flask) -> World:
    """Return a small populated portal."""
    return World(app.extensions["storage"])


def reload(instance):  # type: ignore[no-untyped-def]
    """Return ``instance`` freshly loaded in the current session (requests end sessions)."""
    return db.session.get(type(instance), instance.id, populate_existing=True)
