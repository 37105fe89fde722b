"""Sessions end where the user ends them: sign-out, another device, password, lifetime."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from portal.auth.models import UserSession
from portal.auth.sessions import describe_device
from portal.extensions import db

COOKIE = "portal_session"


def _copy_cookie(source, target) -> None:
    cookie = source.get_cookie(COOKIE)
    assert cookie is not None
    target.set_cookie(COOKIE, cookie.value, domain=cookie.domain)


@pytest.fixture
def second_client(app):
    """Another browser (or a thief's copy of a cookie)."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    return test_client


def _signed_in(client_) -> bool:
    response = client_.get("/account")
    return response.status_code == 200


def test_a_kept_cookie_dies_at_sign_out(client, second_client, world):
    client.sign_in(world.enterprise_admin.email)
    _copy_cookie(client, second_client)
    assert _signed_in(second_client)
    client.submit("/sign-out", token_from="/account")
    assert not _signed_in(client)
    response = second_client.get("/account")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    assert second_client.get("/self-checks").status_code == 302


def test_the_account_page_lists_sessions_and_ends_another_one(client, second_client, world):
    second_client.__class__ = type(client)
    second_client.sign_in(world.enterprise_admin.email)
    client.sign_in(world.enterprise_admin.email)
    page = client.get("/account").get_data(as_text=True)
    assert page.count("结束此会话") == 1  # the other device; this one is marked instead
    assert "本设备" in page
    other = db.session.scalars(select(UserSession).where(
        UserSession.user_id == world.enterprise_admin.id).order_by(UserSession.id)).first()
    assert other is not None
    response = client.submit(f"/account/sessions/{other.id}/end", token_from="/account")
    assert response.status_code == 302
    assert not _signed_in(second_client)
    assert _signed_in(client)
    assert "结束此会话" not in client.get("/account").get_data(as_text=True)


def test_someone_elses_session_cannot_be_ended(client, second_client, world):
    second_client.__class__ = type(client)
    second_client.sign_in(world.other_admin.email)
    theirs = db.session.scalar(select(UserSession.id).where(
        UserSession.user_id == world.other_admin.id))
    client.sign_in(world.enterprise_admin.email)
    response = client.submit(f"/account/sessions/{theirs}/end", token_from="/account")
    assert response.status_code == 404
    assert _signed_in(second_client)


def test_a_password_change_ends_the_other_sessions_only(client, second_client, world):
    from tests.conftest import PASSWORD

    second_client.__class__ = type(client)
    second_client.sign_in(world.enterprise_admin.email)
    client.sign_in(world.enterprise_admin.email)
    response = client.submit("/account/password", {
        "current_password": PASSWORD, "password": "Brand-New-Pass-77",
        "confirm": "Brand-New-Pass-77"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert _signed_in(client)
    assert not _signed_in(second_client)


def test_sign_out_everywhere_ends_every_session(client, second_client, world):
    second_client.__class__ = type(client)
    second_client.sign_in(world.officer.email)
    client.sign_in(world.officer.email)
    client.submit("/account/sign-out-everywhere", token_from="/account")
    assert not _signed_in(client)
    assert not _signed_in(second_client)
    open_sessions = db.session.scalars(select(UserSession).where(
        UserSession.user_id == world.officer.id, UserSession.ended_at.is_(None))).all()
    assert open_sessions == []


def test_a_session_ends_at_its_absolute_lifetime_however_active(app, client, world):
    client.sign_in(world.officer.email)
    hours = app.config["SESSION_ABSOLUTE_HOURS"]
    started = db.session.scalar(select(UserSession.created_at).where(
        UserSession.user_id == world.officer.id))
    # A minute short of the lifetime: still signed in.
    db.session.execute(update(UserSession).where(UserSession.user_id == world.officer.id)
                       .values(created_at=started - dt.timedelta(hours=hours, minutes=-1)))
    db.session.commit()
    assert _signed_in(client)
    db.session.execute(update(UserSession).where(UserSession.user_id == world.officer.id)
                       .values(created_at=started - dt.timedelta(hours=hours, minutes=1)))
    db.session.commit()
    assert not _signed_in(client)


def test_devices_are_described_by_browser_and_system():
    phone = ("Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/120.0.0.0 Mobile Safari/537.36")
    assert describe_device(phone) == "Chrome Mobile · Android"
    assert describe_device("") == ""
