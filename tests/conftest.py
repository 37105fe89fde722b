"""Shared fixtures: schemas built by Alembic, one savepoint-isolated session per test.

Each run (each pytest-xdist worker) has two databases built by the migrations: an
empty one, and one into which the real ``compliance_guides/`` content is synced once
(tests ask for it with the ``real_content`` fixture). They are SQLite files in a
temporary folder, or schemas of the PostgreSQL database named by
``PORTAL_TEST_DATABASE_URL`` (CI runs the suite on both).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import re
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, make_url, text
from sqlalchemy.orm import Session

from portal import create_app
from portal.cli import CONTENT_ROOT
from portal.core import i18n_tools, mail, migrations
from portal.core.db import make_engine, utcnow
from portal.core.storage import Storage
from portal.extensions import db, limiter
from portal.guides.content import Content, load_content
from portal.guides.services import SyncReport, sync_from_directory

PASSWORD = "Correct-Horse-42"

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _worker() -> str:
    """Return this process's pytest-xdist worker name (``main`` without xdist)."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _empty_database(name: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the URL of a new, empty database called ``name`` for this worker.

    SQLite gets a file in the worker's temporary folder. On PostgreSQL each worker and
    each name gets its own schema in ``PORTAL_TEST_DATABASE_URL`` (dropped and created
    here), chosen by the connection's ``search_path``, so that parallel workers and the
    two databases of a run never see each other's rows.
    """
    base = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path_factory.mktemp(name) / 'test.sqlite3'}"
    schema = f"test_{name}_{_worker()}"
    engine = make_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def redis_url() -> str:
    """Return the Redis database for this worker's rate limits ("" without Redis).

    Workers share the Redis server of ``PORTAL_TEST_REDIS_URL`` but each gets its own
    numbered database, so that one worker's ``limiter.reset()`` does not clear the
    counts another worker's test is making.
    """
    url = os.environ.get("PORTAL_TEST_REDIS_URL", "")
    worker = _worker()
    if not url or not worker.startswith("gw"):
        return url
    parts = urllib.parse.urlsplit(url)
    number = (int(parts.path.strip("/") or 0) - int(worker.removeprefix("gw"))) % 16
    return urllib.parse.urlunsplit(parts._replace(path=f"/{number}"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Build the schema from the migrations, on an empty database."""
    url = _empty_database("db", tmp_path_factory)
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
        # Tests change content rows directly; tests/integration/test_page_cache.py turns it on.
        "PAGE_CACHE_SECONDS": 0,
        # CI sets this so that rate limits run through Redis, as in production.
        "REDIS_URL": redis_url(),
    }
    config.update(overrides)
    return config


test_config.__test__ = False  # type: ignore[attr-defined]  # not a test


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """Return the application under test (one per run; each test isolates its data)."""
    return create_app(test_config(database_url,
                                  UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads"))))


@pytest.fixture(autouse=True)
def _personal_cache_everywhere(request: pytest.FixtureRequest) -> Iterator[None]:
    """Keep signed-in pages in every test, as production does with Redis.

    So that every journey of the suite checks that no page from before one of its own
    commits is ever shown. Tests that count a page's statements are marked ``uncached``
    (a kept page runs none); PORTAL_TEST_PERSONAL_CACHE=0 turns it off for a run.
    """
    if (os.environ.get("PORTAL_TEST_PERSONAL_CACHE") == "0" or "app" not in request.fixturenames
            or request.node.get_closest_marker("uncached")):
        yield
        return
    from portal.core import personalcache

    application = request.getfixturevalue("app")
    application.extensions["portal_personal_cache"] = personalcache.MemoryPersonalStore()
    yield
    application.extensions.pop("portal_personal_cache", None)


@functools.cache
def loaded_content() -> Content:
    """Return the real content as loaded from ``compliance_guides/`` (read once; do not change)."""
    return load_content(CONTENT_ROOT)


@pytest.fixture(scope="session")
def content_database(app: Flask, tmp_path_factory: pytest.TempPathFactory,
                     ) -> Iterator[tuple[Engine, SyncReport]]:
    """Return a second database holding the real ``compliance_guides/``, and its sync report.

    Synced and committed once per session (syncing took most of the suite's time when
    each test did it). Tests that ask for ``real_content`` run on this database, the
    others on the empty one, so no test depends on which ran first.
    """
    url = _empty_database("content", tmp_path_factory)
    migrations.upgrade(url)
    engine = make_engine(url)
    with app.app_context(), Session(bind=engine) as session:
        report = sync_from_directory(session, CONTENT_ROOT, now=utcnow())
        session.commit()
    yield engine, report
    engine.dispose()


@pytest.fixture(autouse=True)
def db_session(request: pytest.FixtureRequest, app: Flask) -> Iterator[object]:
    """Run each test inside a transaction that is rolled back afterwards.

    Code under test may commit: commits become savepoint releases. The test runs on
    the database with the real content when it (or a fixture it uses) asks for
    ``real_content``, else on the empty database.
    """
    assert db.engine is not None
    engine = shared_engine = db.engine
    if "real_content" in request.fixturenames:
        engine, _report = request.getfixturevalue("content_database")
    connection = engine.connect()
    transaction = connection.begin()
    db.session.remove()
    db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    mail.outbox.clear()
    with app.app_context():
        limiter.reset()
    # No application context stays pushed: each client request gets its own ``g``,
    # as in production (Flask-Login caches the user there).
    yield db.session
    # A test that creates a second application in this process rebinds the shared session
    # to that application's database, and every later test of the worker would run there.
    assert db.engine is shared_engine, (
        "this test rebound portal.extensions.db to another database: run a second "
        "application in a subprocess instead")
    db.session.remove()
    transaction.rollback()
    connection.close()
    db.session.configure(bind=db.engine, join_transaction_mode="conditional_savepoint")


@pytest.fixture
def real_content(db_session: object, content_database: tuple[Engine, SyncReport],
                 ) -> SyncReport:
    """Give the test the real content (synced once per session); return the sync report.

    The test may change it: like everything else, its changes are rolled back.
    """
    return content_database[1]


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


def pytest_configure(config: pytest.Config) -> None:
    """Build the compiled catalogues from the .po files (they are git-ignored).

    Only the main process does it: pytest-xdist workers start after it, and would
    otherwise write the same .mo files while another worker reads them.
    """
    if not hasattr(config, "workerinput"):
        i18n_tools.compile_catalogues()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark browser tests so they can be selected with ``-m e2e``.

    With pytest-xdist (``--dist loadgroup``) they also run on one worker, which
    starts the one portal server and Chromium they share.
    """
    for item in items:
        if Path(str(item.fspath)).parts[-2] == "e2e":
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("browser"))


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
        # A second officer (re-inspections need two), and an open rectification case with
        # one file for each enterprise, before each one's department.
        self.colleague = UserFactory(officer=True, department=self.department)
        self.case = _open_case(self.enterprise, self.department, self.officer, stored)
        self.other_case = _open_case(self.other_enterprise, self.other_department,
                                     self.officer, stored)
        db.session.commit()

    def user(self, role: str):  # type: ignore[no-untyped-def]
        """Return the user acting in ``role`` (a ``Role`` value)."""
        return getattr(self, role)


def _open_case(enterprise, department, officer, stored):  # type: ignore[no-untyped-def]
    """Return an order to correct with one uploaded file, as rows (no request needed)."""
    from portal.cases.models import Case, CaseOrigin, EvidenceFile

    today = utcnow().date()
    due = today + dt.timedelta(days=14)
    case = Case(enterprise_id=enterprise.id, department_code=department.code,
                origin=CaseOrigin.ORDER, industry_code=enterprise.industry_code,
                town=enterprise.town, problem="未公示许可证", requirement="公示许可证",
                issued_on=today, working_days=10, due_date=due, action_due=due,
                opened_by_id=officer.id)
    db.session.add(case)
    db.session.flush()
    case.reference = f"ZG{today.year}{case.id:07d}"
    db.session.add(EvidenceFile(case_id=case.id, sha256=stored.sha256, name="evidence.pdf",
                                size=stored.size, content_type=stored.content_type,
                                uploaded_by_id=officer.id))
    db.session.flush()
    return case


@pytest.fixture
def world(db_session: object, app: Flask) -> World:
    """Return a small populated portal."""
    return World(app.extensions["storage"])


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run meanwhile (not the tests' own savepoints)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def reload(instance):  # type: ignore[no-untyped-def]
    """Return ``instance`` freshly loaded in the current session (requests end sessions)."""
    return db.session.get(type(instance), instance.id, populate_existing=True)
