"""Decision documents, /verify/<code>, public disclosure at /decisions and its JSON API."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.exemptions import services
from portal.exemptions.models import Decision, WithdrawalKind
from portal.extensions import db
from tests.exemptions.helpers import MINOR, apply, entries, grant, verify_all

ID_NUMBER, MOBILE = "440115199001011234", "13912345678"


@pytest.fixture
def storage(app):  # type: ignore[no-untyped-def]
    return app.extensions["storage"]


@pytest.fixture
def today(monkeypatch):  # type: ignore[no-untyped-def]
    """Set the day the public pages and the API see (``today(day)``)."""
    def set_today(day: dt.date) -> None:
        monkeypatch.setattr("portal.disclosure.routes.local_today", lambda: day)
        monkeypatch.setattr("portal.guides.api.local_today", lambda: day)
    return set_today


def _day(app) -> dt.date:  # type: ignore[no-untyped-def]
    """Return today in Nansha (outside a request)."""
    with app.app_context():
        return local_today()


def _snapshot(decision: Decision) -> SimpleNamespace:
    """Return what tests read of a decision, read while its session is at hand."""
    return SimpleNamespace(**{name: getattr(decision, name) for name in (
        "id", "document_number", "verification_code", "digest", "content", "publish_on",
        "industry", "kind")})


def _granted(app, world, storage, *, days_ago: int = 3, **overrides) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        application = apply(world, storage,
                            violation_on=local_today() - dt.timedelta(days=days_ago),
                            **overrides)
        verify_all(world, application)
        return _snapshot(grant(world, application))


def _withdraw(app, world, snapshot: SimpleNamespace, reason: str) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        decision = db.session.get(Decision, snapshot.id)
        services.withdraw_from_disclosure(db.session, decision, actor=world.officer,
                                          kind=WithdrawalKind.REVOKED, reason=reason,
                                          expected_version=decision.version,
                                          today=local_today(), now=utcnow())
        db.session.commit()


def _refused(app, world, storage) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        application = apply(world, storage)
        services.propose_refusal(db.session, application, actor=world.officer,
                                 facts="改正时间晚于责令期限", reasons="未在责令期限内改正",
                                 basis="《行政处罚法》第三十三条",
                                 expected_version=application.version, today=local_today(),
                                 now=utcnow(), defence_working_days=5)
        services.submit_defence(db.session, storage, application, actor=world.enterprise_admin,
                                text="已于当日改正", uploads=[],
                                expected_version=application.version, today=local_today(),
                                now=utcnow(), answer_working_days=10)
        decision = services.answer_defence(
            db.session, application, actor=world.officer, answer="改正时间晚于期限，维持",
            accepted=False, expected_version=application.version, today=local_today(),
            now=utcnow(), disclosure_delay_working_days=7)
        db.session.commit()
        assert decision is not None
        return _snapshot(decision)


# -- The decision document --------------------------------------------------------------------


def test_the_document_states_every_article_59_element(app, client, world, storage):
    entries(world)
    decision = _granted(app, world, storage)
    content = decision.content
    client.sign_in(world.enterprise_admin.email)
    response = client.get(f"/decisions/document/{decision.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    year = _day(app).year
    for text in (
            "不予行政处罚决定书",                                  # title by outcome
            decision.document_number,                              # number
            content["party"]["name"], content["party"]["uscc"],    # party
            content["party"]["address"], content["party"]["legal_representative"],
            content["facts"],                                      # facts
            "未明码标价", MINOR, "第1版",                           # entry applied, its version
            "不予行政处罚",                                          # outcome
            "讲解《明码标价和禁止价格欺诈规定》",                     # education given
            "广州市南沙区人民政府", "60", "6个月",                    # remedies
            world.department.name_zh_hans, f"{year}年",             # authority and date
            decision.verification_code, decision.digest,            # verification
            f"http://portal.test/verify/{decision.verification_code}"):
        assert text in page, text
    assert "<svg" in page and 'class="segno"' in page              # the QR code
    assert "仅供参考" not in page                                   # the Chinese document itself


def test_the_evidence_list_gives_names_and_digests(app, client, world, storage):
    entries(world)
    decision = _granted(app, world, storage, case=world.case)
    client.sign_in(world.enterprise_admin.email)
    page = client.get(f"/decisions/document/{decision.id}").get_data(as_text=True)
    evidence = decision.content["evidence"]
    assert evidence
    for item in evidence:
        assert item["name"] in page and item["sha256"] in page


def test_an_english_rendering_is_marked_as_a_translation(app, client, world, storage):
    entries(world)
    decision = _granted(app, world, storage)
    client.sign_in(world.enterprise_admin.email)
    page = client.get(f"/decisions/document/{decision.id}?lang=en").get_data(as_text=True)
    assert "Translation for reference; the Chinese document prevails." in page
    assert "Decision not to impose an administrative penalty" in page
    assert "Prices not marked" in page                    # the entry in English
    assert decision.content["facts"] in page              # free text as written
    assert decision.document_number in page
    hant = client.get(f"/decisions/document/{decision.id}?lang=zh_Hant").get_data(as_text=True)
    assert "譯文僅供參考" in hant or "僅供參考" in hant
    assert client.get(f"/decisions/document/{decision.id}?lang=xx").status_code == 400


def test_a_refusal_document_states_the_reasons_defence_answer_and_remedies(
        app, client, world, storage):
    entries(world)
    decision = _refused(app, world, storage)
    client.sign_in(world.officer.email)
    page = client.get(f"/decisions/document/{decision.id}").get_data(as_text=True)
    for text in ("未在责令期限内改正", "改正时间晚于责令期限", "《行政处罚法》第三十三条",
                 "已于当日改正", "改正时间晚于期限，维持", decision.content["application"],
                 "行政复议", "行政诉讼", decision.verification_code):
        assert text in page, text


def test_the_pdf_is_an_attachment_never_sniffed_or_stored(app, client, world, storage):
    entries(world)
    decision = _granted(app, world, storage)
    client.sign_in(world.enterprise_admin.email)
    response = client.get(f"/decisions/document/{decision.id}.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_only_the_parties_see_the_document(app, client, world, storage):
    entries(world)
    decision = _granted(app, world, storage)
    client.sign_in(world.other_admin.email)
    assert client.get(f"/decisions/document/{decision.id}").status_code == 404
    assert client.get(f"/decisions/document/{decision.id}.pdf").status_code == 404


# -- Verification -------------------------------------------------------------------------------


def test_the_verification_page_shows_number_status_and_digest(app, client, world, storage):
    entries(world)
    decision = _granted(app, world, storage,
                        facts=f"经营者张三（身份证{ID_NUMBER}，电话{MOBILE}）未标价")
    page = client.get(f"/verify/{decision.verification_code}").get_data(as_text=True)
    assert decision.document_number in page and decision.digest in page
    assert "有效" in page
    for private in (ID_NUMBER, MOBILE, "张三", decision.content["party"]["address"]):
        assert private not in page
    _withdraw(app, world, decision, "经复查，决定已撤销")
    page = client.get(f"/verify/{decision.verification_code}").get_data(as_text=True)
    assert "已撤回" in page and "经复查，决定已撤销" in page


def test_a_refusal_is_verified_by_its_application_reference(app, client, world, storage):
    entries(world)
    decision = _refused(app, world, storage)
    page = client.get(f"/verify/{decision.verification_code}").get_data(as_text=True)
    assert decision.content["application"] in page and decision.digest in page


@pytest.mark.parametrize("code", ["23456789ABCDEFGH", "23456789abcdefgh", "0000000000000000",
                                  "23456789ABCDEFG", "23456789ABCDEFGHJ", "%27%20OR%201%3D1"])
def test_an_unknown_or_malformed_code_is_not_found(client, world, code):
    response = client.get(f"/verify/{code}")
    assert response.status_code == 404
    assert "没有与此核验码对应的决定" in response.get_data(as_text=True)


# -- Public disclosure ----------------------------------------------------------------------------


def test_a_grant_is_listed_from_its_publication_day_only(app, client, world, storage, today):
    entries(world)
    decision = _granted(app, world, storage)
    today(decision.publish_on - dt.timedelta(days=1))
    assert decision.document_number not in client.get("/decisions").get_data(as_text=True)
    assert client.get(f"/decisions/{decision.id}").status_code == 404
    assert client.get(f"/api/v1/decisions/{decision.id}").status_code == 404
    assert client.get("/api/v1/decisions").get_json()["total"] == 0
    today(decision.publish_on)
    response = client.get("/decisions")
    assert response.status_code == 200
    assert decision.document_number in response.get_data(as_text=True)
    # A public page: validated by its ETag, kept by no shared cache.
    assert response.headers["Cache-Control"] == "private, no-cache" and response.headers["ETag"]
    assert client.get(f"/decisions/{decision.id}").status_code == 200
    assert client.get("/api/v1/decisions").get_json()["items"][0]["document_number"] == \
        decision.document_number


def test_a_refusal_is_never_disclosed(app, client, world, storage, today):
    entries(world)
    decision = _refused(app, world, storage)
    today(_day(app) + dt.timedelta(days=60))
    assert client.get(f"/decisions/{decision.id}").status_code == 404
    assert client.get("/api/v1/decisions").get_json()["total"] == 0


def test_filters_narrow_the_list(app, client, world, storage, today):
    entries(world)
    first = _granted(app, world, storage, days_ago=3)
    second = _granted(app, world, storage, days_ago=4)
    with app.test_request_context():
        row = db.session.get(Decision, second.id)
        row.department_code, row.issued_on = world.other_department.code, \
            row.issued_on - dt.timedelta(days=30)
        db.session.commit()
    today(_day(app) + dt.timedelta(days=30))

    def numbers(query: str) -> set[str]:
        items = client.get(f"/api/v1/decisions?{query}").get_json()["items"]
        return {item["document_number"] for item in items}

    both = {first.document_number, second.document_number}
    assert numbers("") == both
    assert numbers(f"department={world.department.code}") == {first.document_number}
    assert numbers(f"entry={MINOR}") == both
    assert numbers(f"industry={first.industry}") == both
    start = (_day(app) - dt.timedelta(days=5)).isoformat()
    assert numbers(f"issued_from={start}") == {first.document_number}
    assert numbers(f"issued_to={start}") == {second.document_number}
    page = client.get(f"/decisions?department={world.other_department.code}")
    text = page.get_data(as_text=True)
    assert second.document_number in text and first.document_number not in text


def test_an_unknown_entry_key_lists_nothing(client, english_client, world):
    page = client.get("/decisions?entry=no-such-entry")
    assert page.status_code == 200 and 'class="error-summary"' not in page.get_data(as_text=True)
    api = english_client.get("/api/v1/decisions?entry=no-such-entry")
    assert api.status_code == 200 and api.get_json()["items"] == []


@pytest.mark.parametrize("query,name", [
    ("department=nowhere", "department"), ("industry=nowhere", "industry"),
    ("entry=%E4%B8%AD", "entry"), ("entry=Bad%20Key", "entry"),
    ("issued_from=2026-13-01", "issued_from"), ("issued_to=20261101", "issued_to"),
    ("issued_from=2026-05-02&issued_to=2026-05-01", "issued_from"),
    ("page=0", "page"), ("page=%C2%B2", "page"), ("per_page=21", "per_page")])
def test_a_bad_filter_is_refused_with_a_message(client, english_client, world, query, name):
    page = client.get(f"/decisions?{query}")
    assert page.status_code == 400
    assert 'class="error-summary"' in page.get_data(as_text=True)
    api = english_client.get(f"/api/v1/decisions?{query}")
    assert api.status_code == 400
    assert set(api.get_json()["errors"]) == {name}
    assert english_client.get(f"/decisions?{query}").status_code == 400


def test_a_bad_date_message_is_in_the_users_language(client, english_client, world):
    assert "YYYY-MM-DD" in english_client.get("/decisions?issued_from=x").get_data(as_text=True)
    chinese = client.get("/decisions?issued_from=x").get_data(as_text=True)
    assert "日期" in chinese


def test_a_withdrawn_decision_stays_listed_with_its_reason(app, client, world, storage, today):
    entries(world)
    decision = _granted(app, world, storage)
    with app.test_request_context():
        row = db.session.get(Decision, decision.id)
        row.publish_on = local_today() - dt.timedelta(days=1)  # published yesterday
        db.session.commit()
        today(local_today())
    _withdraw(app, world, decision, "经复查，原决定已变更")
    listing = client.get("/decisions").get_data(as_text=True)
    assert decision.document_number in listing and "经复查，原决定已变更" in listing
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "经复查，原决定已变更" in page and "已撤回" in page
    item = client.get(f"/api/v1/decisions/{decision.id}").get_json()
    assert item["status"] == "withdrawn"
    assert item["withdrawal"] == {"kind": "revoked", "reason": "经复查，原决定已变更"}


def test_a_decision_withdrawn_before_its_publication_is_never_shown(
        app, client, world, storage, today):
    entries(world)
    decision = _granted(app, world, storage)
    _withdraw(app, world, decision, "决定已撤销")
    today(decision.publish_on + dt.timedelta(days=10))
    assert client.get(f"/decisions/{decision.id}").status_code == 404
    assert client.get("/api/v1/decisions").get_json()["total"] == 0


def test_no_id_or_mobile_number_is_ever_disclosed(app, client, world, storage, today):
    entries(world)
    decision = _granted(app, world, storage,
                        facts=f"经营者张三（身份证{ID_NUMBER}，电话{MOBILE}）未标价")
    with app.test_request_context():
        row = db.session.get(Decision, decision.id)
        row.publish_on = local_today() - dt.timedelta(days=1)  # published yesterday
        db.session.commit()
        today(local_today())
    _withdraw(app, world, decision, f"当事人张三（{MOBILE}）提出异议后撤销")
    pages = [client.get("/decisions").get_data(as_text=True),
             client.get(f"/decisions/{decision.id}").get_data(as_text=True),
             client.get("/api/v1/decisions").get_data(as_text=True),
             client.get(f"/api/v1/decisions/{decision.id}").get_data(as_text=True),
             client.get(f"/verify/{decision.verification_code}").get_data(as_text=True)]
    assert decision.document_number in pages[0]
    for page in pages:
        assert ID_NUMBER not in page and MOBILE not in page and "张三" not in page
    assert "张*" in pages[1]  # the legal representative, masked


def test_the_list_pages_by_twenty(app, client, world, storage, today):
    entries(world)
    numbers = [_granted(app, world, storage, days_ago=days).document_number
               for days in range(3, 25)]
    today(_day(app) + dt.timedelta(days=30))
    first = client.get("/api/v1/decisions").get_json()
    assert first["total"] == 22 and len(first["items"]) == 20 and first["pages"] == 2
    second = client.get("/api/v1/decisions?page=2").get_json()
    assert len(second["items"]) == 2
    assert {i["document_number"] for i in first["items"] + second["items"]} == set(numbers)
    html = client.get("/decisions?page=2").get_data(as_text=True)
    assert "page=1" in html


def test_the_openapi_document_describes_the_decisions(client, world):
    document = client.get("/api/v1/openapi.json").get_json()
    listing = document["paths"]["/decisions"]["get"]
    assert {"200", "400"} <= set(listing["responses"])
    assert {p["name"] for p in listing["parameters"]} == {
        "department", "industry", "entry", "issued_from", "issued_to", "page", "per_page"}
    assert {"200", "404"} <= set(document["paths"]["/decisions/{id}"]["get"]["responses"])
    assert "Decision" in document["components"]["schemas"]


def test_decision_pages_are_kept_until_a_decision_is_issued_or_withdrawn(
        app, client, world, storage, monkeypatch):
    from portal.core import pagecache

    store = pagecache.MemoryStore()
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 60)
    monkeypatch.setitem(app.extensions, "portal_page_cache", store)
    monkeypatch.setattr(pagecache, "VERSION_CHECK_SECONDS", 0)
    monkeypatch.delitem(app.extensions, "portal_page_cache_version", raising=False)
    entries(world)

    def published(days_ago: int) -> SimpleNamespace:
        snapshot = _granted(app, world, storage, days_ago=days_ago)
        db.session.get(Decision, snapshot.id).publish_on = _day(app) - dt.timedelta(days=1)
        db.session.commit()
        return snapshot

    first = published(3)
    assert first.document_number in client.get("/decisions").get_data(as_text=True)
    assert first.document_number in client.get(f"/decisions/{first.id}").get_data(
        as_text=True)
    assert len(store._pages) == 2
    # Kept: a change behind the portal's back (no new decision, no withdrawal) is not seen.
    decision = db.session.get(Decision, first.id)
    decision.public_content = {**decision.public_content, "facts": "背后改动"}
    db.session.commit()
    assert "背后改动" not in client.get(f"/decisions/{first.id}").get_data(as_text=True)
    # A withdrawal is a new version: the list and the page show it at once.
    _withdraw(app, world, first, "经复查已撤销")
    assert "经复查已撤销" in client.get("/decisions").get_data(as_text=True)
    assert "经复查已撤销" in client.get(f"/decisions/{first.id}").get_data(as_text=True)
    # So is a new decision.
    second = published(5)
    assert second.document_number in client.get("/decisions").get_data(as_text=True)
