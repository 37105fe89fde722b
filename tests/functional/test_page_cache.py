"""Public pages are cached (server-side and by validators), never personal ones (issue 13)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from portal.accounts.models import Department, Enterprise
from portal.core import pagecache
from portal.core.db import utcnow
from portal.extensions import db
from portal.guides.models import ContentSync, IndustryGuide, IndustryGuideVersion
from tests.conftest import _CSRF, counting_queries
from tests.factories import UserFactory


@pytest.fixture
def cached(app, monkeypatch):  # type: ignore[no-untyped-def]
    """Turn the page cache on (in memory), reading the content version on every request."""
    store = pagecache.MemoryStore()
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 60)
    monkeypatch.setitem(app.extensions, "portal_page_cache", store)
    monkeypatch.setattr(pagecache, "VERSION_CHECK_SECONDS", 0)
    monkeypatch.setitem(app.extensions, "portal_content_memo", {})
    # Versions an earlier test read (of rows since rolled back) are not this test's.
    monkeypatch.delitem(app.extensions, "portal_page_cache_version", raising=False)
    monkeypatch.delitem(app.extensions, "portal_endpoint_version_memo", raising=False)
    return store


def _guide_title(slug: str) -> IndustryGuideVersion:
    return db.session.scalar(select(IndustryGuideVersion).join(IndustryGuide).where(
        IndustryGuide.slug == slug, IndustryGuideVersion.is_current.is_(True)))


def test_a_public_page_is_kept_until_the_content_version_changes(client, real_content,
                                                                   cached):
    first = client.get("/guides/catering").get_data(as_text=True)
    version = _guide_title("catering")
    original = version.title["zh_Hans"]
    assert original in first
    version.title = {**version.title, "zh_Hans": "改过的标题"}
    db.session.commit()
    # Served from the cache: the rows changed behind the portal's back.
    assert "改过的标题" not in client.get("/guides/catering").get_data(as_text=True)
    # A content sync is a new content version: the page is rendered again.
    db.session.add(ContentSync(synced_at=utcnow(), content_digest="0" * 64, summary={}))
    db.session.commit()
    assert "改过的标题" in client.get("/guides/catering").get_data(as_text=True)


def test_guides_sync_empties_the_cache(app, client, real_content, cached):
    client.get("/guides")
    assert cached._pages
    result = app.test_cli_runner().invoke(args=["guides", "sync"])
    assert result.exit_code == 0, result.output
    assert not cached._pages


def test_public_pages_answer_304_to_their_own_validator(client, english_client,
                                                        real_content, cached):
    page = client.get("/exemptions")
    etag = page.headers["ETag"]
    assert page.headers["Cache-Control"] == "private, no-cache"
    assert {"Cookie", "Accept-Language"} <= set(page.vary)
    assert "Last-Modified" in page.headers
    again = client.get("/exemptions", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    # Another visitor's copy (another CSRF token) or another language does not match.
    assert english_client.get("/exemptions", headers={"If-None-Match": etag}).status_code == 200
    other = client.application.test_client()
    assert other.get("/exemptions", headers={"If-None-Match": etag}).status_code == 200


def test_each_visitor_gets_their_own_csrf_token_from_a_cached_page(app, client, real_content,
                                                                   cached):
    tokens = []
    for _ in range(2):
        visitor = app.test_client()
        page = visitor.get("/").get_data(as_text=True)
        assert pagecache.CSRF_PLACEHOLDER not in page
        token = _CSRF.search(page).group(1)
        tokens.append(token)
        response = visitor.post("/language", data={"csrf_token": token, "locale": "en",
                                                   "next": "/"})
        assert response.status_code == 302
        assert "Home" in visitor.get("/").get_data(as_text=True)
    assert tokens[0] != tokens[1]
    assert all(pagecache.CSRF_PLACEHOLDER.encode() in page.body
               for page in (entry[1] for entry in cached._pages.values()))


def test_signed_in_pages_are_never_cached(app, client, real_content, cached):
    app.test_client().get("/")  # an anonymous copy of the home page is kept
    user = UserFactory(display_name="缓存测试用户")
    db.session.commit()
    client.sign_in(user.email)
    page = client.get("/")
    assert "缓存测试用户" in page.get_data(as_text=True)
    assert "ETag" not in page.headers
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.uncached  # the list must be drawn for its statements to be seen
def test_the_officer_list_reads_the_content_in_force_once_per_content_version(
        app, client, real_content, cached):
    market = db.session.scalar(select(Department).where(Department.code == "market_regulation"))
    officer = UserFactory(officer=True, department=market)
    db.session.commit()
    client.sign_in(officer.email)
    assert client.get("/officer/self-checks").status_code == 200
    with counting_queries() as statements:
        page = client.get("/officer/self-checks").get_data(as_text=True)
    # The guides, bands and obligations in force come from this process's memory.
    assert not [s for s in statements if "industry_guide" in s or "questionnaire_versions" in s
                or "obligation_versions" in s], statements
    version = _guide_title("catering")
    assert version.title["zh_Hans"] in page
    version.title = {**version.title, "zh_Hans": "改过的标题"}
    db.session.commit()
    assert "改过的标题" not in client.get("/officer/self-checks").get_data(as_text=True)
    # A content sync is a new content version: the list reads the content again.
    db.session.add(ContentSync(synced_at=utcnow(), content_digest="0" * 64, summary={}))
    db.session.commit()
    assert "改过的标题" in client.get("/officer/self-checks").get_data(as_text=True)


def test_the_public_credit_page_is_kept_until_a_record_or_enterprise_changes(
        app, client, world, cached, monkeypatch):
    from portal.core.clock import local_today
    from portal.credit.models import CreditRecord, PublicationStatus
    from tests.credit.helpers import make_record

    # Only a change committed in this process, or the version read again after the
    # check interval, may show: never a page from before the change.
    monkeypatch.setattr(pagecache, "VERSION_CHECK_SECONDS", 3600)
    path = f"/credit/public/{world.enterprise.uscc}"
    assert 'id="no-records"' in client.get(path).get_data(as_text=True)
    with app.test_request_context():
        record = make_record(world.enterprise, world.department,
                             decided=local_today() - dt.timedelta(days=30))
    number = record.decision_number
    page = client.get(path).get_data(as_text=True)
    assert number in page and 'id="no-records"' not in page
    # Served from the cache: a change behind the portal's back (no row version) is not seen.
    db.session.execute(update(CreditRecord).where(CreditRecord.id == record.id)
                       .values(violation="改过的违法行为"))
    db.session.commit()
    assert "改过的违法行为" not in client.get(path).get_data(as_text=True)
    # The record's publication ends (a repair approved): gone at once.
    db.session.get(CreditRecord, record.id).publication_status = PublicationStatus.REPAIRED
    db.session.commit()
    assert number not in client.get(path).get_data(as_text=True)
    # The enterprise renamed: the new name at once.
    db.session.get(Enterprise, world.enterprise.id).name = "南沙改名后的餐饮有限公司"
    db.session.commit()
    assert "南沙改名后的餐饮有限公司" in client.get(path).get_data(as_text=True)


def test_another_process_sees_a_credit_change_within_the_check_interval(
        app, client, world, cached, monkeypatch):
    from portal.core.clock import local_today
    from tests.credit.helpers import make_record

    monkeypatch.setattr(pagecache, "VERSION_CHECK_SECONDS", 3600)
    path = f"/credit/public/{world.enterprise.uscc}"
    client.get(path)
    # Another process commits (this one's listener does not hear it) ...
    monkeypatch.setattr(pagecache, "forget_version", lambda app: None)
    with app.test_request_context():
        number = make_record(world.enterprise, world.department,
                             decided=local_today() - dt.timedelta(days=30)).decision_number
    assert number not in client.get(path).get_data(as_text=True)
    # ... and this one reads the version again when its interval is over.
    monkeypatch.setattr(pagecache, "VERSION_CHECK_SECONDS", 0)
    assert number in client.get(path).get_data(as_text=True)


def test_a_commit_is_followed_by_every_application_of_the_process(app, client, world, cached,
                                                                  monkeypatch):
    from flask import Flask

    from portal.core.clock import local_today
    from portal.credit.models import CreditRecord
    from tests.credit.helpers import make_record

    # Another application (a script's, a test's) that follows the same models, set up
    # first, must not take the change from this one.
    other = Flask("other")
    pagecache.forget_on_commit(other, CreditRecord)
    other.extensions["portal_endpoint_version_memo"] = {"credit.public": (0.0, "old")}
    monkeypatch.setattr(pagecache, "VERSION_CHECK_SECONDS", 3600)
    path = f"/credit/public/{world.enterprise.uscc}"
    client.get(path)
    with app.test_request_context():
        number = make_record(world.enterprise, world.department,
                             decided=local_today() - dt.timedelta(days=30)).decision_number
    assert number in client.get(path).get_data(as_text=True)
    assert "portal_endpoint_version_memo" not in other.extensions
