"""The officer queue's statement count does not grow with the number of cases."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from portal.cases.queries import PAGE_SIZE
from portal.core.storage import get_storage
from portal.extensions import db
from tests.cases.helpers import order, submit

# Each page is drawn, so that its statements can be counted (a kept page runs none).
pytestmark = pytest.mark.uncached

NEXT_PAGE = re.compile(r'href="(/officer/cases\?[^"]*after_id=[^"]*)"')


@contextmanager
def _counting():
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _statements(client, url: str) -> tuple[int, str]:
    client.get(url)  # warm: caches filled on a first request are not the queue's cost
    with _counting() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def _open(world, app, count: int) -> None:
    """Open ``count`` orders; every third one has a report waiting for review."""
    with app.test_request_context():
        storage = get_storage()
        for number in range(count):
            case = order(world, problem=f"问题 {number}")
            if number % 3 == 0:
                submit(world, case, storage)


def test_queue_statement_count_does_not_grow_with_the_cases(app, client, world):
    _open(world, app, 5)
    client.sign_in(world.officer.email)
    few, page = _statements(client, "/officer/cases")
    assert page.count("/cases/") >= 5 and not NEXT_PAGE.search(page)
    _open(world, app, 2 * PAGE_SIZE + 10 - 5)
    many, page = _statements(client, "/officer/cases")
    assert many == few, "the first page runs more statements with more cases"
    link = NEXT_PAGE.search(page)
    assert link, "60 cases fill more than one page"
    second, page = _statements(client, link.group(1).replace("&amp;", "&"))
    assert second == few
    filtered, _page = _statements(client, "/officer/cases?due_within=10&status=open")
    assert filtered == few
