"""Officers and legal reviewers through the pages: the verification page, grants, legal
review, refusal after a defence, supplements, withdrawal from disclosure, stale forms and
who may do what."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.core.db import utcnow
from portal.exemptions import rules, services
from portal.exemptions.models import (
    ApplicationStatus,
    Decision,
    DecisionKind,
    DisclosureStatus,
    LegalReview,
)
from portal.extensions import db
from portal.notifications.models import Notification
from tests.conftest import reload
from tests.exemptions.helpers import FIRST, apply, entries, grant, verify_all
from tests.factories import UserFactory, make_entry


def local_today() -> dt.date:
    """Return today in Nansha (the portal's default time zone)."""
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')


@pytest.fixture
def storage(app):  # type: ignore[no-untyped-def]
    return app.extensions["storage"]


@pytest.fixture
def setup(app, world, storage):  # type: ignore[no-untyped-def]
    """Run service calls that prepare a test in a request context (settings, clock)."""

    def attach(value):  # type: ignore[no-untyped-def]
        # Each request's end detaches what was loaded; load it again in this context.
        if hasattr(value, "__table__"):
            return db.session.get(type(value), value.id)
        return value

    class Setup:
        def __call__(self, function, *args, **kwargs):  # type: ignore[no-untyped-def]
            with app.test_request_context(headers={"Accept-Language": "en"}):
                for name, value in list(vars(world).items()):
                    setattr(world, name, attach(value))
                result = function(*[attach(arg) for arg in args],
                                  **{key: attach(value) for key, value in kwargs.items()})
                db.session.commit()
                return result

    return Setup()


@pytest.fixture
def minor(world, storage, setup):  # type: ignore[no-untyped-def]
    """A minor-violation application waiting for verification."""
    setup(entries, world)
    return setup(apply, world, storage)


def _url(application, suffix: str = "") -> str:
    return f"/officer/exemptions/{application.id}{suffix}"


def _version(page: str) -> str:
    match = VERSION.search(page)
    assert match, "no version field"
    return match.group(1)


def _page(client, application) -> str:  # type: ignore[no-untyped-def]
    response = client.get(_url(application))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _post(client, application, suffix: str, data: dict, **kwargs):  # type: ignore[no-untyped-def]
    page = _page(client, application)
    form = {"version": _version(page), **data}
    return client.submit(_url(application, suffix), form, token_from=_url(application),
                         **kwargs)


def _verification(application, *, answer: str = "yes", **overrides) -> dict[str, str]:
    """Return a filled verification form: every condition answered, education recorded."""
    data = {f"condition_{index:02d}": answer
            for index, _condition in enumerate(_conditions(application))}
    data.update({f"note_{index:02d}": "现场核实" for index in range(len(data))})
    data.update({"education_form": "talk", "education_on": local_today().isoformat(),
                 "education_content": "讲解明码标价规定", "economic_impact": "小微企业，影响有限",
                 "discretion_reason": "首次违法，当场改正"})
    data.update(overrides)
    return data


def _conditions(application) -> list[rules.Condition]:  # type: ignore[no-untyped-def]
    return rules.conditions_of(reload(application))


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _sign_out(client) -> None:  # type: ignore[no-untyped-def]
    client.post("/sign-out", data={"csrf_token": client.csrf_token()})


def _condition_block(page: str, index: int) -> str:
    start = page.index(f'id="condition-{index}"')
    end = page.find('class="card condition"', start)
    return page[start:end if end != -1 else len(page)]


# -- The verification page ------------------------------------------------------------------


def test_the_page_shows_each_condition_with_the_facts_that_bear_on_it(english_client, world,
                                                                      storage, setup):
    setup(entries, world)
    earlier = setup(apply, world, storage, violation_on=local_today() - dt.timedelta(days=30))
    setup(verify_all, world, earlier)
    decision = setup(grant, world, earlier)
    # A first-violation application for the same kind of violation, after that grant.
    application = setup(apply, world, storage, entry=FIRST, violation_on=local_today())
    english_client.sign_in(world.officer.email)
    page = _page(english_client, application)
    conditions = _conditions(application)
    keys = [condition.key for condition in conditions]
    first = next(i for i, key in enumerate(keys) if key.endswith("condition.first_discovery"))
    block = _condition_block(page, first)
    assert "Discovered for the first time" in block
    assert "Contradicts" in block and decision.document_number in block
    # Every condition has its finding radios; the timely-correction one says no case is linked.
    for index in range(len(conditions)):
        assert f'name="condition_{index:02d}"' in page
    timely = next(i for i, key in enumerate(keys)
                  if key.endswith("condition.corrected_within_ordered_period"))
    assert "No rectification case is linked" in _condition_block(page, timely)
    # The other facts, the entry, the discretionary choice and the need for legal review.
    assert "limitation period" in page and "white list" in page
    assert 'name="discretion_reason"' in page
    assert "needs legal review" in page
    assert "Prices not marked" in page and "Version 1" in page
    assert application.facts in page


def test_the_linked_case_and_its_evidence_are_shown(client, world, storage, setup):
    setup(entries, world)
    application = setup(apply, world, storage, case=world.case)
    client.sign_in(world.officer.email)
    page = _page(client, application)
    assert f'href="/cases/{world.case.id}"' in page and world.case.reference in page
    assert f"/cases/{world.case.id}/files/" in page


def test_a_grant_with_an_unconfirmed_condition_shows_why_and_changes_nothing(
        english_client, world, minor):
    english_client.sign_in(world.officer.email)
    response = _post(english_client, minor, "/verify",
                     _verification(minor, condition_00="no"), follow_redirects=True)
    assert "Your verification was recorded" in response.get_data(as_text=True)
    before = reload(minor).version
    response = _post(english_client, minor, "/grant", {}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Every condition must be confirmed as met before a grant: 1 not confirmed." in page
    application = reload(minor)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.version == before and _count(Decision) == 0


def test_an_unanswered_condition_and_bad_dates_get_messages(client, world, minor):
    client.sign_in(world.officer.email)
    data = _verification(minor, education_on="2026-02-30")
    del data["condition_01"]
    response = _post(client, minor, "/verify", data)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "请说明该条件是否满足" in body and "请输入有效日期" in body
    future = (local_today() + dt.timedelta(days=2)).isoformat()
    response = _post(client, minor, "/verify", _verification(minor, education_on=future))
    assert response.status_code == 400 and "不能是将来" in response.get_data(as_text=True)
    assert reload(minor).checks == []


@pytest.mark.parametrize(("fine", "message"), [("abc", "请输入以元为单位的金额"),
                                               ("-5", "请输入 0 至 100,000,000 元")])
def test_a_bad_fine_gets_a_message(client, world, storage, setup, fine, message):
    setup(entries, world)
    setup(make_entry, "mitigated-01", department=world.department.code, list_type="mitigated",
          ground="art32_mitigation", extra={"range": {"zh_Hans": "罚款二千元以上一万元以下"}})
    application = setup(apply, world, storage, entry="mitigated-01")
    client.sign_in(world.officer.email)
    page = _page(client, application)
    assert "罚款二千元以上一万元以下" in page and 'name="fine_yuan"' in page
    response = _post(client, application, "/verify",
                     _verification(application, mitigation_detail="从轻罚款", fine_yuan=fine))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert reload(application).fine_yuan is None


def test_a_minor_grant_end_to_end(client, world, minor):
    client.sign_in(world.officer.email)
    assert minor.reference in client.get("/officer/exemptions").get_data(as_text=True)
    response = _post(client, minor, "/verify", _verification(minor))
    assert response.status_code == 302
    application = reload(minor)
    assert all(check.confirmed for check in application.checks)
    assert application.education_content == "讲解明码标价规定"
    page = _page(client, application)
    assert "不予行政处罚" in page and 'name="mitigation_detail"' not in page
    response = _post(client, application, "/grant", {}, follow_redirects=True)
    decision = db.session.scalar(select(Decision))
    assert decision is not None and decision.kind == DecisionKind.GRANT
    assert decision.document_number in response.get_data(as_text=True)
    assert reload(minor).status == ApplicationStatus.GRANTED
    told = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "exemption.granted")))
    assert world.enterprise_admin.id in told
    # A granted application has no more actions.
    page = _page(client, minor)
    assert "/grant" not in page and "/verify" not in page


# -- Legal review ---------------------------------------------------------------------------


def test_a_first_violation_grant_through_legal_review(client, world, storage, setup):
    setup(entries, world)
    application = setup(apply, world, storage, entry=FIRST)
    client.sign_in(world.officer.email)
    assert _post(client, application, "/verify", _verification(application)).status_code == 302
    response = _post(client, application, "/grant", {}, follow_redirects=True)
    assert "已送法制审核" in response.get_data(as_text=True)
    application = reload(application)
    assert application.status == ApplicationStatus.LEGAL_REVIEW
    assert application.proposed_by_id == world.officer.id
    assert _count(Decision) == 0
    # The proposing officer sees no review form; the legal reviewers were told.
    assert 'name="result"' not in _page(client, application)
    assert world.legal_reviewer.id in set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "exemption.grant_proposed")))
    _sign_out(client)

    client.sign_in(world.legal_reviewer.email)
    listing = client.get("/officer/exemptions?tab=legal").get_data(as_text=True)
    assert application.reference in listing
    page = _page(client, application)
    assert 'name="result"' in page and 'name="condition_00"' not in page  # read-only record
    assert "现场核实" in page
    # Returning needs comments.
    response = _post(client, application, "/legal-review", {"result": "return"})
    assert response.status_code == 400 and "请说明退回的理由" in response.get_data(as_text=True)
    response = _post(client, application, "/legal-review",
                     {"result": "approve", "comments": "同意"})
    assert response.status_code == 302
    application = reload(application)
    assert application.status == ApplicationStatus.GRANTED
    review = db.session.scalar(select(LegalReview))
    assert review.reviewer_id == world.legal_reviewer.id and review.proposed_by_id == \
        world.officer.id
    assert "不罚" in db.session.scalar(select(Decision.document_number))


def test_the_proposer_cannot_review_their_own_proposal(client, world, storage, setup):
    setup(entries, world)
    application = setup(apply, world, storage, entry=FIRST)
    setup(verify_all, world, application)
    setup(grant, world, application)
    reload(application).proposed_by_id = world.legal_reviewer.id  # as if they had proposed
    db.session.commit()
    client.sign_in(world.legal_reviewer.email)
    assert application.reference not in client.get(
        "/officer/exemptions?tab=legal").get_data(as_text=True)
    page = _page(client, application)
    assert "须由其他法制审核人员审核" in page and 'name="result"' not in page
    response = client.submit(_url(application, "/legal-review"),
                             {"result": "approve", "version": reload(application).version},
                             token_from=_url(application), follow_redirects=True)
    assert "须由其他法制审核人员审核" in response.get_data(as_text=True)
    assert reload(application).status == ApplicationStatus.LEGAL_REVIEW
    assert _count(LegalReview) == 0 and _count(Decision) == 0


def test_a_returned_proposal_goes_back_to_the_proposer(client, world, storage, setup):
    setup(entries, world)
    application = setup(apply, world, storage, entry=FIRST)
    setup(verify_all, world, application)
    setup(grant, world, application)
    client.sign_in(world.legal_reviewer.email)
    response = _post(client, application, "/legal-review",
                     {"result": "return", "comments": "教育内容过于简略"})
    assert response.status_code == 302
    application = reload(application)
    assert application.status == ApplicationStatus.SUBMITTED and application.proposal is None
    assert set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "exemption.returned"))) == {world.officer.id}
    assert "教育内容过于简略" in _page(client, application)


# -- Refusal, statement and defence ---------------------------------------------------------------


REFUSAL = {"facts": "价签缺失达三周", "reasons": "未在责令期限内改正",
           "basis": "《行政处罚法》第三十三条"}


def test_a_refusal_after_a_defence(client, world, storage, setup, minor):
    client.sign_in(world.officer.email)
    response = _post(client, minor, "/refusal", {**REFUSAL, "basis": ""})
    assert response.status_code == 400 and "请给出法律依据" in response.get_data(as_text=True)
    assert _post(client, minor, "/refusal", REFUSAL).status_code == 302
    application = reload(minor)
    assert application.status == ApplicationStatus.REFUSAL_PROPOSED
    assert application.defence_due > local_today()
    # Not final while the enterprise may still defend itself.
    response = _post(client, application, "/refuse", {}, follow_redirects=True)
    assert "陈述" in response.get_data(as_text=True)
    assert reload(application).status == ApplicationStatus.REFUSAL_PROPOSED
    # The enterprise states its case (its pages are another branch's; the service is used).
    application = reload(application)
    setup(services.submit_defence, db.session, storage, application,
          actor=world.enterprise_admin, text="已于当日改正，有照片为证", uploads=[],
          expected_version=application.version, today=local_today(), now=utcnow(),
          answer_working_days=10)
    page = _page(client, application)
    assert "已于当日改正，有照片为证" in page and 'name="accepted"' in page
    response = _post(client, application, "/defence-answer", {"accepted": "no", "answer": ""})
    assert response.status_code == 400
    response = _post(client, application, "/defence-answer",
                     {"accepted": "no", "answer": "照片拍摄时间晚于期限，维持"})
    assert response.status_code == 302
    application = reload(application)
    assert application.status == ApplicationStatus.REFUSED
    decision = db.session.scalar(select(Decision))
    assert decision.kind == DecisionKind.REFUSAL and decision.document_number is None
    assert decision.content["refusal"]["reasons"] == REFUSAL["reasons"]
    assert world.enterprise_admin.id in set(db.session.scalars(select(
        Notification.user_id).where(Notification.kind == "exemption.refused")))


def test_a_refusal_becomes_final_after_the_defence_period(client, world, minor, monkeypatch):
    client.sign_in(world.officer.email)
    _post(client, minor, "/refusal", REFUSAL)
    later = reload(minor).defence_due + dt.timedelta(days=1)
    monkeypatch.setattr("portal.exemptions.workflow.local_today", lambda: later)
    monkeypatch.setattr("portal.review.routes.local_today", lambda: later)
    assert _post(client, minor, "/refuse", {}).status_code == 302
    assert reload(minor).status == ApplicationStatus.REFUSED


def test_an_objection_is_answered(client, world, minor, setup, monkeypatch):
    client.sign_in(world.officer.email)
    _post(client, minor, "/refusal", REFUSAL)
    later = reload(minor).defence_due + dt.timedelta(days=1)
    monkeypatch.setattr("portal.exemptions.workflow.local_today", lambda: later)
    monkeypatch.setattr("portal.review.routes.local_today", lambda: later)
    _post(client, minor, "/refuse", {})
    application = reload(minor)
    objection = setup(services.file_objection, db.session, application,
                      actor=world.enterprise_admin, text="事实认定有误",
                      expected_version=application.version, now=utcnow())
    url = f"/objections/{objection.id}/answer"
    assert _post(client, application, url, {"answer": ""}).status_code == 400
    assert _post(client, application, url, {"answer": "经复核，维持原决定"}).status_code == 302
    assert reload(objection).answer == "经复核，维持原决定"
    assert "经复核，维持原决定" in _page(client, application)


# -- Supplement -------------------------------------------------------------------------------


def test_a_supplement_loop(client, world, storage, setup, minor):
    client.sign_in(world.officer.email)
    response = _post(client, minor, "/supplement", {"reasons": "请提供整改后照片",
                                                    "working_days": "0"})
    assert response.status_code == 400 and "1 到 90" in response.get_data(as_text=True)
    assert _post(client, minor, "/supplement", {"reasons": "请提供整改后照片",
                                                "working_days": "5"}).status_code == 302
    application = reload(minor)
    assert application.status == ApplicationStatus.SUPPLEMENT_REQUESTED
    assert application.review_days_left is not None
    assert 'name="reasons"' not in _page(client, application)  # nothing to do meanwhile
    setup(services.answer_supplement, db.session, storage, application,
          actor=world.enterprise_admin, answer="已补充整改后照片", uploads=[],
          expected_version=application.version, today=local_today(), now=utcnow())
    page = _page(client, application)
    assert "已补充整改后照片" in page and 'name="condition_00"' in page
    assert reload(application).status == ApplicationStatus.SUBMITTED


# -- Disclosure -------------------------------------------------------------------------------


def test_a_decision_is_withdrawn_from_disclosure_with_its_reason(client, world, minor, setup):
    setup(verify_all, world, minor)
    decision = setup(grant, world, minor)
    client.sign_in(world.officer.email)
    page = _page(client, minor)
    url = f"/officer/exemptions/decisions/{decision.id}/withdraw"
    response = client.submit(url, {"kind": "revoked", "reason": "", "version": decision.version},
                             token_from=_url(minor))
    assert response.status_code == 400 and "请填写向公众说明的理由" in \
        response.get_data(as_text=True)
    assert 'name="kind"' in page
    response = client.submit(url, {"kind": "revoked", "reason": "经复查，决定已撤销",
                                   "version": decision.version}, token_from=_url(minor))
    assert response.status_code == 302
    decision = reload(decision)
    assert decision.disclosure == DisclosureStatus.WITHDRAWN
    assert decision.withdrawal_reason == "经复查，决定已撤销"
    page = _page(client, minor)
    assert "经复查，决定已撤销" in page and 'name="kind"' not in page


# -- Stale forms and access ---------------------------------------------------------------------


def test_a_stale_form_is_told_and_changes_nothing(client, world, minor, app):
    client.sign_in(world.officer.email)
    seen = _version(_page(client, minor))
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    other.sign_in(world.colleague.email)
    assert other.submit(_url(minor, "/supplement"),
                        {"reasons": "请补充", "working_days": "3", "version": seen},
                        token_from=_url(minor)).status_code == 302
    response = client.submit(_url(minor, "/refusal"), {**REFUSAL, "version": seen},
                             token_from=_url(minor), follow_redirects=True)
    assert "在您查看期间，其他人已修改此记录" in response.get_data(as_text=True)
    application = reload(minor)
    assert application.status == ApplicationStatus.SUPPLEMENT_REQUESTED
    assert application.refusal_reasons is None


def test_an_officer_of_another_department_gets_not_found(client, world, minor):
    outsider = UserFactory(officer=True, department=world.other_department)
    db.session.commit()
    client.sign_in(outsider.email)
    assert client.get(_url(minor)).status_code == 404
    assert minor.reference not in client.get("/officer/exemptions").get_data(as_text=True)
    response = client.submit(_url(minor, "/supplement"),
                             {"reasons": "请补充", "working_days": "3", "version": "1"})
    assert response.status_code == 404
    assert reload(minor).status == ApplicationStatus.SUBMITTED


def test_a_legal_reviewer_may_not_grant(client, world, minor, setup):
    setup(verify_all, world, minor)
    client.sign_in(world.legal_reviewer.email)
    page = _page(client, minor)
    assert "/grant" not in page and 'name="condition_00"' not in page
    response = client.submit(_url(minor, "/grant"), {"version": reload(minor).version},
                             token_from=_url(minor))
    assert response.status_code == 403
    assert reload(minor).status == ApplicationStatus.SUBMITTED and _count(Decision) == 0


@pytest.mark.parametrize("who", ["enterprise_admin", "admin"])
def test_others_cannot_open_the_officer_pages(client, world, minor, who):
    client.sign_in(world.user(who).email)
    assert client.get(_url(minor)).status_code in (403, 404)
    assert client.get("/officer/exemptions").status_code == 403


def test_the_officer_navigation_links_to_exemption_review(client, world):
    client.sign_in(world.officer.email)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/officer/exemptions"' in page and "免罚审查" in page
    _sign_out(client)
    client.sign_in(world.enterprise_admin.email)
    assert 'href="/officer/exemptions"' not in client.get("/").get_data(as_text=True)


def test_the_queue_filters_by_status_and_overdue(client, world, storage, setup, minor):
    other = setup(apply, world, storage, violation_on=local_today() - dt.timedelta(days=5))
    setup(services.request_supplement, db.session, reload(other), actor=world.officer,
          reasons="请补充", working_days=3, expected_version=reload(other).version,
          today=local_today(), now=utcnow())
    reload(minor).action_due = local_today() - dt.timedelta(days=1)
    db.session.commit()
    client.sign_in(world.officer.email)
    page = client.get("/officer/exemptions?status=supplement_requested").get_data(as_text=True)
    assert other.reference in page and minor.reference not in page
    page = client.get("/officer/exemptions?overdue=1").get_data(as_text=True)
    assert minor.reference in page and other.reference not in page


def test_a_department_without_a_confirmed_short_name_is_told_and_nothing_changes(
        client, world, minor, setup):
    setup(verify_all, world, minor)
    from portal.accounts.models import Department
    db.session.get(Department, world.department.id).short_name_confirmed = False
    db.session.commit()
    client.sign_in(world.officer.email)
    response = _post(client, minor, "/grant", {}, follow_redirects=True)
    assert "文号简称尚未经管理员确认" in response.get_data(as_text=True)
    assert reload(minor).status == ApplicationStatus.SUBMITTED and _count(Decision) == 0


def test_an_accepted_defence_sends_the_application_back_to_verification(
        client, world, storage, setup, minor):
    client.sign_in(world.officer.email)
    _post(client, minor, "/refusal", REFUSAL)
    application = reload(minor)
    setup(services.submit_defence, db.session, storage, application,
          actor=world.enterprise_admin, text="当场已改正", uploads=[],
          expected_version=application.version, today=local_today(), now=utcnow(),
          answer_working_days=10)
    response = _post(client, application, "/defence-answer",
                     {"accepted": "yes", "answer": "申辩成立"})
    assert response.status_code == 302
    application = reload(application)
    assert application.status == ApplicationStatus.SUBMITTED and application.defence_accepted
    page = _page(client, application)
    # A refusal can no longer be proposed: its form is gone, and a post is refused.
    assert 'name="basis"' not in page and "不得再拟作不予免罚" in page
    response = _post(client, application, "/refusal", REFUSAL, follow_redirects=True)
    assert "不得因当事人陈述申辩而加重处理" in response.get_data(as_text=True)
    assert reload(application).status == ApplicationStatus.SUBMITTED


def test_a_major_refusal_goes_through_legal_review(client, world, storage, setup, monkeypatch):
    setup(entries, world)
    application = setup(apply, world, storage, entry=FIRST)
    client.sign_in(world.officer.email)
    _post(client, application, "/refusal", REFUSAL)
    later = reload(application).defence_due + dt.timedelta(days=1)
    monkeypatch.setattr("portal.exemptions.workflow.local_today", lambda: later)
    monkeypatch.setattr("portal.review.routes.local_today", lambda: later)
    assert "送法制审核" in _page(client, application)
    assert _post(client, application, "/refuse", {}).status_code == 302
    assert reload(application).status == ApplicationStatus.LEGAL_REVIEW
    assert _count(Decision) == 0
    _sign_out(client)
    client.sign_in(world.legal_reviewer.email)
    assert _post(client, application, "/legal-review",
                 {"result": "approve", "comments": ""}).status_code == 302
    assert reload(application).status == ApplicationStatus.REFUSED
    assert db.session.scalar(select(Decision.kind)) == DecisionKind.REFUSAL


def test_a_withdrawal_reaches_the_cached_public_page_at_once(app, client, world, minor, setup,
                                                             monkeypatch):
    from portal.core import pagecache
    from portal.exemptions.models import Decision

    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 60)
    monkeypatch.setitem(app.extensions, "portal_page_cache", pagecache.MemoryStore())
    monkeypatch.setattr(pagecache, "VERSION_CHECK_SECONDS", 3600)  # never re-read by itself
    monkeypatch.delitem(app.extensions, "portal_page_cache_version", raising=False)
    setup(verify_all, world, minor)
    decision = setup(grant, world, minor)
    db.session.get(Decision, decision.id).publish_on = decision.issued_on - dt.timedelta(days=1)
    db.session.commit()
    public = app.test_client()
    assert decision.document_number in public.get(f"/decisions/{decision.id}").get_data(
        as_text=True)
    client.sign_in(world.officer.email)
    response = client.submit(f"/officer/exemptions/decisions/{decision.id}/withdraw",
                             {"kind": "revoked", "reason": "经复查，决定已撤销",
                              "version": reload(decision).version}, token_from=_url(minor))
    assert response.status_code == 302
    assert "经复查，决定已撤销" in public.get(f"/decisions/{decision.id}").get_data(as_text=True)
