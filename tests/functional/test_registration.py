"""An enterprise registers itself and its administrator (issue 2, point 4)."""

import datetime as dt

from sqlalchemy import func, select, update

from portal.accounts.models import Enterprise, Membership, MembershipRole, User
from portal.auth.models import PendingRegistration
from portal.core import mail
from portal.core.audit import AuditEvent
from portal.core.db import utcnow
from portal.core.identifiers import make_uscc
from portal.extensions import db

VALID_USCC = make_uscc("91440115", "MA5RG001")


def _form(**changes):
    form = {
        "uscc": VALID_USCC,
        "name": "广州南沙新鲜餐饮有限公司",
        "industry_code": "62",
        "town": "huangge",
        "address": "黄阁镇麒龙西路1号",
        "legal_representative": "王五",
        "contact_mobile": "13912345678",
        "contact_email": "info@xinxian.example.com",
        "admin_name": "王小五",
        "admin_email": "Wang.Xiaowu@Example.com",
        "admin_mobile": "13912345679",
        "password": "Fresh-Dumplings-2026",
        "confirm": "Fresh-Dumplings-2026",
    }
    form.update(changes)
    return form


def _counts():
    return (db.session.scalar(select(func.count(Enterprise.id))),
            db.session.scalar(select(func.count(User.id))))


def _confirmation_path(email: str) -> str:
    (message,) = [m for m in mail.outbox if m.to == email]
    line = next(line for line in message.body.splitlines() if "/register/confirm/" in line)
    return line.split("portal.test", 1)[1]


def test_registration_waits_for_the_email_then_creates_enterprise_and_admin(client):
    response = client.submit("/register", _form())
    assert response.status_code == 200
    assert "请查收电子邮件以继续" in response.get_data(as_text=True)
    assert db.session.scalar(select(Enterprise).where(Enterprise.uscc == VALID_USCC)) is None
    path = _confirmation_path("wang.xiaowu@example.com")
    confirm = client.get(path)
    assert confirm.status_code == 200
    assert "广州南沙新鲜餐饮有限公司" in confirm.get_data(as_text=True)
    assert db.session.scalar(select(Enterprise).where(Enterprise.uscc == VALID_USCC)) is None
    response = client.submit(path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/enterprise")
    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.uscc == VALID_USCC))
    assert enterprise is not None and enterprise.industry_code == "62"
    admin = db.session.scalar(select(User).where(User.email == "wang.xiaowu@example.com"))
    assert admin.password_hash.startswith("$argon2id$")
    assert admin.mobile == "13912345679"
    membership = db.session.scalar(select(Membership).where(Membership.user_id == admin.id))
    assert membership.role == MembershipRole.ADMIN and membership.enterprise_id == enterprise.id
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "enterprise.registered",
        AuditEvent.object_id == str(enterprise.id))) is not None
    page = client.get("/enterprise").get_data(as_text=True)
    assert "广州南沙新鲜餐饮有限公司" in page
    assert VALID_USCC in page
    client.submit("/sign-out", token_from="/account")
    assert client.get(path).status_code == 404  # the link works once
    client.sign_in("wang.xiaowu@example.com", "Fresh-Dumplings-2026")


def test_a_taken_email_gets_the_same_answer_and_its_owner_a_reminder(client, world):
    taken = client.submit("/register", _form(admin_email=world.enterprise_admin.email))
    fresh = client.submit("/register", _form(uscc=make_uscc("91440115", "MA5RG002"),
                                             admin_email="new.person@example.com"))
    assert taken.status_code == fresh.status_code == 200

    def main_text(response, email):
        return response.get_data(as_text=True).split("<main")[1].split("</main>")[0].replace(
            email, "EMAIL")

    assert (main_text(taken, world.enterprise_admin.email)
            == main_text(fresh, "new.person@example.com"))
    (reminder,) = [m for m in mail.outbox if m.to == world.enterprise_admin.email]
    assert "/register/confirm/" not in reminder.body
    assert "/password-reset" in reminder.body
    assert db.session.scalar(select(func.count(PendingRegistration.id))) == 1


def test_an_expired_confirmation_link_creates_nothing(client):
    client.submit("/register", _form())
    path = _confirmation_path("wang.xiaowu@example.com")
    db.session.execute(update(PendingRegistration).values(
        expires_at=utcnow() - dt.timedelta(seconds=1)))
    db.session.commit()
    assert client.get(path).status_code == 404
    assert client.submit(path, token_from="/register").status_code == 404
    assert db.session.scalar(select(Enterprise).where(Enterprise.uscc == VALID_USCC)) is None


def test_a_mobile_taken_in_the_meantime_is_left_out(client, world):
    client.submit("/register", _form(admin_mobile="13700000009"))
    path = _confirmation_path("wang.xiaowu@example.com")
    db.session.get(User, world.officer.id).mobile = "13700000009"
    db.session.commit()
    assert client.submit(path).status_code == 302
    admin = db.session.scalar(select(User).where(User.email == "wang.xiaowu@example.com"))
    assert admin.mobile is None


def test_the_password_is_kept_only_as_a_hash_until_confirmed(client):
    client.submit("/register", _form())
    pending = db.session.scalar(select(PendingRegistration))
    assert "Fresh-Dumplings-2026" not in str(pending.data)
    assert pending.password_hash.startswith("$argon2id$")


def test_lower_case_and_full_width_codes_are_accepted(client):
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in VALID_USCC.lower())
    response = client.submit("/register", _form(uscc=full_width))
    assert response.status_code == 200
    client.submit(_confirmation_path("wang.xiaowu@example.com"))
    assert db.session.scalar(select(Enterprise.uscc).where(Enterprise.uscc == VALID_USCC))


def _refused(client, form, expected_message):
    before = _counts()
    response = client.submit("/register", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert expected_message in page, page[:3000]
    assert "error-summary" in page
    assert _counts() == before
    return page


def test_wrong_check_character_is_refused_in_chinese(client):
    wrong = VALID_USCC[:-1] + ("0" if VALID_USCC[-1] != "0" else "1")
    _refused(client, _form(uscc=wrong), "统一社会信用代码")


def test_wrong_length_is_refused(client):
    _refused(client, _form(uscc=VALID_USCC[:-2]), "18")


def test_duplicate_uscc_is_refused_and_nothing_is_created(client, world):
    page = _refused(client, _form(uscc=world.enterprise.uscc), "已")
    assert 'href="#uscc"' in page


def test_weak_password_and_mismatch_are_refused(client):
    _refused(client, _form(password="short1", confirm="short1"), "10")
    _refused(client, _form(password="onlyletterspassword", confirm="onlyletterspassword"),
             "字母")
    _refused(client, _form(confirm="Different-Thing-2026"), "不一致")


def test_over_long_fields_are_refused(client):
    _refused(client, _form(name="企" * 201), "200")
    _refused(client, _form(address="路" * 301), "300")


def test_tampered_industry_and_town_are_refused(client):
    _refused(client, _form(industry_code="99"), "选项")
    _refused(client, _form(town="kowloon"), "选项")


def test_english_users_get_english_messages(english_client):
    response = english_client.submit("/register", _form(uscc="123"))
    assert "must be 18 characters" in response.get_data(as_text=True)
