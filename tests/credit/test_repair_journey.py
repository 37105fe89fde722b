"""A credit repair from the notice to approval, through the pages, and the ways it is refused."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from portal.core.audit import AuditEvent
from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.core.outbox import OutboxMessage
from portal.credit.models import CreditRecord, PublicationStatus, RepairApplication, RepairStatus
from portal.credit.notices import send_repair_notices
from portal.extensions import db
from portal.notifications.models import Notification
from tests.conftest import reload
from tests.credit.helpers import make_record
from tests.samples import pdf_bytes


@pytest.fixture
def today(app):
    with app.app_context():
        return local_today()


def _pdf(name="receipt.pdf"):
    return (io.BytesIO(pdf_bytes()), name)


@pytest.fixture
def record(app, world, today):
    with app.test_request_context():
        made = make_record(world.enterprise, world.department,
                           decided=today - dt.timedelta(days=200), record_class="general",
                           performed=today - dt.timedelta(days=190), commit=False)
        send_repair_notices(db.session, [made], today=today, now=utcnow())
        db.session.commit()
    return made


def test_the_notice_reaches_the_enterprise_in_the_centre_and_by_email(record, world):
    notices = db.session.scalars(select(Notification).where(
        Notification.kind == "credit.repair_notice")).all()
    assert {notice.user_id for notice in notices} >= {world.enterprise_admin.id,
                                                      world.enterprise_member.id}
    assert notices[0].params["earliest"] == record.earliest_repair_on.isoformat()
    mails = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == world.enterprise_admin.email)).all()
    assert any(record.decision_number in mail.subject for mail in mails)


def test_repair_from_application_to_approval(client, world, record, today):
    client.sign_in(world.enterprise_admin.email)
    page = client.get("/credit").get_data(as_text=True)
    assert record.decision_number in page and "申请信用修复" in page
    form = client.get(f"/credit/records/{record.id}/repair").get_data(as_text=True)
    assert "信用承诺书" in form and world.enterprise.uscc in form
    # The commitment's text and its box are two elements: one id each, the box described
    # by the text (the text once had the box's id, so neither could be addressed).
    assert form.count('id="commitment"') == 1
    assert re.search(r'<div class="inset" id="commitment-text">[^<]*信用承诺书', form)
    assert re.search(r'<input[^>]*aria-describedby="commitment-text"[^>]*name="commitment"'
                     r'|<input[^>]*name="commitment"[^>]*aria-describedby="commitment-text"',
                     form)
    # Without the commitment: refused, nothing stored.
    response = client.submit(f"/credit/records/{record.id}/repair",
                             {"statement": "罚款已缴清", "proof": _pdf()},
                             content_type="multipart/form-data")
    assert response.status_code == 400
    assert "请签署信用承诺书后再申请" in response.get_data(as_text=True)
    assert db.session.scalar(select(RepairApplication)) is None
    response = client.submit(f"/credit/records/{record.id}/repair",
                             {"statement": "罚款已缴清", "commitment": "y", "proof": _pdf()},
                             content_type="multipart/form-data")
    assert response.status_code == 302
    application = db.session.scalar(select(RepairApplication))
    assert application.status == RepairStatus.SUBMITTED and len(application.files) == 1
    assert record.decision_number in application.commitment_text
    assert application.review_due > today
    # A second application for the same record is refused.
    again = client.submit(f"/credit/records/{record.id}/repair",
                          {"statement": "再次", "commitment": "y", "proof": _pdf()},
                          content_type="multipart/form-data")
    assert again.status_code == 302
    assert db.session.scalar(select(RepairApplication.id).where(
        RepairApplication.id != application.id)) is None
    client.submit("/sign-out", token_from="/credit")

    client.sign_in(world.officer.email)
    review = f"/officer/credit/repairs/{application.id}"
    assert record.decision_number in client.get("/officer/credit").get_data(as_text=True)
    # Refusing without reasons changes nothing.
    response = client.submit(f"{review}/decide", {"decision": "not_accept", "reasons": "",
                                                  "version": "1"}, token_from=review)
    assert response.status_code == 400
    assert reload(application).status == RepairStatus.SUBMITTED
    client.submit(f"{review}/decide", {"decision": "request_supplement",
                                       "reasons": "请补充缴款凭证原件扫描件", "version": "1"},
                  token_from=review)
    application = reload(application)
    assert application.status == RepairStatus.SUPPLEMENT_REQUESTED
    assert application.review_days_left is not None
    client.submit("/sign-out", token_from=review)

    client.sign_in(world.enterprise_admin.email)
    client.submit(f"/credit/repairs/{application.id}/supplement",
                  {"statement": "已补充", "version": str(application.version),
                   "proof": _pdf("scan.pdf")}, token_from=f"/credit/records/{record.id}/repair",
                  content_type="multipart/form-data")
    application = reload(application)
    assert application.status == RepairStatus.SUBMITTED and len(application.files) == 2
    client.submit("/sign-out", token_from="/credit")

    client.sign_in(world.officer.email)
    for decision in ("accept", "approve"):
        client.submit(f"{review}/decide", {"decision": decision, "reasons": "",
                                           "version": str(reload(application).version)},
                      token_from=review)
    assert reload(application).status == RepairStatus.APPROVED
    record = reload(record)
    assert record.publication_status == PublicationStatus.REPAIRED
    assert record.ended_on == today
    public = client.get(f"/credit/public/{world.enterprise.uscc}").get_data(as_text=True)
    assert record.decision_number not in public
    actions = set(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "credit_repair")))
    assert {"credit_repair.submitted", "credit_repair.supplement_requested",
            "credit_repair.supplemented", "credit_repair.accepted",
            "credit_repair.approved"} <= actions
    decided = db.session.scalars(select(Notification).where(
        Notification.kind == "credit.repair_decided",
        Notification.user_id == world.enterprise_admin.id)).all()
    assert len(decided) == 3
    exported = client.get("/officer/credit/repair-results.json").get_json()
    assert exported["results"][0]["decision_number"] == record.decision_number
    assert exported["results"][0]["status"] == "approved"


def test_refusal_objection_and_answer(client, world, record):
    client.sign_in(world.enterprise_admin.email)
    client.submit(f"/credit/records/{record.id}/repair",
                  {"statement": "罚款已缴清", "commitment": "y", "proof": _pdf()},
                  content_type="multipart/form-data")
    application = db.session.scalar(select(RepairApplication))
    client.submit("/sign-out", token_from="/credit")
    client.sign_in(world.officer.email)
    review = f"/officer/credit/repairs/{application.id}"
    client.submit(f"{review}/decide", {"decision": "accept", "reasons": "", "version": "1"},
                  token_from=review)
    client.submit(f"{review}/decide", {"decision": "refuse", "reasons": "危害后果未消除",
                                       "version": "2"}, token_from=review)
    assert reload(application).status == RepairStatus.REFUSED
    client.submit("/sign-out", token_from=review)
    client.sign_in(world.enterprise_member.email)
    page = f"/credit/records/{record.id}/repair"
    assert "危害后果未消除" in client.get(page).get_data(as_text=True)
    client.submit(f"/credit/repairs/{application.id}/objection",
                  {"objection": "已提交消除危害后果的证明", "version": "3"}, token_from=page)
    assert reload(application).status == RepairStatus.OBJECTED
    client.submit("/sign-out", token_from=page)
    client.sign_in(world.officer.email)
    client.submit(f"{review}/decide", {"decision": "uphold_refusal",
                                       "reasons": "证明材料不足", "version": "4"},
                  token_from=review)
    application = reload(application)
    assert application.status == RepairStatus.REFUSAL_UPHELD
    assert application.objection_answer == "证明材料不足"
    assert reload(record).publication_status == PublicationStatus.PUBLISHED


def test_too_early_is_refused_with_the_reason(app, client, world, today):
    with app.test_request_context():
        early = make_record(world.enterprise, world.department,
                            decided=today - dt.timedelta(days=10), record_class="serious",
                            performed=today)
    client.sign_in(world.enterprise_admin.email)
    page = client.get(f"/credit/records/{early.id}/repair").get_data(as_text=True)
    assert "最短公示期未满" in page
    assert 'name="commitment"' not in page
    response = client.submit(f"/credit/records/{early.id}/repair",
                             {"statement": "x", "commitment": "y", "proof": _pdf()},
                             content_type="multipart/form-data")
    assert response.status_code == 400
    assert db.session.scalar(select(RepairApplication)) is None


def test_another_enterprises_record_is_not_found(app, client, world, today):
    with app.test_request_context():
        theirs = make_record(world.other_enterprise, world.department,
                             decided=today - dt.timedelta(days=400),
                             performed=today - dt.timedelta(days=300))
    client.sign_in(world.enterprise_admin.email)
    assert client.get(f"/credit/records/{theirs.id}/repair").status_code == 404
    response = client.submit(f"/credit/records/{theirs.id}/repair",
                             {"statement": "x", "commitment": "y", "proof": _pdf()},
                             token_from="/credit", content_type="multipart/form-data")
    assert response.status_code == 404
    assert db.session.scalar(select(RepairApplication)) is None


def test_officer_import_page_reports_rows_in_the_users_language(english_client, world):
    english_client.sign_in(world.officer.email)
    header = ("行政处罚决定书文号,统一社会信用代码,处罚机关代码,违法行为,处罚种类,处罚决定日期,"
              "信息类别")
    start = f"{world.enterprise.uscc},{world.department.code},未公示,罚款"
    good = f"页面〔2026〕1号,{start},2026-01-05,一般"
    bad = f"页面〔2026〕2号,{start},2099-01-05,一般"
    data = f"{header}\n{good}\n{bad}\n".encode("gbk")
    response = english_client.submit(
        "/officer/credit/import", {"mode": "all", "file": (io.BytesIO(data), "r.csv")},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This date is in the future." in page and "Decision date" in page
    assert db.session.scalar(select(CreditRecord)) is None
    response = english_client.submit(
        "/officer/credit/import", {"mode": "valid", "file": (io.BytesIO(data), "r.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert "2 rows read, 1 imported, 1 with errors." in response.get_data(as_text=True)
    assert db.session.scalar(select(CreditRecord.decision_number)) == "页面〔2026〕1号"
    notices = db.session.scalars(select(Notification).where(
        Notification.kind == "credit.repair_notice")).all()
    assert notices and all(n.params["decision"] == "页面〔2026〕1号" for n in notices)


def test_officer_overrides_the_risk_class_with_a_reason(client, world, record):
    client.sign_in(world.officer.email)
    page = f"/officer/credit/enterprises/{world.enterprise.id}"
    response = client.submit(page, {"risk": "D", "reason": ""})
    assert response.status_code == 400
    client.submit(page, {"risk": "D", "reason": "多次投诉举报"})
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "credit.risk_overridden"))
    assert (event.to_state, event.note) == ("D", "多次投诉举报")
    client.submit("/sign-out", token_from=page)
    client.sign_in(world.enterprise_admin.email)
    risk = client.get("/credit").get_data(as_text=True)
    assert "D类——高风险" in risk and "多次投诉举报" in risk


def test_officer_enters_a_record_by_hand(client, world):
    client.sign_in(world.officer.email)
    page = "/officer/credit/records/new"
    data = {"decision_number": "手工〔2026〕1号", "uscc": world.enterprise.uscc,
            "violation": "未按规定公示许可证", "penalty_types": ["warning", "fine"],
            "fine_amount": "-1", "decision_date": "2026-03-01", "record_class": "general",
            "market_category": "other", "performed_on": "2026-02-01"}
    response = client.submit(page, data)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "罚款金额不能为负数。" in text and "履行日期早于处罚决定日期。" in text
    assert db.session.scalar(select(CreditRecord)) is None
    response = client.submit(page, {**data, "fine_amount": "1500",
                                     "performed_on": "2026-03-10"})
    assert response.status_code == 302
    record = db.session.scalar(select(CreditRecord))
    assert record.department_code == world.department.code
    assert record.penalty_types == ["warning", "fine"]
    assert record.earliest_repair_on == dt.date(2026, 9, 1)
    assert record.publication_ends_on == dt.date(2029, 3, 1)
    assert db.session.scalar(select(Notification).where(
        Notification.kind == "credit.repair_notice")) is not None
    again = client.submit(page, {**data, "fine_amount": "1500", "performed_on": ""})
    assert again.status_code == 400
    assert "已存在该决定书文号的记录。" in again.get_data(as_text=True)
