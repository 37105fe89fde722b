"""The notification centre: notify, the user's own list, marking read, the header badge."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from werkzeug.routing import BuildError

from portal.core import mail
from portal.core.db import utcnow
from portal.core.outbox import OutboxMessage, deliver_due
from portal.extensions import db
from portal.notifications.kinds import register_kind
from portal.notifications.models import Notification
from portal.notifications.services import notify
from tests.conftest import reload
from tests.factories import UserFactory

# A kind for the tests, made of messages the catalogues translate already, so that
# the language each reader sees can be checked.
KIND = register_kind("test_acting", subject=_l("Notifications"),
                     text=_l("You are now acting for %(name)s."))

ZH_HANS = "您现在代表南沙测试公司办理业务。"
ZH_HANT = "您現在代表南沙测试公司辦理業務。"  # the value is shown as given
EN = "You are now acting for 南沙测试公司."


def _notify(users, *, link=("accounts.profile", {}), email=True, name="南沙测试公司"):
    created = notify(db.session, users, "test_acting", params={"name": name}, link=link,
                     now=utcnow(), email=email)
    db.session.commit()
    return created


def _queued() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def reader(db_session):
    user = UserFactory(locale=None)
    db.session.commit()
    return user


@pytest.fixture
def stranger(db_session):
    user = UserFactory()
    db.session.commit()
    return user


def test_notify_adds_one_notification_per_active_user_and_queues_their_email(app):
    with app.test_request_context("/"):
        chinese = UserFactory(locale=None)
        english = UserFactory(locale="en")
        hong_kong = UserFactory(locale="zh_Hant")
        inactive = UserFactory(is_active=False)
        no_email = UserFactory(email=None, mobile="13900000001")
        created = _notify([chinese, english, hong_kong, inactive, no_email, chinese])
    assert sorted(n.user_id for n in created) == sorted(
        [chinese.id, english.id, hong_kong.id, no_email.id])
    queued = {message.to_address: message for message in _queued()}
    assert set(queued) == {chinese.email, english.email, hong_kong.email}
    # Each email in its recipient's language; none leaves inside the request.
    assert queued[chinese.email].subject == "通知"
    assert queued[chinese.email].body.startswith(ZH_HANS)
    assert queued[english.email].subject == "Notifications"
    assert queued[english.email].body.startswith(EN)
    assert queued[hong_kong.email].body.startswith(ZH_HANT)
    assert "http://portal.test/account" in queued[english.email].body
    assert "http://portal.test/notifications" in queued[english.email].body
    assert mail.outbox == []
    with app.app_context():
        assert deliver_due(db.session, now=utcnow()).sent == 3
    assert {message.to for message in mail.outbox} == set(queued)


def test_notify_works_outside_a_request_and_without_email(app):
    with app.app_context():
        user = UserFactory(locale="en")
        [notification] = _notify([user], email=False,
                                 link=("notifications.index", {"before": 7}))
        assert notification.link_endpoint == "notifications.index"
    assert _queued() == []


def test_notify_refuses_an_unknown_kind_or_link_and_adds_nothing(app):
    with app.test_request_context("/"):
        user = UserFactory()
        with pytest.raises(ValueError, match="not registered"):
            notify(db.session, [user], "no_such_kind", params={}, link=None, now=utcnow())
        with pytest.raises(BuildError):
            notify(db.session, [user], "test_acting", params={"name": "x"},
                   link=("no.such_page", {}), now=utcnow())
    assert db.session.scalars(select(Notification)).all() == []
    assert _queued() == []


def test_a_kind_is_registered_once(app):
    with pytest.raises(ValueError, match="registered already"):
        register_kind("test_acting", subject=_l("Notifications"), text=_l("Open"))


def test_the_list_shows_only_the_readers_own_notifications_newest_first(
        app, client, reader, stranger):
    with app.test_request_context("/"):
        _notify([reader], name="第一家公司")
        _notify([stranger], name="别人的公司")
        _notify([reader], name="第二家公司", link=None)
    client.sign_in(reader.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert "别人的公司" not in page
    first, second = page.index("第二家公司"), page.index("第一家公司")
    assert first < second
    assert page.count("notification--unread") == 2
    assert page.count(">未读<") == 2
    assert page.count('href="/account">查看</a>') == 1  # only the one with a link


@pytest.mark.parametrize(("accept", "expected"), [
    ("zh-CN,zh;q=0.9", ZH_HANS), ("zh-HK,zh;q=0.9", ZH_HANT), ("en-GB,en;q=0.9", EN)])
def test_each_reader_sees_the_text_in_their_own_language(app, client, reader, accept,
                                                          expected):
    with app.test_request_context("/"):
        _notify([reader])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept
    client.sign_in(reader.email)
    assert expected in client.get("/notifications").get_data(as_text=True)


def test_marking_one_read_needs_the_token_and_only_touches_the_readers_own(
        app, client, reader, stranger):
    with app.test_request_context("/"):
        [mine] = _notify([reader])
        [theirs] = _notify([stranger])
    client.sign_in(reader.email)
    assert client.post(f"/notifications/{mine.id}/read").status_code == 400
    assert reload(mine).read_at is None
    assert client.submit(f"/notifications/{theirs.id}/read",
                         token_from="/notifications").status_code == 404
    assert client.submit("/notifications/999999/read",
                         token_from="/notifications").status_code == 404
    assert reload(theirs).read_at is None
    response = client.submit(f"/notifications/{mine.id}/read", token_from="/notifications")
    assert response.status_code == 302
    assert reload(mine).read_at is not None
    page = client.get("/notifications").get_data(as_text=True)
    assert "notification--unread" not in page


def test_mark_all_read_marks_every_own_notification_and_no_one_elses(
        app, client, reader, stranger):
    with app.test_request_context("/"):
        mine = _notify([reader]) + _notify([reader])
        [theirs] = _notify([stranger])
    client.sign_in(reader.email)
    assert client.post("/notifications/read-all").status_code == 400
    assert all(reload(n).read_at is None for n in mine)
    response = client.submit("/notifications/read-all", token_from="/notifications",
                             follow_redirects=True)
    assert "您的所有通知已标记为已读。" in response.get_data(as_text=True)
    assert all(reload(n).read_at is not None for n in mine)
    assert reload(theirs).read_at is None


def _badge(page: str) -> str | None:
    """Return the accessible name the header's notifications link has, if not its text."""
    match = re.search(r'<a class="nav__link" href="/notifications"([^>]*)>通知', page)
    assert match, "no notifications link in the header"
    label = re.search(r'aria-label="([^"]*)"', match.group(1))
    return label.group(1) if label else None


def test_the_header_shows_the_unread_count_with_an_accessible_name(
        app, client, reader, stranger):
    client.sign_in(reader.email)
    assert _badge(client.get("/").get_data(as_text=True)) is None
    with app.test_request_context("/"):
        first, _second, _third = _notify([reader]) + _notify([reader]) + _notify([reader])
        _notify([stranger])
    page = client.get("/").get_data(as_text=True)
    assert _badge(page) == "通知（3 条未读）"
    assert '<span class="badge" aria-hidden="true">3</span>' in page
    client.submit(f"/notifications/{first.id}/read", token_from="/notifications")
    assert _badge(client.get("/").get_data(as_text=True)) == "通知（2 条未读）"


@pytest.mark.uncached  # the page must be drawn for its statements to be counted
def test_the_badge_costs_one_count_query_and_none_for_visitors(app, client, reader):
    with app.test_request_context("/"):
        _notify([reader])
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if "notifications" in statement:
            statements.append(statement)

    assert db.engine is not None
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get("/").get_data(as_text=True)
        assert 'href="/notifications"' not in page
        assert statements == []
        client.sign_in(reader.email)
        statements.clear()
        client.get("/")
        assert len(statements) == 1 and "count(" in statements[0].lower()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_the_list_is_paged_newest_first(app, client, reader):
    with app.test_request_context("/"):
        for n in range(25):
            _notify([reader], name=f"公司{n:02d}", email=False)
    client.sign_in(reader.email)
    first = client.get("/notifications").get_data(as_text=True)
    assert "公司24" in first and "公司05" in first and "公司04" not in first
    older = re.search(r'href="(/notifications\?before=\d+)">更早的通知', first)
    assert older
    second = client.get(older.group(1)).get_data(as_text=True)
    assert "公司04" in second and "公司00" in second and "公司05" not in second
    assert "更早的通知" not in second and 'href="/notifications">最新通知' in second


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/notifications")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_a_rolled_back_notification_leaves_nothing_behind(app, reader):
    with app.test_request_context("/"):
        nested = db.session.begin_nested()
        notify(db.session, [reader], "test_acting", params={"name": "x"}, link=None,
               now=utcnow())
        db.session.flush()
        nested.rollback()
        assert deliver_due(db.session, now=utcnow() + dt.timedelta(days=1)).attempted == 0
    assert db.session.scalars(select(Notification)).all() == []
    assert mail.outbox == []
