"""Signed-in pages are kept per session until anything is committed (issue 13)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from portal.auth.models import UserSession
from portal.core import pagecache, personalcache
from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.extensions import db
from tests.conftest import _CSRF, counting_queries
from tests.credit.helpers import make_record


@pytest.fixture
def kept(app, monkeypatch):  # type: ignore[no-untyped-def]
    """Turn the signed-in page cache on, in this process's memory."""
    store = personalcache.MemoryPersonalStore()
    monkeypatch.setitem(app.extensions, "portal_personal_cache", store)
    return store


@pytest.mark.parametrize("path", ["/enterprise", "/credit", "/self-checks", "/cases"])
def test_a_signed_in_page_is_answered_again_without_a_query(client, world, kept, path):
    client.sign_in(world.enterprise_admin.email)
    client.get("/")  # shows the "signed in" message: that page is not kept
    first = client.get(path)
    assert first.status_code == 200
    with counting_queries() as seen:
        again = client.get(path)
    assert again.status_code == 200 and seen == []
    # The same page; its CSRF token is signed anew (with the time) for each answer.
    assert (_CSRF.sub("", again.get_data(as_text=True))
            == _CSRF.sub("", first.get_data(as_text=True)))
    assert again.headers["Cache-Control"] == "no-store"
    assert again.headers["X-Cache"] == "hit" and "X-Cache" not in first.headers


def test_a_kept_page_carries_a_working_csrf_token_of_its_session(client, world, kept):
    client.sign_in(world.enterprise_admin.email)
    client.get("/")
    client.get("/enterprise")
    page = client.get("/enterprise").get_data(as_text=True)
    assert pagecache.CSRF_PLACEHOLDER not in page
    token = _CSRF.search(page).group(1)
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/enterprise").status_code == 302  # signed out


def test_a_commit_shows_at_once(app, client, world, kept):
    client.sign_in(world.enterprise_admin.email)
    client.get("/credit")
    before = client.get("/credit").get_data(as_text=True)
    with app.test_request_context():
        number = make_record(world.enterprise, world.department,
                             decided=local_today() - dt.timedelta(days=30)).decision_number
    assert number not in before
    assert number in client.get("/credit").get_data(as_text=True)


def test_a_copied_cookie_is_refused_after_sign_out(app, client, world, kept):
    client.sign_in(world.enterprise_admin.email)
    assert client.get("/enterprise").status_code == 200
    cookie = client.get_cookie("portal_session")
    assert cookie is not None
    copy = app.test_client()
    copy.set_cookie("portal_session", cookie.value)
    assert copy.get("/enterprise").status_code == 200  # kept, answered from the cache
    client.submit("/sign-out", token_from="/enterprise")
    assert copy.get("/enterprise").status_code == 302


def test_a_session_ended_elsewhere_is_refused_at_once(client, world, kept):
    client.sign_in(world.enterprise_admin.email)
    client.get("/enterprise")
    db.session.execute(update(UserSession).where(
        UserSession.user_id == world.enterprise_admin.id).values(ended_at=utcnow()))
    db.session.commit()
    assert client.get("/enterprise").status_code == 302


def test_each_user_and_language_gets_their_own_page(app, client, english_client, world, kept):
    client.sign_in(world.enterprise_admin.email)
    english_client.sign_in(world.officer.email)
    for _ in range(2):
        mine = client.get("/").get_data(as_text=True)
        theirs = english_client.get("/").get_data(as_text=True)
        assert world.enterprise.name in mine and world.enterprise.name not in theirs
        assert 'lang="zh-Hans-CN"' in mine
        assert 'lang="en"' in theirs


def test_a_page_with_a_message_is_never_kept(client, world, kept):
    store = kept
    response = client.sign_in(world.enterprise_admin.email)
    # The "signed in" message waits for the next page: that page is not kept.
    first = client.get(response.headers["Location"]).get_data(as_text=True)
    second = client.get(response.headers["Location"]).get_data(as_text=True)
    assert first != second
    assert not [key for key in store.pages if first.encode() in store.pages[key][2].body]


def test_a_page_is_not_kept_beyond_its_session(client, world, kept, app):
    store = kept
    client.sign_in(world.enterprise_admin.email)
    client.get("/")
    assert client.get("/enterprise").status_code == 200
    assert store.pages  # kept while the session has long to live
    store.pages.clear()
    lifetime = dt.timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
    db.session.execute(update(UserSession).where(
        UserSession.user_id == world.enterprise_admin.id)
        .values(created_at=utcnow() - lifetime + dt.timedelta(milliseconds=500)))
    db.session.commit()
    assert client.get("/enterprise").status_code == 200
    assert not store.pages


def test_cache_clear_forgets_every_kept_page(app, client, world, kept):
    store = kept
    client.sign_in(world.enterprise_admin.email)
    client.get("/enterprise")
    before = store.count()
    result = app.test_cli_runner().invoke(args=["cache", "clear"])
    assert result.exit_code == 0, result.output
    assert store.count() == before + 1
    with counting_queries() as seen:
        client.get("/enterprise")
    assert seen  # read and drawn again


def test_only_listed_read_only_pages_are_kept(client, world, kept):
    store = kept
    client.sign_in(world.enterprise_admin.email)
    client.get("/")
    store.pages.clear()
    client.get("/account")
    client.get("/notifications")
    assert not store.pages


def test_the_redis_store_answers_a_page_only_at_the_count_it_was_drawn():
    from tests.conftest import redis_url

    if not redis_url():
        pytest.skip("PORTAL_TEST_REDIS_URL is not set")
    store = personalcache.RedisPersonalStore(redis_url())
    page = pagecache.CachedPage(body="<p>页面</p>".encode(), mimetype="text/html")
    count = store.count()
    assert count is not None
    store.keep("test-key", count, page, 5)
    assert store.lookup("test-key") == (count, page)
    store.bump()
    assert store.lookup("test-key") == (count + 1, None)
    assert store.lookup("no-such-key") == (count + 1, None)


def test_an_unreachable_redis_only_skips_the_cache():
    store = personalcache.RedisPersonalStore("redis://127.0.0.1:1/0")
    assert store.lookup("key") is None and store.count() is None
    store.keep("key", 1, pagecache.CachedPage(body=b"x", mimetype="text/html"), 5)
    store.bump()  # logged, never raised
