"""The officers' exemption queue runs as many statements for 40 applications as for 5."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import update

from portal.accounts.models import Enterprise, User
from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.exemptions import services
from portal.exemptions.models import ApplicationStatus, ExemptionApplication, Proposal
from portal.extensions import db
from portal.review.queries import PAGE_SIZE
from tests.cases.test_queue_queries import _counting
from tests.exemptions.helpers import FIRST, MINOR, entries, statement

# Each page is drawn, so that its statements can be counted (a kept page runs none).
pytestmark = pytest.mark.uncached

NEXT_PAGE = re.compile(r'href="(/officer/exemptions\?[^"]*after_id=[^"]*)"')


def _statements(client, url: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    client.get(url)  # warm: caches filled on a first request are not the queue's cost
    with _counting() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def _apply(world, app, count: int, start: int) -> None:  # type: ignore[no-untyped-def]
    """Apply ``count`` times, for violations on different days, under both entries."""
    with app.test_request_context():
        storage = app.extensions["storage"]
        # A request's end detaches what was loaded: load the enterprise and its user again.
        enterprise = db.session.get(Enterprise, world.enterprise.id)
        actor = db.session.get(User, world.enterprise_admin.id)
        for number in range(start, start + count):
            services.open_application(
                db.session, storage, enterprise, actor=actor,
                entry_key=MINOR if number % 2 else FIRST,
                statement=statement(violation_on=local_today() - dt.timedelta(days=number)),
                today=local_today(), now=utcnow(), review_working_days=10 + number % 5)
        db.session.commit()


def test_queue_statement_count_does_not_grow_with_the_applications(app, client, world):
    with app.test_request_context():
        entries(world)
    _apply(world, app, 5, 1)
    client.sign_in(world.officer.email)
    few, page = _statements(client, "/officer/exemptions")
    assert page.count("/officer/exemptions/") >= 5 and not NEXT_PAGE.search(page)
    _apply(world, app, 35, 6)
    many, page = _statements(client, "/officer/exemptions")
    assert many == few, "the first page runs more statements with more applications"
    link = NEXT_PAGE.search(page)
    assert link, f"40 applications fill more than one page of {PAGE_SIZE}"
    second, page = _statements(client, link.group(1).replace("&amp;", "&"))
    assert second == few and page.count('href="/officer/exemptions/') == 40 - PAGE_SIZE
    filtered, _page = _statements(client, "/officer/exemptions?status=submitted&overdue=1")
    assert filtered == few


def _propose_first_violations(world) -> None:  # type: ignore[no-untyped-def]
    """Put the first-violation applications in legal review, proposed by the officer."""
    db.session.execute(update(ExemptionApplication).where(
        ExemptionApplication.entry_key == FIRST).values(
        status=ApplicationStatus.LEGAL_REVIEW, proposal=Proposal.GRANT,
        proposed_by_id=world.officer.id))
    db.session.commit()


def test_the_legal_review_tab_runs_as_many_statements(app, client, world):
    with app.test_request_context():
        entries(world)
    _apply(world, app, 5, 1)
    _propose_first_violations(world)
    client.sign_in(world.legal_reviewer.email)
    few, page = _statements(client, "/officer/exemptions?tab=legal")
    assert page.count('href="/officer/exemptions/') == 2
    _apply(world, app, 35, 6)
    _propose_first_violations(world)
    many, page = _statements(client, "/officer/exemptions?tab=legal")
    assert many == few and page.count('href="/officer/exemptions/') == 20
