"""The notification centre in Chromium: the badge's accessible name, the list, axe."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.core.db import make_engine, utcnow
from portal.notifications.models import Notification
from tests.e2e.conftest import DEMO_PASSWORD, SERVER_LOG

EMAIL = "logistics-staff@demo.nansha.invalid"


def _add_notifications(count: int) -> None:
    """Add notifications for EMAIL to the live server's database."""
    database = SERVER_LOG[-1].parent / "portal.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    try:
        with Session(engine) as session:
            user = session.scalars(select(User).where(User.email == EMAIL)).one()
            # Whatever the demo data or other journeys told this user is read already,
            # so that the badge counts exactly the notifications added here.
            session.execute(update(Notification).where(
                Notification.user_id == user.id, Notification.read_at.is_(None))
                .values(read_at=utcnow()))
            for _n in range(count):
                # A kind this build does not register: the page says so, in Chinese.
                session.add(Notification(user_id=user.id, kind="e2e", params={},
                                         link_endpoint="accounts.profile", link_args={},
                                         created_at=utcnow()))
            session.commit()
    finally:
        engine.dispose()


def test_the_badge_names_the_unread_count_and_the_list_marks_them_read(page, axe):
    _add_notifications(2)
    page.goto("/sign-in")
    page.get_by_label("电子邮箱或手机号码").fill(EMAIL)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    badge = page.get_by_role("link", name="通知（2 条未读）")
    assert badge.count() == 1
    badge.click()
    page.wait_for_url("**/notifications")
    axe.check(page, "60-notifications-unread")
    assert page.get_by_text("未读", exact=True).count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with page.expect_navigation():
        page.get_by_role("button", name="标记为已读", exact=True).first.click()
    assert page.get_by_role("link", name="通知（1 条未读）").count() == 1
    with page.expect_navigation():
        page.get_by_role("button", name="全部标记为已读").click()
    assert page.get_by_role("link", name="通知", exact=True).count() == 1
    axe.check(page, "61-notifications-read")
