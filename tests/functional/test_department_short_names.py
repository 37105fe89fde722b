"""An administrator confirms each department's document short name (issue 11, §6).

Decisions are numbered only under a confirmed short name; content sync proposes short
names but never confirms one, and the demo confirms only the sourced 穗南市监.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import Department
from portal.core.audit import AuditEvent
from portal.core.db import utcnow
from portal.core.numbering import ShortNameNotConfirmed, next_department_document_number
from portal.extensions import db
from portal.guides.services import sync_content
from tests.conftest import loaded_content, reload
from tests.factories import DepartmentFactory


def _path(department: Department) -> str:
    return f"/admin/departments/{department.id}/short-name"


def _short_name_events(department: Department) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "department.short_name_set",
        AuditEvent.object_id == str(department.id))))


def test_an_administrator_confirms_a_short_name_and_numbering_can_use_it(client, world):
    client.sign_in(world.admin.email)
    listing = client.get("/admin/departments").get_data(as_text=True)
    assert "未确认：不能制发带文号的决定书" in listing
    assert _path(world.department) in listing
    with pytest.raises(ShortNameNotConfirmed):
        next_department_document_number(db.session, reload(world.department), doc_type="不罚",
                                        year=2026)

    form = client.get(_path(world.department)).get_data(as_text=True)
    assert world.department.short_name in form
    response = client.submit(_path(world.department),
                             {"short_name": " 穗南测矩 ", "confirmed": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/departments")

    department = reload(world.department)
    assert (department.short_name, department.short_name_confirmed) == ("穗南测矩", True)
    [event] = _short_name_events(department)
    assert event.actor_id == world.admin.id
    assert (event.from_state, event.to_state) == ("unconfirmed", "confirmed")
    assert event.details == {"from": world.department.short_name, "to": "穗南测矩"}
    assert "已确认" in client.get("/admin/departments").get_data(as_text=True)
    assert next_department_document_number(db.session, department, doc_type="不罚",
                                           year=2026) == (1, "穗南测矩不罚〔2026〕1号")


def test_an_administrator_can_withdraw_a_confirmation(english_client, world):
    department = world.department
    department.short_name_confirmed = True
    db.session.commit()
    english_client.sign_in(world.admin.email)
    response = english_client.submit(_path(department),
                                     {"short_name": department.short_name})
    assert response.status_code == 302
    assert reload(department).short_name_confirmed is False
    assert [e.to_state for e in _short_name_events(department)] == ["unconfirmed"]


@pytest.mark.parametrize(("client_fixture", "short_name", "message"), [
    ("english_client", "SNMR", "Enter the short name as 2 to 20 Chinese characters"),
    ("client", "穗南 市监", "请输入2至20个汉字的文号简称"),
    ("client", "穗南市监1", "请输入2至20个汉字的文号简称"),
    ("english_client", "", "Enter the short name as 2 to 20 Chinese characters"),
    ("english_client", "穗" * 21, "The short name must be 20 characters or fewer"),
])
def test_a_short_name_that_cannot_be_in_a_number_is_refused_beside_the_field(
        request, world, client_fixture, short_name, message):
    client = request.getfixturevalue(client_fixture)
    client.sign_in(world.admin.email)
    before = world.department.short_name
    response = client.submit(_path(world.department),
                             {"short_name": short_name, "confirmed": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'aria-invalid="true"' in page
    department = reload(world.department)
    assert (department.short_name, department.short_name_confirmed) == (before, False)
    assert _short_name_events(department) == []


def test_two_departments_cannot_confirm_the_same_short_name(english_client, world):
    DepartmentFactory(short_name="穗南市监", confirmed=True)
    db.session.commit()
    english_client.sign_in(world.admin.email)
    response = english_client.submit(_path(world.department),
                                     {"short_name": "穗南市监", "confirmed": "y"})
    assert "Another department has already confirmed this short name." in \
        response.get_data(as_text=True)
    assert reload(world.department).short_name_confirmed is False


def test_an_unknown_department_is_not_found(client, world):
    client.sign_in(world.admin.email)
    assert client.get("/admin/departments/999999/short-name").status_code == 404
    assert client.get("/admin/departments/99999999999/short-name").status_code == 404


def test_content_sync_proposes_a_short_name_but_never_confirms_or_replaces_one(real_content):
    market = db.session.scalar(select(Department).where(Department.code == "market_regulation"))
    assert market is not None
    assert (market.short_name, market.short_name_confirmed) == ("穗南市监", False)
    market.short_name, market.short_name_confirmed = "穗南市场监", True
    db.session.flush()
    sync_content(db.session, loaded_content(), now=utcnow())
    market = reload(market)
    assert (market.short_name, market.short_name_confirmed) == ("穗南市场监", True)


def test_the_demo_confirms_only_the_sourced_short_name(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    confirmed = dict(db.session.execute(select(Department.code, Department.short_name)
                                        .where(Department.short_name_confirmed.is_(True))).all())
    assert confirmed == {"market_regulation": "穗南市监"}
