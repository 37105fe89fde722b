"""Each page runs the same number of queries whatever the volume of data (issue 13).

The pages are requested on the real content plus generated rows (the generator of
``benchmarks/generate.py``), then again after ten times as many rows were added: every
page must run exactly as many queries, and list pages must show one screen of rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event, func, insert, select

from benchmarks.generate import (
    _scopes,
    enterprise_rows,
    entry_rows,
    self_check_rows,
)
from portal.accounts.models import Department, Enterprise
from portal.core import pagecache
from portal.core.db import Base, utcnow
from portal.extensions import db
from portal.guides.queries import current_guides
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory

PUBLIC_PAGES = ("/", "/guides", "/guides/catering", "/exemptions", "/exemptions?q=价格",
                "/exemptions?page=2", "/api/v1/exemption-entries?q=价格", "/check")
ENTERPRISE_PAGES = ("/enterprise", "/self-checks")
OFFICER_PAGES = ("/officer/self-checks",)
ENTRY_VERSION_COLUMNS = (
    "id", "entry_id", "version_no", "is_current", "digest", "item_code", "list_type",
    "department", "industry", "illustrative", "effective_from", "title_search", "search_text",
    "data", "created_at")


def _next_id(table: str) -> int:
    column = Base.metadata.tables[table].c.id
    return int(db.session.scalar(select(func.coalesce(func.max(column), 0))) or 0) + 1


def _insert(table: str, columns: tuple[str, ...], rows) -> None:  # type: ignore[no-untyped-def]
    batch = [dict(zip(columns, row, strict=True)) for row in rows]
    if batch:
        db.session.execute(insert(Base.metadata.tables[table]), batch)


def add_generated_data(*, entries: int, enterprises: int, self_checks: int,
                       owner_enterprise: Enterprise, owner_id: int, seed: int) -> None:
    """Add generated entries, enterprises and submitted self-checks (some of them ours)."""
    rng = random.Random(seed)
    now = utcnow()
    industries = [guide.guide.slug for guide in current_guides(db.session)]
    records, versions, links = entry_rows(entries, _next_id("exemption_entries"), now, rng,
                                          industries)
    _insert("exemption_entries", ("id", "key"), records)
    _insert("exemption_entry_versions", ENTRY_VERSION_COLUMNS, versions)
    _insert("exemption_entry_industries", ("version_id", "industry"), links)
    first = _next_id("enterprises")
    _insert("enterprises", (
        "id", "uscc", "name", "industry_code", "town", "address", "legal_representative",
        "contact_mobile", "contact_email", "created_at", "version"),
        list(enterprise_rows(enterprises, first, now, rng, ["62"])))
    # A tenth of the self-checks are the signed-in enterprise's own.
    enterprise_ids = [owner_enterprise.id, *range(first, first + 9)]
    departments: list[tuple] = []
    findings: list[tuple] = []
    checks = list(self_check_rows(self_checks, _next_id("self_checks"), enterprise_ids,
                                  owner_id, _scopes(db.session), now, rng, departments,
                                  findings, _next_id("findings")))
    _insert("self_checks", (
        "id", "enterprise_id", "questionnaire_version_id", "industry", "status", "answers",
        "visited_sections", "started_by_id", "reference", "submitted_at", "submitted_by_id",
        "signer_name", "signer_role", "commitment_text", "score", "band", "result",
        "created_at", "updated_at", "version"), checks)
    _insert("self_check_departments", ("self_check_id", "department_code", "lead"),
            departments)
    _insert("findings", (
        "id", "self_check_id", "obligation_code", "question_id", "severity", "action",
        "exemptions", "correction_working_days", "deadline", "deadline_estimated", "status",
        "created_at"), findings)
    db.session.commit()


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run meanwhile."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def _counts(clients: dict[str, object]) -> dict[str, int]:
    result = {}
    for who, pages in (("public", PUBLIC_PAGES), ("enterprise", ENTERPRISE_PAGES),
                       ("officer", OFFICER_PAGES)):
        client = clients[who]
        for path in pages:
            assert client.get(path).status_code == 200, path  # type: ignore[attr-defined]
            with counting_queries() as statements:
                response = client.get(path)  # type: ignore[attr-defined]
            assert response.status_code == 200, path
            result[path] = len(statements)
    return result


@pytest.mark.xdist_group("volume")
def test_every_page_runs_as_many_queries_with_ten_times_the_data(app, client, real_content,
                                                                 monkeypatch):
    # Read the content version on every request, not at most once a second.
    monkeypatch.setattr(pagecache, "VERSION_CHECK_SECONDS", 0)
    enterprise = EnterpriseFactory(industry_code="62")
    owner = MembershipFactory(enterprise=enterprise, admin=True).user
    market = db.session.scalar(select(Department).where(Department.code == "market_regulation"))
    officer = UserFactory(officer=True, department=market)
    db.session.commit()
    client.sign_in(owner.email)
    officer_client = app.test_client()
    officer_client.__class__ = type(client)
    officer_client.sign_in(officer.email)
    public = app.test_client()
    clients = {"public": public, "enterprise": client, "officer": officer_client}

    add_generated_data(entries=30, enterprises=10, self_checks=30,
                       owner_enterprise=enterprise, owner_id=owner.id, seed=1)
    small = _counts(clients)
    add_generated_data(entries=300, enterprises=100, self_checks=300,
                       owner_enterprise=enterprise, owner_id=owner.id, seed=2)
    larger = _counts(clients)

    assert larger == small
    # Lists show one screen, not everything: the guide links to the filtered list.
    guide = public.get("/guides/catering").get_data(as_text=True)
    assert guide.count('class="result"') <= 20
    assert "/exemptions?industry=catering" in guide
    officer_list = officer_client.get("/officer/self-checks").get_data(as_text=True)
    assert officer_list.count("/officer/self-checks/") == 25
    assert 'rel="next"' in officer_list
