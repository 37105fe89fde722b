"""An enterprise registered under a whole wholesale or retail division records its class.

Before classes were asked, divisions 51 and 52 were stored whole; such an enterprise has
no self-check until its administrator records the class (issue 9, §3).
"""

from __future__ import annotations

from sqlalchemy import select

from portal.core.audit import AuditEvent
from portal.extensions import db
from portal.selfcheck.services import industry_for
from tests.conftest import reload


def _bare_retailer(world):
    reload(world.enterprise).industry_code = "52"
    db.session.commit()
    return f"/enterprise/{world.enterprise.id}/industry-class"


def test_the_admin_records_a_fuel_station_class_and_reaches_the_chemicals_check(
        client, world, real_content):
    path = _bare_retailer(world)
    client.sign_in(world.enterprise_admin.email)
    db.session.delete(reload(world.draft))  # no self-check open: none can be started yet
    db.session.commit()
    page = client.get("/self-checks").get_data(as_text=True)
    assert "批发业或零售业整个大类" in page and "开始自查" not in page
    page = client.get("/enterprise").get_data(as_text=True)
    assert path in page
    form = client.get(path).get_data(as_text=True)
    assert 'value="5265"' in form and 'value="5162"' not in form  # only retail classes
    response = client.submit(path, {"industry_class": "5265"})
    assert response.status_code == 302
    enterprise = reload(world.enterprise)
    assert enterprise.industry_code == "5265"
    assert industry_for(db.session, enterprise) == "chemicals"
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "enterprise.industry_class_chosen"))
    assert event is not None and (event.from_state, event.to_state) == ("52", "5265")
    assert client.get(path).status_code == 404  # recorded once; not a way to change industry


def test_a_class_of_another_division_is_refused_and_nothing_changes(english_client, world):
    path = _bare_retailer(world)
    english_client.sign_in(world.enterprise_admin.email)
    for tampered in ("5162", "62", "5299x", ""):
        page = english_client.submit(path, {"industry_class": tampered}).get_data(as_text=True)
        assert "error-summary" in page, tampered
        assert reload(world.enterprise).industry_code == "52"


def test_members_see_who_can_choose_and_cannot_choose_themselves(client, world):
    path = _bare_retailer(world)
    client.sign_in(world.enterprise_member.email)
    page = client.get("/enterprise").get_data(as_text=True)
    assert "可由本企业的管理员选择" in page and path not in page
    assert client.submit(path, {"industry_class": "5212"}).status_code == 403
    assert reload(world.enterprise).industry_code == "52"


def test_an_enterprise_with_its_class_is_not_offered_the_choice(client, world):
    client.sign_in(world.enterprise_admin.email)
    page = client.get("/enterprise").get_data(as_text=True)
    assert "industry-class" not in page
    assert client.get(f"/enterprise/{world.enterprise.id}/industry-class").status_code == 404
