"""The layout's links are kept per language, role and enterprise, never mixed up (issue 13)."""

from __future__ import annotations

from portal.extensions import db
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory


def _nav(page: str) -> str:
    return page[page.index('<ul class="nav__list">'):page.index("</ul>")]


def test_each_language_role_and_enterprise_gets_its_own_links(app, client, english_client):
    first, second = (MembershipFactory(enterprise=EnterpriseFactory(), admin=True)
                     for _ in range(2))
    officer = UserFactory(officer=True)
    db.session.commit()
    first_id, second_id = first.enterprise_id, second.enterprise_id
    first_email, second_email, officer_email = first.user.email, second.user.email, officer.email
    assert "合规指引" in _nav(client.get("/").get_data(as_text=True))
    english = _nav(english_client.get("/").get_data(as_text=True))
    assert "Compliance guides" in english and "合规指引" not in english
    assert "Sign in" in english

    client.sign_in(first_email)
    mine = _nav(client.get("/").get_data(as_text=True))
    assert f"/enterprise/{first_id}/members" in mine and "我的企业" in mine
    assert "/officer/self-checks" not in mine and "Sign in" not in mine

    other = app.test_client()
    other.__class__ = type(client)
    other.sign_in(second_email)
    theirs = _nav(other.get("/").get_data(as_text=True))
    assert f"/enterprise/{second_id}/members" in theirs
    assert f"/enterprise/{first_id}/members" not in theirs

    officer_client = app.test_client()
    officer_client.__class__ = type(client)
    officer_client.sign_in(officer_email)
    officers = _nav(officer_client.get("/").get_data(as_text=True))
    assert "/officer/self-checks" in officers
    assert "/members" not in officers and "我的企业" not in officers
