"""Sign in and out, lock-out, sign out everywhere, password change (issue 2, point 4)."""

import datetime as dt

from sqlalchemy import select

from portal.core.audit import AuditEvent
from portal.core.db import utcnow
from portal.extensions import db
from tests.conftest import PASSWORD, reload


def _actions():
    return [event.action for event in db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id))]


def test_sign_in_with_email_then_sign_out(client, world):
    client.sign_in(world.enterprise_admin.email)
    assert world.enterprise.name in client.get("/enterprise").get_data(as_text=True)
    client.submit("/sign-out", token_from="/account")
    response = client.get("/enterprise")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_sign_in_with_mobile_number(client, world):
    reload(world.enterprise_member).mobile = "13700000001"
    db.session.commit()
    client.sign_in("13700000001")
    assert client.get("/account").status_code == 200


def test_email_is_matched_case_insensitively(client, world):
    client.sign_in(world.enterprise_admin.email.upper())


def test_wrong_password_is_refused_without_saying_which_part_is_wrong(english_client, world):
    response = english_client.submit("/sign-in", {"identifier": world.officer.email,
                                                  "password": "Wrong-Password-1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "email, mobile number or password is not right" in page
    unknown = english_client.submit("/sign-in", {"identifier": "nobody@example.com",
                                                 "password": "Wrong-Password-1"})
    assert "email, mobile number or password is not right" in unknown.get_data(as_text=True)
    assert "account.sign_in_failed" in _actions()


def _fail(client_, identifier, address="10.1.1.1"):
    return client_.submit("/sign-in", {"identifier": identifier, "password": "Wrong-Password-1"},
                          environ_base={"REMOTE_ADDR": address})


def test_failures_from_one_address_pause_only_that_address(app, english_client, world):
    limit = app.config["SIGN_IN_MAX_FAILURES"]
    for _ in range(limit):
        _fail(english_client, world.officer.email, "10.1.1.1")
    # The right password from the same address is paused, with no word about the account.
    paused = english_client.submit("/sign-in", {"identifier": world.officer.email,
                                                "password": PASSWORD},
                                   environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert paused.status_code == 200
    assert "Sign-in is paused" in paused.get_data(as_text=True)
    # The owner, elsewhere, is not locked out by a stranger's failures.
    assert reload(world.officer).locked_until is None
    owner = english_client.submit("/sign-in", {"identifier": world.officer.email,
                                               "password": PASSWORD},
                                  environ_base={"REMOTE_ADDR": "10.2.2.2"})
    assert owner.status_code == 302


def test_a_pause_looks_the_same_for_unknown_identifiers(app, english_client, world):
    limit = app.config["SIGN_IN_MAX_FAILURES"]
    pages = {}
    for identifier, address in ((world.officer.email, "10.1.1.1"),
                                ("nobody@example.com", "10.1.1.2")):
        for _ in range(limit):
            _fail(english_client, identifier, address)
        page = _fail(english_client, identifier, address).get_data(as_text=True)
        pages[identifier] = page.split('<main')[1].split('name="csrf_token"')[0]
    assert "Sign-in is paused" in pages["nobody@example.com"]
    assert pages[world.officer.email] == pages["nobody@example.com"]


def test_the_pause_expires(app, english_client, world):
    from portal.auth.models import SignInThrottle

    for _ in range(app.config["SIGN_IN_MAX_FAILURES"]):
        _fail(english_client, world.officer.email)
    for throttle in db.session.scalars(select(SignInThrottle)):
        throttle.locked_until = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    response = english_client.submit("/sign-in", {"identifier": world.officer.email,
                                                  "password": PASSWORD},
                                     environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert response.status_code == 302


def test_many_failures_from_many_addresses_lock_the_account_and_mail_its_owner(
        app, english_client, world):
    from portal.core import mail

    app.config["SIGN_IN_ACCOUNT_MAX_FAILURES"] = 6
    try:
        for number in range(6):
            _fail(english_client, world.officer.email, f"10.0.0.{number + 1}")
    finally:
        app.config["SIGN_IN_ACCOUNT_MAX_FAILURES"] = 20
    officer = reload(world.officer)
    assert officer.locked_until is not None and officer.locked_until > utcnow()
    assert "account.locked" in _actions()
    refused = english_client.submit("/sign-in", {"identifier": world.officer.email,
                                                 "password": PASSWORD},
                                    environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert "Sign-in is paused" in refused.get_data(as_text=True)
    (message,) = [m for m in mail.outbox if m.to == world.officer.email]
    link = next(line for line in message.body.splitlines() if "/account/unlock/" in line)
    path = link.split("portal.test", 1)[1]
    assert english_client.get(path).status_code == 200
    # Opening the link changes nothing (mail scanners prefetch links); the button does.
    assert reload(world.officer).locked_until is not None
    english_client.submit(path)
    assert reload(world.officer).locked_until is None
    assert english_client.get(path).status_code == 404  # single use
    english_client.sign_in(world.officer.email)


def test_the_failure_count_lives_in_the_database(app, world):
    """Another process (a fresh client and session) sees the same count."""
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        token = client.get("/sign-in").get_data(as_text=True).split(
            'name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/sign-in", data={"csrf_token": token, "identifier": world.officer.email,
                                      "password": "Wrong-Password-1"})
    assert reload(world.officer).failed_sign_ins == 2


def test_rate_limit_per_address(app, english_client, world):
    codes = [english_client.submit("/sign-in", {"identifier": f"x{i}@example.com",
                                               "password": "Wrong-Password-1"}).status_code
             for i in range(12)]
    assert 429 in codes
    assert codes.index(429) == 10  # "10 per minute"


def test_sign_out_everywhere_ends_other_sessions(app, client, world):
    other_device = app.test_client()
    other_device.__class__ = type(client)
    other_device.sign_in(world.enterprise_admin.email)
    client.sign_in(world.enterprise_admin.email)
    assert other_device.get("/account").status_code == 200
    client.submit("/account/sign-out-everywhere", token_from="/account")
    assert other_device.get("/account").status_code == 302
    assert client.get("/account").status_code == 302
    assert "account.signed_out_everywhere" in _actions()


def test_password_change_keeps_this_session_and_ends_others(app, client, world):
    other_device = app.test_client()
    other_device.__class__ = type(client)
    other_device.sign_in(world.enterprise_member.email)
    client.sign_in(world.enterprise_member.email)
    response = client.submit("/account/password", {
        "current_password": PASSWORD, "password": "New-Harbour-Pass-77",
        "confirm": "New-Harbour-Pass-77"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302
    client.submit("/sign-out", token_from="/account")
    client.sign_in(world.enterprise_member.email, "New-Harbour-Pass-77")


def test_password_change_with_wrong_current_password_changes_nothing(english_client, world):
    english_client.sign_in(world.enterprise_member.email)
    before = world.enterprise_member.password_hash
    response = english_client.submit("/account/password", {
        "current_password": "not-it-123", "password": "New-Harbour-Pass-77",
        "confirm": "New-Harbour-Pass-77"})
    assert "current password is not right" in response.get_data(as_text=True)
    assert reload(world.enterprise_member).password_hash == before


def test_next_parameter_cannot_redirect_off_site(client, world):
    response = client.submit("/sign-in?next=https://evil.example.com/",
                             {"identifier": world.officer.email, "password": PASSWORD},
                             token_from="/sign-in")
    assert response.headers["Location"] == "/"


def test_sign_in_cookie_flags(client, world):
    response = client.sign_in(world.officer.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
