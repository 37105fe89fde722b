"""The credit page reads every record's eligibility facts at once (issue 13: no N+1).

``enterprise_record_facts`` must give, for each record, exactly what ``record_facts``
gives for it alone: the rules decide on these facts.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest

from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.core.storage import EVIDENCE_KINDS, accept_upload
from portal.credit import services
from portal.credit.models import RepairMaterial, RepairStatus
from portal.extensions import db
from tests.credit.helpers import make_record, rules
from tests.samples import pdf_bytes


@pytest.fixture(autouse=True)
def context(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def test_facts_of_all_records_at_once_equal_each_record_alone(world, app):
    today, now = local_today(), utcnow()
    older = make_record(world.enterprise, world.department,
                        decided=today - dt.timedelta(days=400),
                        performed=today - dt.timedelta(days=300), violation="未按规定 明码标价")
    make_record(world.enterprise, world.department, decided=today - dt.timedelta(days=100),
                violation="未按规定明码标价")
    repaired = make_record(world.enterprise, world.department,
                           decided=today - dt.timedelta(days=200),
                           performed=today - dt.timedelta(days=150))
    make_record(world.enterprise, world.department, decided=today - dt.timedelta(days=50),
                violation="超范围经营")
    proof = accept_upload(io.BytesIO(pdf_bytes()), "receipt.pdf", kinds=EVIDENCE_KINDS,
                          max_bytes=2**24)
    application = services.apply_for_repair(
        db.session, app.extensions["storage"], repaired, actor=world.enterprise_admin,
        by_agent=False, statement="已缴清", commitment_text="承诺",
        uploads=[services.MaterialUpload(proof, RepairMaterial.PROOF_OF_PERFORMANCE)],
        today=today, now=now, credit_rules=rules(), review_working_days=10)
    for to in (RepairStatus.ACCEPTED, RepairStatus.APPROVED):
        services.decide(db.session, application, to, actor=world.officer, reasons="",
                        expected_version=application.version, today=today, now=now)
    db.session.commit()
    db.session.expire_all()

    records = services.list_enterprise_records(db.session, world.enterprise.id)
    together = services.enterprise_record_facts(db.session, world.enterprise.id, records)

    assert together == {record.id: services.record_facts(db.session, record)
                        for record in records}
    # The facts are not trivially equal: each kind of fact is there for some record.
    assert together[older.id].new_penalty_same_kind
    assert together[repaired.id].has_application
    assert together[older.id].approved_repairs == (today,)
    assert together[repaired.id].approved_repairs == ()


def test_a_bar_for_false_materials_reaches_every_record_of_the_page(world, app):
    today, now = local_today(), utcnow()
    first = make_record(world.enterprise, world.department,
                        decided=today - dt.timedelta(days=200),
                        performed=today - dt.timedelta(days=150))
    make_record(world.enterprise, world.department, decided=today - dt.timedelta(days=300),
                performed=today - dt.timedelta(days=150), violation="超范围经营")
    proof = accept_upload(io.BytesIO(pdf_bytes()), "receipt.pdf", kinds=EVIDENCE_KINDS,
                          max_bytes=2**24)
    application = services.apply_for_repair(
        db.session, app.extensions["storage"], first, actor=world.enterprise_admin,
        by_agent=False, statement="已缴清", commitment_text="承诺",
        uploads=[services.MaterialUpload(proof, RepairMaterial.PROOF_OF_PERFORMANCE)],
        today=today, now=now, credit_rules=rules(), review_working_days=10)
    services.decide(db.session, application, RepairStatus.NOT_ACCEPTED, actor=world.officer,
                    reasons="凭证伪造", expected_version=application.version, today=today,
                    now=now, false_materials=True)
    db.session.commit()
    db.session.expire_all()
    records = services.list_enterprise_records(db.session, world.enterprise.id)
    together = services.enterprise_record_facts(db.session, world.enterprise.id, records)
    assert together == {record.id: services.record_facts(db.session, record)
                        for record in records}
    assert all(facts.false_materials for facts in together.values())
