"""The case state machine: every allowed transition, forbidden ones, versions, audit, clocks."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from portal.cases import services
from portal.cases.models import Case, CaseStatus, EvidenceFile
from portal.cases.workflow import CASE_WORKFLOW
from portal.core.audit import AuditEvent, verify_chain
from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.core.deadlines import add_working_days
from portal.core.workflow import (
    ConcurrentUpdate,
    InvalidTransition,
    StaleObject,
    TransitionForbidden,
)
from portal.extensions import db
from tests.cases.helpers import order, pdf_upload, submit, upload
from tests.conftest import reload
from tests.factories import UserFactory
from tests.samples import png_bytes


def _events(case: Case) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id))
        .order_by(AuditEvent.id)))


@pytest.fixture(autouse=True)
def context(app):
    """Run each test in a request context (settings, clock, links, messages in English)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def storage(app):
    return app.extensions["storage"]


def test_the_table_holds_exactly_the_documented_transitions():
    rows = {(source.value, rule.target.value, rule.action) for rule in CASE_WORKFLOW.transitions
            for source in rule.sources}
    assert rows == {
        ("open", "submitted", "submit"), ("supplement_requested", "submitted", "submit"),
        ("submitted", "open", "withdraw"),
        ("submitted", "supplement_requested", "request_supplement"),
        ("submitted", "rectified", "accept"),
        ("open", "rectified", "accept_on_site"),
        ("supplement_requested", "rectified", "accept_on_site"),
        ("submitted", "not_rectified", "find_not_rectified"),
        ("open", "not_rectified", "find_overdue"),
        ("supplement_requested", "not_rectified", "find_overdue"),
    }


def test_an_order_stores_its_deadline_in_working_days_and_is_audited(world):
    case = order(world, working_days=10)
    assert case.reference == f"ZG{case.issued_on.year}{case.id:07d}"
    assert case.due_date == add_working_days(local_today(), 10).date
    assert case.action_due == case.due_date
    assert case.status == CaseStatus.OPEN
    assert [e.action for e in _events(case)] == ["case.opened"]


def test_submit_then_accept_closes_the_case(world, storage):
    case = order(world)
    submit(world, case, storage)
    assert case.review_due == add_working_days(local_today(), 5).date
    assert case.action_due == case.review_due
    services.accept(db.session, case, actor=world.officer, conclusion="现场照片显示已公示",
                    expected_version=case.version, now=utcnow())
    db.session.commit()
    case = reload(case)
    assert case.status == CaseStatus.RECTIFIED and case.action_due is None
    assert case.conclusion == "现场照片显示已公示"
    assert [(e.action, e.from_state, e.to_state) for e in _events(case)] == [
        ("case.opened", None, "open"), ("case.submitted", "open", "submitted"),
        ("case.rectified", "submitted", "rectified")]
    assert verify_chain(db.session)[1] is None


def test_a_supplement_stops_the_review_clock_and_the_answer_resumes_it(world, storage):
    case = order(world)
    submit(world, case, storage)
    services.request_supplement(db.session, case, actor=world.officer, reasons="照片不清晰",
                                working_days=3, expected_version=case.version,
                                today=local_today(), now=utcnow())
    db.session.commit()
    assert case.status == CaseStatus.SUPPLEMENT_REQUESTED
    assert case.review_stopped_on == local_today()
    assert case.review_days_left == 5
    assert case.due_date == add_working_days(local_today(), 3).date == case.action_due
    submit(world, case, storage, uploads=[upload(png_bytes(colour="red"), "clear.png")])
    assert case.review_stopped_on is None and case.review_days_left is None
    assert case.review_due == add_working_days(local_today(), 5).date
    note = _events(case)[2]
    assert (note.action, note.note) == ("case.supplement_requested", "照片不清晰")


def test_withdrawing_returns_to_the_enterprise_with_its_deadline_unchanged(world, storage):
    case = order(world)
    due = case.due_date
    submit(world, case, storage)
    services.withdraw_report(db.session, case, actor=world.enterprise_member,
                             expected_version=case.version, now=utcnow())
    db.session.commit()
    assert case.status == CaseStatus.OPEN
    assert case.due_date == due == case.action_due
    assert case.submissions[-1].withdrawn_at is not None


def test_not_rectified_after_review_closes_with_reasons(world, storage):
    case = order(world)
    submit(world, case, storage)
    services.find_not_rectified(db.session, case, actor=world.officer, reasons="仍未公示",
                                expected_version=case.version, now=utcnow())
    db.session.commit()
    assert reload(case).status == CaseStatus.NOT_RECTIFIED


def test_closing_on_site_needs_a_reinspection_by_two_officers(world, storage):
    case = order(world)
    with pytest.raises(InvalidTransition) as refused:
        services.accept(db.session, case, actor=world.officer, conclusion="现场已整改",
                        expected_version=case.version, now=utcnow())
    assert "re-inspection" in str(refused.value.message)
    db.session.rollback()
    colleague = UserFactory(officer=True, department=world.department)
    db.session.commit()
    with pytest.raises(services.CaseError):
        services.record_reinspection(db.session, storage, case, actor=world.officer,
                                     inspected_on=local_today(), officers=[world.officer],
                                     findings="已公示", photos=[],
                                     expected_version=case.version, now=utcnow(),
                                     max_case_bytes=2**28)
    db.session.rollback()
    services.record_reinspection(db.session, storage, case, actor=world.officer,
                                 inspected_on=local_today(),
                                 officers=[world.officer, colleague], findings="已公示",
                                 photos=[upload()], expected_version=case.version,
                                 now=utcnow(), max_case_bytes=2**28)
    db.session.commit()
    services.accept(db.session, case, actor=world.officer, conclusion="现场已整改",
                    expected_version=case.version, now=utcnow())
    db.session.commit()
    assert reload(case).status == CaseStatus.RECTIFIED
    assert [e.action for e in _events(case)] == ["case.opened", "case.reinspected",
                                                 "case.rectified"]


def test_an_officer_of_another_department_may_not_reinspect(world, storage):
    case = order(world)
    outsider = UserFactory(officer=True, department=world.other_department)
    with pytest.raises(TransitionForbidden):
        services.record_reinspection(db.session, storage, case, actor=outsider,
                                     inspected_on=local_today(),
                                     officers=[outsider, world.officer], findings="x",
                                     photos=[], expected_version=case.version, now=utcnow(),
                                     max_case_bytes=2**28)


def test_closing_as_not_put_right_before_the_deadline_is_refused(world):
    case = order(world)
    with pytest.raises(InvalidTransition):
        services.find_not_rectified(db.session, case, actor=world.officer, reasons="x",
                                    expected_version=case.version, now=utcnow())


def test_an_overdue_case_may_be_closed_as_not_put_right(world):
    case = order(world)
    case.due_date = local_today() - dt.timedelta(days=1)
    db.session.commit()
    services.find_not_rectified(db.session, case, actor=world.officer, reasons="逾期未整改",
                                expected_version=case.version, now=utcnow())
    db.session.commit()
    assert reload(case).status == CaseStatus.NOT_RECTIFIED


@pytest.mark.parametrize(("who", "step"), [
    ("officer", "submit"), ("legal_reviewer", "accept"), ("enterprise_admin", "accept"),
    ("other_admin", "submit"), ("enterprise_member", "request_supplement"),
    ("admin", "accept"),
])
def test_forbidden_roles_change_nothing(world, storage, who, step):
    case = order(world)
    if step != "submit":
        submit(world, case, storage)
    version = case.version
    target = {"submit": CaseStatus.SUBMITTED, "accept": CaseStatus.RECTIFIED,
              "request_supplement": CaseStatus.SUPPLEMENT_REQUESTED}[step]
    with pytest.raises(TransitionForbidden):
        CASE_WORKFLOW.transition(case, target, actor=world.user(who), now=utcnow(),
                                 expected_version=version)
    db.session.rollback()
    assert reload(case).version == version




def test_forbidden_pairs_are_invalid(world, storage):
    case = order(world)
    for target in (CaseStatus.SUPPLEMENT_REQUESTED, CaseStatus.OPEN):
        with pytest.raises(InvalidTransition):
            CASE_WORKFLOW.check(case, target, actor=world.officer)
    submit(world, case, storage)
    services.accept(db.session, case, actor=world.officer, conclusion="",
                    expected_version=case.version, now=utcnow())
    db.session.commit()
    for target in CaseStatus:
        with pytest.raises((InvalidTransition, TransitionForbidden)):
            CASE_WORKFLOW.check(case, target, actor=world.officer)
    with pytest.raises(services.CaseMovedOn):
        services.extend_deadline(db.session, case, actor=world.officer, working_days=5,
                                 reason="x", expected_version=case.version, now=utcnow())


def test_a_stale_version_changes_nothing(world, storage):
    case = order(world)
    submit(world, case, storage)
    stale = case.version - 1
    with pytest.raises(StaleObject):
        services.accept(db.session, case, actor=world.officer, conclusion="",
                        expected_version=stale, now=utcnow())
    db.session.rollback()
    with pytest.raises(StaleObject):
        services.extend_deadline(db.session, case, actor=world.officer, working_days=5,
                                 reason="x", expected_version=stale, now=utcnow())
    db.session.rollback()
    assert reload(case).status == CaseStatus.SUBMITTED
    assert len(_events(case)) == 2


def test_two_officers_at_once_one_succeeds_the_other_is_told(world, storage):
    case = order(world)
    submit(world, case, storage)
    version = case.version
    # The other officer's change reaches the row after this session loaded it.
    table = Case.__table__
    db.session.connection().execute(update(table).where(table.c.id == case.id).values(
        version=version + 1, conclusion="另一名执法人员的结论"))
    with pytest.raises(ConcurrentUpdate):
        services.accept(db.session, case, actor=world.officer, conclusion="我的结论",
                        expected_version=version, now=utcnow())
    db.session.rollback()
    stored = reload(case)
    assert stored.status == CaseStatus.SUBMITTED and stored.conclusion is None
    assert "case.rectified" not in [event.action for event in _events(case)]


def test_an_extension_moves_the_deadline_with_its_reason(world):
    case = order(world, working_days=5)
    before = case.due_date
    new = services.extend_deadline(db.session, case, actor=world.officer, working_days=3,
                                   reason="需采购设备", expected_version=case.version,
                                   now=utcnow())
    db.session.commit()
    assert new == add_working_days(before, 3).date == reload(case).due_date
    event = _events(case)[-1]
    assert (event.action, event.note) == ("case.extended", "需采购设备")
    assert event.details["from"] == before.isoformat()


def test_files_are_kept_with_digests_duplicates_flagged_and_superseded_not_deleted(
        world, storage):
    case = order(world)
    submit(world, case, storage, uploads=[upload(), pdf_upload()])
    first, _report = db.session.scalars(select(EvidenceFile).where(
        EvidenceFile.case_id == case.id).order_by(EvidenceFile.id))
    assert first.sha256 and storage.exists(first.sha256)
    services.request_supplement(db.session, case, actor=world.officer, reasons="照片模糊",
                                working_days=3, expected_version=case.version,
                                today=local_today(), now=utcnow())
    db.session.commit()
    # The same photo again, and a new one replacing the first.
    submit(world, case, storage, uploads=[upload(), upload(png_bytes(colour="blue"), "b.png")],
           supersedes=[first.id])
    rows = list(db.session.scalars(select(EvidenceFile).where(EvidenceFile.case_id == case.id)
                                   .order_by(EvidenceFile.id)))
    assert len(rows) == 4
    assert rows[2].duplicate_of_id == first.id
    assert rows[0].superseded_by_id == rows[2].id
    assert rows[1].superseded_by_id is None
    assert storage.exists(first.sha256)


def test_the_case_total_is_enforced_and_nothing_is_stored(world, storage):
    case = order(world)
    with pytest.raises(services.EvidenceTooLarge):
        services.submit_report(
            db.session, storage, case, actor=world.enterprise_admin, description="x",
            completed_on=local_today(), commitment_text="承诺", uploads=[upload()],
            supersedes=[], expected_version=case.version, today=local_today(), now=utcnow(),
            review_working_days=5, max_case_bytes=10)
    db.session.rollback()
    assert reload(case).status == CaseStatus.OPEN
    assert db.session.scalar(select(EvidenceFile.id).where(EvidenceFile.case_id == case.id)) \
        is None
