"""Forgotten passwords, temporary passwords set by an administrator."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from portal.auth.models import AccountToken
from portal.core import mail
from portal.core.db import utcnow
from portal.extensions import db
from tests.conftest import PASSWORD, reload

NEW = "Lantern-Ferry-8812"


def _reset_link(email: str) -> str:
    (message,) = [m for m in mail.outbox if m.to == email]
    line = next(line for line in message.body.splitlines() if "/password-reset/" in line)
    return line.split("portal.test", 1)[1]


def test_the_answer_is_the_same_whether_or_not_an_account_exists(client, world):
    known = client.submit("/password-reset", {"identifier": world.enterprise_admin.email})
    unknown = client.submit("/password-reset", {"identifier": "nobody@example.cn"})
    assert known.status_code == unknown.status_code == 200
    body = known.get_data(as_text=True)
    assert "如果有账号使用此电子邮箱或手机号码" in body
    assert (body.split("<main")[1].split("</main>")[0]
            == unknown.get_data(as_text=True).split("<main")[1].split("</main>")[0])
    assert [m.to for m in mail.outbox] == [world.enterprise_admin.email]


def test_a_reset_link_sets_a_new_password_once_and_ends_every_session(
        client, app, world):
    other = app.test_client()
    other.__class__ = type(client)
    other.sign_in(world.enterprise_admin.email)
    client.submit("/password-reset", {"identifier": world.enterprise_admin.email})
    path = _reset_link(world.enterprise_admin.email)
    assert client.get(path).status_code == 200
    weak = client.submit(path, {"password": "password123", "confirm": "password123"})
    assert weak.status_code == 200
    assert reload(world.enterprise_admin).password_hash == world.enterprise_admin.password_hash
    done = client.submit(path, {"password": NEW, "confirm": NEW})
    assert done.status_code == 302
    assert other.get("/account").status_code == 302  # the other session ended
    assert client.get(path).status_code == 404  # single use
    client.sign_in(world.enterprise_admin.email, NEW)
    client.submit("/sign-out", token_from="/account")
    refused = client.submit("/sign-in", {"identifier": world.enterprise_admin.email,
                                         "password": PASSWORD})
    assert refused.status_code == 200


def test_an_expired_link_is_refused(client, world):
    client.submit("/password-reset", {"identifier": world.officer.email})
    path = _reset_link(world.officer.email)
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 404
    assert "此链接已过期或已被使用" in response.get_data(as_text=True)
    assert client.submit(path, {"password": NEW, "confirm": NEW},
                         token_from="/password-reset").status_code == 404


def test_tokens_are_stored_only_as_digests(client, world):
    client.submit("/password-reset", {"identifier": world.officer.email})
    token = _reset_link(world.officer.email).rsplit("/", 1)[1]
    stored = db.session.scalars(select(AccountToken.token_digest)).all()
    assert len(stored) == 1
    assert token not in stored[0]


def test_an_administrator_set_password_must_be_changed_at_first_sign_in(client, world):
    client.sign_in(world.admin.email)
    created = client.submit("/admin/users/new", {
        "email": "first.timer@nansha.gov.cn", "display_name": "初次 登录", "kind": "officer",
        "department": str(world.department.id), "password": "Temporary-Pass-55"})
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    client.submit("/sign-out", token_from="/account")
    signed_in = client.submit("/sign-in", {"identifier": "first.timer@nansha.gov.cn",
                                           "password": "Temporary-Pass-55"})
    assert signed_in.headers["Location"].endswith("/account/password")
    # Every other page sends them back until they choose their own password.
    elsewhere = client.get("/officer/self-checks")
    assert elsewhere.status_code == 302
    assert elsewhere.headers["Location"].endswith("/account/password")
    changed = client.submit("/account/password", {
        "current_password": "Temporary-Pass-55", "password": NEW, "confirm": NEW})
    assert changed.status_code == 302
    assert client.get("/officer/self-checks").status_code == 200


def test_the_sign_in_page_links_to_the_reset(client):
    assert 'href="/password-reset"' in client.get("/sign-in").get_data(as_text=True)
