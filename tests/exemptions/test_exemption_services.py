"""Exemption applications through the services: applying, verifying, deciding, reviewing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal.core.audit import AuditEvent
from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.core.numbering import ShortNameNotConfirmed
from portal.core.workflow import InvalidTransition, StaleObject, TransitionForbidden
from portal.exemptions import services
from portal.exemptions.models import (
    ApplicationStatus,
    Decision,
    DecisionKind,
    DisclosureStatus,
    ExemptionApplication,
    LegalReview,
    ReviewResult,
)
from portal.extensions import db
from tests.exemptions.helpers import FIRST, MINOR, apply, entries, grant, verify_all
from tests.factories import EnterpriseFactory, UserFactory, make_entry

pytestmark = pytest.mark.usefixtures("world")


@pytest.fixture(autouse=True)
def context(app):  # type: ignore[no-untyped-def]
    """Run each test in a request context (settings, clock, messages in English)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def storage(app):  # type: ignore[no-untyped-def]
    return app.extensions["storage"]


def test_an_application_gets_a_reference_a_review_deadline_and_an_audit_event(world, storage):
    entries(world)
    application = apply(world, storage)
    assert application.reference == f"MF{local_today().year}{application.id:07d}"
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.department_code == world.department.code
    assert application.review_due is not None and application.review_due > local_today()
    assert application.action_due == application.review_due
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.object_type == "exemption_application",
        AuditEvent.object_id == str(application.id)))
    assert event is not None and event.action == "exemption.submitted"


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(ExemptionApplication)) or 0


def test_an_entry_not_in_force_on_the_violation_day_is_refused(world, storage):
    entries(world)
    make_entry("expired-01", department=world.department.code,
               effective_until=local_today() - dt.timedelta(days=10))
    db.session.commit()
    # In force on its last day, not after.
    assert apply(world, storage, entry="expired-01",
                 violation_on=local_today() - dt.timedelta(days=10)).id
    with pytest.raises(services.ExemptionError) as refused:
        apply(world, storage, entry="expired-01",
              violation_on=local_today() - dt.timedelta(days=9))
    assert refused.value.field == "violation_on"
    assert "not in force" in str(refused.value.message)


def test_an_entry_of_another_industry_is_refused(world, storage):
    entries(world)
    make_entry("elsewhere-01", industry="shipping", department=world.department.code)
    db.session.commit()
    before = _count()
    with pytest.raises(services.ExemptionError) as refused:
        apply(world, storage, entry="elsewhere-01")
    assert "industry" in str(refused.value.message)
    db.session.rollback()
    assert _count() == before


def test_a_second_application_for_the_same_violation_is_refused(world, storage):
    entries(world)
    first = apply(world, storage)
    with pytest.raises(services.DuplicateApplication) as refused:
        apply(world, storage)
    assert refused.value.existing.id == first.id
    db.session.rollback()
    services.withdraw(db.session, first, actor=world.enterprise_admin,
                      expected_version=first.version, now=utcnow())
    db.session.commit()
    # Once withdrawn, the violation may be applied for again.
    assert apply(world, storage).id != first.id


def test_nobody_applies_for_another_enterprise_or_with_its_case(world, storage):
    entries(world)
    with pytest.raises(TransitionForbidden):
        apply(world, storage, actor=world.other_admin)
    with pytest.raises(TransitionForbidden):
        apply(world, storage, actor=world.officer)
    with pytest.raises(services.ExemptionError) as refused:
        apply(world, storage, case=world.other_case)
    assert refused.value.field == "case"


def test_a_future_violation_is_refused(world, storage):
    entries(world)
    with pytest.raises(services.ExemptionError) as refused:
        apply(world, storage, violation_on=local_today() + dt.timedelta(days=1))
    assert refused.value.field == "violation_on"


def test_a_grant_with_an_unconfirmed_condition_is_impossible(world, storage):
    entries(world)
    application = apply(world, storage)
    with pytest.raises(InvalidTransition) as refused:
        grant(world, application)
    assert "confirmed" in str(refused.value.message)
    db.session.rollback()
    verify_all(world, application, confirmed=False)
    with pytest.raises(InvalidTransition):
        grant(world, application)
    db.session.rollback()
    assert db.session.get(ExemptionApplication, application.id).status == \
        ApplicationStatus.SUBMITTED
    assert db.session.scalar(select(func.count()).select_from(Decision)) == 0


def test_a_no_penalty_grant_needs_the_education_given(world, storage):
    entries(world)
    application = apply(world, storage)
    verify_all(world, application, education_form=None, education_content=None)
    with pytest.raises(InvalidTransition) as refused:
        grant(world, application)
    assert "education" in str(refused.value.message)


def test_a_minor_grant_is_numbered_consecutively_and_published_after_the_delay(world, storage):
    entries(world)
    numbers = []
    for days in (3, 4):
        application = apply(world, storage, violation_on=local_today() - dt.timedelta(days=days))
        verify_all(world, application)
        decision = grant(world, application)
        assert application.status == ApplicationStatus.GRANTED
        assert decision.kind == DecisionKind.GRANT
        assert decision.disclosure == DisclosureStatus.PUBLISHED
        assert decision.publish_on > local_today()
        assert not decision.is_public(today=local_today())
        assert decision.is_public(today=decision.publish_on)
        numbers.append(decision.document_number)
        assert decision.content["entry"]["key"] == MINOR
        assert decision.content["education"]["form"] == "talk"
        assert len(decision.digest) == 64 and len(decision.verification_code) == 16
    short = world.department.short_name
    year = local_today().year
    assert numbers == [f"{short}不罚〔{year}〕1号", f"{short}不罚〔{year}〕2号"]


def test_a_department_without_a_confirmed_short_name_cannot_grant(world, storage):
    entries(world)
    world.department.short_name_confirmed = False
    db.session.commit()
    application = apply(world, storage)
    verify_all(world, application)
    with pytest.raises(ShortNameNotConfirmed):
        grant(world, application)
    db.session.rollback()
    assert db.session.get(ExemptionApplication, application.id).status == \
        ApplicationStatus.SUBMITTED


def test_a_granted_application_cannot_be_granted_twice(world, storage):
    entries(world)
    application = apply(world, storage)
    verify_all(world, application)
    stale_version = application.version
    grant(world, application)
    with pytest.raises(StaleObject):
        services.grant(db.session, application, actor=world.officer,
                       expected_version=stale_version, today=local_today(), now=utcnow(),
                       disclosure_delay_working_days=7)
    with pytest.raises(InvalidTransition):
        grant(world, application)


def test_an_officer_of_another_department_cannot_verify_or_decide(world, storage):
    entries(world)
    application = apply(world, storage)
    stranger = UserFactory(officer=True, department=world.other_department)
    db.session.commit()
    with pytest.raises(TransitionForbidden):
        verify_all(world, application, officer=stranger)
    db.session.rollback()
    with pytest.raises(TransitionForbidden):
        grant(world, application, officer=stranger)


def test_a_first_violation_grant_goes_through_legal_review(world, storage):
    entries(world)
    application = apply(world, storage, entry=FIRST)
    verify_all(world, application)
    assert grant(world, application) is None
    assert application.status == ApplicationStatus.LEGAL_REVIEW
    assert application.proposed_by_id == world.officer.id
    # An officer cannot approve; the legal reviewer can.
    with pytest.raises(TransitionForbidden):
        services.review_proposal(db.session, application, reviewer=world.colleague,
                                 approve=True, comments=None,
                                 expected_version=application.version, today=local_today(),
                                 now=utcnow(), disclosure_delay_working_days=7)
    db.session.rollback()
    decision = services.review_proposal(
        db.session, application, reviewer=world.legal_reviewer, approve=True, comments="同意",
        expected_version=application.version, today=local_today(), now=utcnow(),
        disclosure_delay_working_days=7)
    db.session.commit()
    assert application.status == ApplicationStatus.GRANTED
    assert decision is not None and "不罚" in decision.document_number
    assert decision.content["discretion_reason"]
    review = db.session.scalar(select(LegalReview))
    assert review.result == ReviewResult.APPROVED and review.reviewer_id == world.legal_reviewer.id


def test_a_legal_reviewer_never_reviews_their_own_proposal(world, storage):
    entries(world)
    application = apply(world, storage, entry=FIRST)
    verify_all(world, application)
    grant(world, application)
    application.proposed_by_id = world.legal_reviewer.id  # as if they had proposed it
    db.session.commit()
    with pytest.raises(InvalidTransition) as refused:
        services.review_proposal(db.session, application, reviewer=world.legal_reviewer,
                                 approve=True, comments=None,
                                 expected_version=application.version, today=local_today(),
                                 now=utcnow(), disclosure_delay_working_days=7)
    assert "another legal reviewer" in str(refused.value.message)


def test_a_returned_proposal_goes_back_to_the_officer_with_comments(world, storage):
    entries(world)
    application = apply(world, storage, entry=FIRST)
    verify_all(world, application)
    grant(world, application)
    with pytest.raises(services.ExemptionError):
        services.review_proposal(db.session, application, reviewer=world.legal_reviewer,
                                 approve=False, comments=" ",
                                 expected_version=application.version, today=local_today(),
                                 now=utcnow(), disclosure_delay_working_days=7)
    services.review_proposal(db.session, application, reviewer=world.legal_reviewer,
                             approve=False, comments="请补充教育记录",
                             expected_version=application.version, today=local_today(),
                             now=utcnow(), disclosure_delay_working_days=7)
    db.session.commit()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.proposal is None


def _propose_refusal(world, application):  # type: ignore[no-untyped-def]
    services.propose_refusal(db.session, application, actor=world.officer,
                             facts="价签缺失达三周", reasons="未在责令期限内改正",
                             basis="《行政处罚法》第三十三条", expected_version=application.version,
                             today=local_today(), now=utcnow(), defence_working_days=5)
    db.session.commit()


def test_a_refusal_is_final_only_after_the_defence_and_its_answer(world, storage):
    entries(world)
    application = apply(world, storage)
    _propose_refusal(world, application)
    assert application.status == ApplicationStatus.REFUSAL_PROPOSED
    assert application.defence_due > local_today()
    # Not final while the enterprise may still defend itself.
    with pytest.raises(InvalidTransition):
        services.finalise_refusal(db.session, application, actor=world.officer,
                                  expected_version=application.version, today=local_today(),
                                  now=utcnow(), disclosure_delay_working_days=7)
    db.session.rollback()
    services.submit_defence(db.session, storage, application, actor=world.enterprise_admin,
                            text="已于当日改正", uploads=[],
                            expected_version=application.version, today=local_today(),
                            now=utcnow(), answer_working_days=10)
    db.session.commit()
    assert application.status == ApplicationStatus.DEFENCE_SUBMITTED
    with pytest.raises(InvalidTransition) as refused:
        services.answer_defence(db.session, application, actor=world.officer, answer=" ",
                                accepted=False, expected_version=application.version,
                                today=local_today(), now=utcnow(),
                                disclosure_delay_working_days=7)
    assert "Answer" in str(refused.value.message)
    db.session.rollback()
    application = db.session.get(ExemptionApplication, application.id)
    decision = services.answer_defence(
        db.session, application, actor=world.officer, answer="改正时间晚于期限，维持",
        accepted=False, expected_version=application.version, today=local_today(),
        now=utcnow(), disclosure_delay_working_days=7)
    db.session.commit()
    assert application.status == ApplicationStatus.REFUSED
    assert decision.kind == DecisionKind.REFUSAL and decision.document_number is None
    assert decision.disclosure == DisclosureStatus.NOT_PUBLISHED
    # The reasons stay those notified: the defence made nothing worse.
    assert decision.content["refusal"]["reasons"] == "未在责令期限内改正"
    assert decision.content["refusal"]["answer"] == "改正时间晚于期限，维持"
    assert decision.content["remedies"]["review_days"] == 60


def test_a_defence_after_its_period_is_refused(world, storage, monkeypatch):
    entries(world)
    application = apply(world, storage)
    _propose_refusal(world, application)
    later = application.defence_due + dt.timedelta(days=1)
    monkeypatch.setattr("portal.exemptions.workflow.local_today", lambda: later)
    with pytest.raises(InvalidTransition):
        services.submit_defence(db.session, storage, application, actor=world.enterprise_admin,
                                text="迟到的申辩", uploads=[],
                                expected_version=application.version, today=later,
                                now=utcnow(), answer_working_days=10)
    db.session.rollback()
    decision = services.finalise_refusal(db.session, application, actor=world.officer,
                                         expected_version=application.version, today=later,
                                         now=utcnow(), disclosure_delay_working_days=7)
    db.session.commit()
    assert decision.kind == DecisionKind.REFUSAL


def test_an_accepted_defence_can_never_lead_to_a_refusal(world, storage):
    entries(world)
    application = apply(world, storage)
    _propose_refusal(world, application)
    services.submit_defence(db.session, storage, application, actor=world.enterprise_admin,
                            text="已当场改正，有照片", uploads=[],
                            expected_version=application.version, today=local_today(),
                            now=utcnow(), answer_working_days=10)
    services.answer_defence(db.session, application, actor=world.officer, answer="申辩成立",
                            accepted=True, expected_version=application.version,
                            today=local_today(), now=utcnow(), disclosure_delay_working_days=7)
    db.session.commit()
    assert application.status == ApplicationStatus.SUBMITTED
    with pytest.raises(InvalidTransition) as refused:
        _propose_refusal(world, application)
    assert "cannot become worse" in str(refused.value.message)
    db.session.rollback()
    application = db.session.get(ExemptionApplication, application.id)
    verify_all(world, application)
    assert grant(world, application).kind == DecisionKind.GRANT


def test_a_supplement_stops_the_review_clock_and_the_answer_resumes_it(world, storage):
    entries(world)
    application = apply(world, storage)
    services.request_supplement(db.session, application, actor=world.officer,
                                reasons="请提供整改后照片", working_days=5,
                                expected_version=application.version, today=local_today(),
                                now=utcnow())
    db.session.commit()
    assert application.status == ApplicationStatus.SUPPLEMENT_REQUESTED
    assert application.review_days_left is not None and application.review_days_left > 0
    assert application.action_due == application.supplement_due
    left = application.review_days_left
    services.answer_supplement(db.session, storage, application, actor=world.enterprise_admin,
                               answer="已补充照片", uploads=[],
                               expected_version=application.version, today=local_today(),
                               now=utcnow())
    db.session.commit()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.review_stopped_on is None and application.review_days_left is None
    from portal.core.deadlines import resume_clock
    assert application.review_due == resume_clock(local_today(), left).date


def test_an_objection_to_a_refusal_is_answered(world, storage, monkeypatch):
    entries(world)
    application = apply(world, storage)
    _propose_refusal(world, application)
    later = application.defence_due + dt.timedelta(days=1)
    monkeypatch.setattr("portal.exemptions.workflow.local_today", lambda: later)
    services.finalise_refusal(db.session, application, actor=world.officer,
                              expected_version=application.version, today=later, now=utcnow(),
                              disclosure_delay_working_days=7)
    db.session.commit()
    objection = services.file_objection(db.session, application, actor=world.enterprise_admin,
                                        text="事实认定有误", expected_version=application.version,
                                        now=utcnow())
    db.session.commit()
    with pytest.raises(services.ExemptionError):
        services.file_objection(db.session, application, actor=world.enterprise_admin,
                                text="再次异议", expected_version=application.version,
                                now=utcnow())
    db.session.rollback()
    services.answer_objection(db.session, application, objection, actor=world.officer,
                              answer="经复核，维持原决定", expected_version=application.version,
                              now=utcnow())
    db.session.commit()
    assert objection.answered_at is not None and objection.answered_by_id == world.officer.id


def test_a_published_decision_is_withdrawn_with_its_reason(world, storage):
    entries(world)
    application = apply(world, storage)
    verify_all(world, application)
    decision = grant(world, application)
    services.withdraw_from_disclosure(db.session, decision, actor=world.officer,
                                      kind=services.WithdrawalKind.REVOKED,
                                      reason="经复查，决定已撤销",
                                      expected_version=decision.version, today=local_today(),
                                      now=utcnow())
    db.session.commit()
    assert decision.disclosure == DisclosureStatus.WITHDRAWN
    assert not decision.is_public(today=decision.publish_on)
    with pytest.raises(services.ExemptionError):
        services.withdraw_from_disclosure(db.session, decision, actor=world.officer,
                                          kind=services.WithdrawalKind.REVOKED, reason="again",
                                          expected_version=decision.version,
                                          today=local_today(), now=utcnow())


def test_an_individual_business_operator_is_never_published(world, storage):
    from portal.exemptions.documents import public_content
    entries(world)
    application = apply(world, storage,
                        facts="经营者张三（身份证440115199001011234，电话13912345678）未标价")
    verify_all(world, application)
    decision = grant(world, application)
    public = str(decision.public_content)
    assert "440115199001011234" not in public and "13912345678" not in public
    assert "张三" not in public
    assert "440115199001011234" in decision.content["facts"]  # the served document keeps it
    individual = dict(decision.content, party={**decision.content["party"],
                                               "uscc": "92440115MA59XXXX1X"})
    assert public_content(individual)["party"]["legal_representative"] is None
    assert EnterpriseFactory  # factories stay importable here
