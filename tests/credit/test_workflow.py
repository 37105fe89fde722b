"""The repair application's state machine: the documented table, who may act, stale forms."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.core.storage import EVIDENCE_KINDS, accept_upload
from portal.core.workflow import InvalidTransition, StaleObject, TransitionForbidden
from portal.credit import services
from portal.credit.models import PublicationStatus, RepairMaterial, RepairStatus
from portal.credit.workflow import REPAIR_WORKFLOW
from portal.extensions import db
from tests.credit.helpers import make_record, rules
from tests.factories import UserFactory
from tests.samples import pdf_bytes


@pytest.fixture(autouse=True)
def context(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def _apply(world, app, actor=None):
    today = local_today()
    record = make_record(world.enterprise, world.department,
                         decided=today - dt.timedelta(days=200),
                         performed=today - dt.timedelta(days=100))
    proof = accept_upload(io.BytesIO(pdf_bytes()), "receipt.pdf", kinds=EVIDENCE_KINDS,
                          max_bytes=2**24)
    application = services.apply_for_repair(
        db.session, app.extensions["storage"], record, actor=actor or world.enterprise_admin,
        by_agent=False, statement="已缴清", commitment_text="承诺",
        uploads=[services.MaterialUpload(proof, RepairMaterial.PROOF_OF_PERFORMANCE)],
        today=today, now=utcnow(), credit_rules=rules(), review_working_days=10)
    db.session.commit()
    return application


def test_the_table_holds_exactly_the_documented_transitions():
    rows = {(source.value, rule.target.value, rule.action)
            for rule in REPAIR_WORKFLOW.transitions for source in rule.sources}
    assert rows == {
        ("submitted", "supplement_requested", "request_supplement"),
        ("supplement_requested", "submitted", "supplement"),
        ("submitted", "not_accepted", "not_accept"),
        ("submitted", "accepted", "accept"),
        ("accepted", "approved", "approve"),
        ("accepted", "refused", "refuse"),
        ("refused", "objected", "object"),
        ("objected", "approved", "grant_objection"),
        ("objected", "refusal_upheld", "uphold_refusal"),
    }


def test_not_accepted_needs_reasons_and_is_final(world, app):
    application = _apply(world, app)
    with pytest.raises(services.CreditError):
        services.decide(db.session, application, RepairStatus.NOT_ACCEPTED, actor=world.officer,
                        reasons=" ", expected_version=application.version,
                        today=local_today(), now=utcnow())
    services.decide(db.session, application, RepairStatus.NOT_ACCEPTED, actor=world.officer,
                    reasons="材料虚假", expected_version=application.version,
                    today=local_today(), now=utcnow())
    assert application.is_final
    assert application.record.publication_status == PublicationStatus.PUBLISHED
    with pytest.raises(InvalidTransition):
        REPAIR_WORKFLOW.check(application, RepairStatus.ACCEPTED, actor=world.officer)


def test_who_may_decide(world, app):
    application = _apply(world, app)
    elsewhere = UserFactory(officer=True, department=world.other_department)
    for actor in (world.legal_reviewer, elsewhere, world.enterprise_admin):
        with pytest.raises(TransitionForbidden):
            REPAIR_WORKFLOW.check(application, RepairStatus.ACCEPTED, actor=actor)


def test_a_stale_form_changes_nothing(world, app):
    application = _apply(world, app)
    with pytest.raises(StaleObject):
        services.decide(db.session, application, RepairStatus.ACCEPTED, actor=world.officer,
                        reasons="", expected_version=application.version + 1,
                        today=local_today(), now=utcnow())
    assert application.status == RepairStatus.SUBMITTED


def test_granted_objection_ends_publication(world, app):
    application = _apply(world, app)
    today, now = local_today(), utcnow()
    services.decide(db.session, application, RepairStatus.ACCEPTED, actor=world.officer,
                    reasons="", expected_version=application.version, today=today, now=now)
    services.decide(db.session, application, RepairStatus.REFUSED, actor=world.officer,
                    reasons="理由", expected_version=application.version, today=today, now=now)
    services.object_to_refusal(db.session, application, actor=world.enterprise_member,
                               objection="不服", expected_version=application.version, now=now)
    services.answer_objection(db.session, application, actor=world.officer, upheld=True,
                              answer="异议成立", expected_version=application.version,
                              today=today, now=now)
    assert application.status == RepairStatus.APPROVED
    assert application.record.publication_status == PublicationStatus.REPAIRED


def test_a_second_repair_within_the_year_is_refused_by_the_local_ground(world, app):
    first = _apply(world, app)
    today, now = local_today(), utcnow()
    for to in (RepairStatus.ACCEPTED, RepairStatus.APPROVED):
        services.decide(db.session, first, to, actor=world.officer, reasons="",
                        expected_version=first.version, today=today, now=now)
    db.session.commit()
    with pytest.raises(services.NotEligible) as refused:
        _apply(world, app)
    assert [code.value for code in refused.value.unmet] == ["repaired_recently"]


def test_false_materials_bar_every_later_repair_of_the_enterprise(world, app):
    application = _apply(world, app)
    today = local_today()
    other = make_record(world.enterprise, world.department,
                        decided=today - dt.timedelta(days=210),
                        performed=today - dt.timedelta(days=100), violation="未按规定明码标价")
    assert services.unmet_conditions(db.session, other, today=today,
                                     credit_rules=rules()) == []
    # Only a refusal or a non-acceptance can say so.
    with pytest.raises(services.CreditError):
        services.decide(db.session, application, RepairStatus.ACCEPTED, actor=world.officer,
                        reasons="", expected_version=application.version, today=today,
                        now=utcnow(), false_materials=True)
    db.session.rollback()
    services.decide(db.session, application, RepairStatus.NOT_ACCEPTED, actor=world.officer,
                    reasons="缴款凭证系伪造", expected_version=application.version,
                    today=today, now=utcnow(), false_materials=True)
    db.session.commit()
    from portal.credit.rules import Unmet
    assert services.unmet_conditions(db.session, other, today=today,
                                     credit_rules=rules()) == [Unmet.FALSE_MATERIALS]
    with pytest.raises(services.CreditError):
        proof = accept_upload(io.BytesIO(pdf_bytes()), "receipt.pdf", kinds=EVIDENCE_KINDS,
                              max_bytes=2**24)
        services.apply_for_repair(
            db.session, app.extensions["storage"], other, actor=world.enterprise_admin,
            by_agent=False, statement="已缴清", commitment_text="承诺",
            uploads=[services.MaterialUpload(proof, RepairMaterial.PROOF_OF_PERFORMANCE)],
            today=today, now=utcnow(), credit_rules=rules(), review_working_days=10)
