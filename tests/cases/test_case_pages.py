"""Both sides of a case through the pages: opening, reporting with evidence, the officer's
decisions, stale forms, bad input, and who may see what."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.cases.models import Case, CaseStatus, EvidenceFile
from portal.core.outbox import OutboxMessage
from portal.extensions import db
from portal.guides.models import ObligationRecord, ObligationVersion
from portal.notifications.models import Notification
from portal.selfcheck.models import Finding, FindingStatus
from tests.cases.helpers import order
from tests.conftest import reload
from tests.factories import UserFactory
from tests.samples import pdf_bytes, pdf_with_javascript, png_bytes


def local_today() -> dt.date:
    """Return today in Nansha (the portal's default time zone)."""
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')


def _version(page: str) -> str:
    match = VERSION.search(page)
    assert match, "no version field"
    return match.group(1)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _files(case) -> int:
    return db.session.scalar(select(func.count(EvidenceFile.id))
                             .where(EvidenceFile.case_id == case.id))


@pytest.fixture
def opened(world, app):
    with app.test_request_context():
        case = order(world)
    return case


def _report(client, case, *, files=None, **overrides):
    page = client.get(f"/cases/{case.id}/report").get_data(as_text=True)
    data = {"description": "已在门店入口处张贴许可证", "completed_on": local_today().isoformat(),
            "commitment": "y", "version": _version(page),
            "evidence": files if files is not None else [(io.BytesIO(png_bytes()), "门店.png")]}
    data.update(overrides)
    return client.submit(f"/cases/{case.id}/report", data, content_type="multipart/form-data")


def test_the_enterprise_reports_and_the_officer_accepts(client, world, opened, app):
    client.sign_in(world.enterprise_admin.email)
    listing = client.get("/cases").get_data(as_text=True)
    assert opened.reference in listing
    response = _report(client, opened, files=[(io.BytesIO(png_bytes()), "门店.png"),
                                              (io.BytesIO(pdf_bytes()), "记录.pdf")])
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    case = reload(opened)
    assert case.status == CaseStatus.SUBMITTED
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    rows = list(db.session.scalars(select(EvidenceFile).where(EvidenceFile.case_id == case.id)
                                   .order_by(EvidenceFile.id)))
    assert [row.name for row in rows] == ["门店.png", "记录.pdf"]
    assert rows[0].sha256 in page and "撤回" in page, page
    # The officers of the department hear of it, in the app and through the outbox.
    assert set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "case.submitted"))) == {world.officer.id, world.colleague.id}
    assert _count(OutboxMessage) >= 1
    client.post("/sign-out", data={"csrf_token": client.csrf_token()})

    client.sign_in(world.officer.email)
    assert case.reference in client.get("/officer/cases").get_data(as_text=True)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert world.enterprise.uscc in page
    response = client.submit(f"/cases/{case.id}/review",
                             {"decision": "accept", "reasons": "照片显示已公示",
                              "version": _version(page)}, token_from=f"/cases/{case.id}")
    assert response.status_code == 302
    assert reload(case).status == CaseStatus.RECTIFIED
    enterprise_people = {world.enterprise_admin.id, world.enterprise_member.id,
                         world.enterprise_agent.id}
    told = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "case.rectified")))
    assert told == enterprise_people


def test_downloads_are_attachments_and_thumbnails_are_re_encoded(client, world, opened):
    client.sign_in(world.enterprise_admin.email)
    _report(client, opened)
    row = db.session.scalar(select(EvidenceFile).where(EvidenceFile.case_id == opened.id))
    download = client.get(f"/cases/{opened.id}/files/{row.id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.data == png_bytes()
    download.close()
    thumb = client.get(f"/cases/{opened.id}/files/{row.id}/thumbnail")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert thumb.data != png_bytes()
    # Another case's id with this file's id: not found.
    assert client.get(f"/cases/{opened.id + 1}/files/{row.id}").status_code == 404


def test_a_supplement_is_asked_for_and_answered(client, world, opened):
    client.sign_in(world.enterprise_admin.email)
    _report(client, opened)
    client.post("/sign-out", data={"csrf_token": client.csrf_token()})
    client.sign_in(world.officer.email)
    page = client.get(f"/cases/{opened.id}").get_data(as_text=True)
    # Asking for more without reasons or days is refused, with messages, changing nothing.
    response = client.submit(f"/cases/{opened.id}/review",
                             {"decision": "request_supplement", "version": _version(page)},
                             token_from=f"/cases/{opened.id}")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "请说明理由" in body and "工作日" in body
    assert reload(opened).status == CaseStatus.SUBMITTED
    response = client.submit(f"/cases/{opened.id}/review",
                             {"decision": "request_supplement", "reasons": "请补充许可证近照",
                              "working_days": "3", "version": _version(page)},
                             token_from=f"/cases/{opened.id}")
    assert response.status_code == 302
    assert reload(opened).status == CaseStatus.SUPPLEMENT_REQUESTED
    client.post("/sign-out", data={"csrf_token": client.csrf_token()})
    client.sign_in(world.enterprise_member.email)
    page = client.get(f"/cases/{opened.id}").get_data(as_text=True)
    assert "请补充许可证近照" in page
    response = _report(client, opened, files=[(io.BytesIO(png_bytes(colour="red")), "近照.png")])
    assert response.status_code == 302
    assert reload(opened).status == CaseStatus.SUBMITTED


def test_a_stale_form_is_told_and_overwrites_nothing(client, world, opened, app):
    second = UserFactory(officer=True, department=world.department)
    db.session.commit()
    client.sign_in(world.enterprise_admin.email)
    _report(client, opened)
    client.post("/sign-out", data={"csrf_token": client.csrf_token()})
    client.sign_in(world.officer.email)
    seen = _version(client.get(f"/cases/{opened.id}").get_data(as_text=True))
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    other.sign_in(second.email)
    assert other.submit(f"/cases/{opened.id}/review",
                        {"decision": "accept", "reasons": "", "version": seen},
                        token_from=f"/cases/{opened.id}").status_code == 302
    response = client.submit(f"/cases/{opened.id}/review",
                             {"decision": "find_not_rectified", "reasons": "未整改",
                              "version": seen}, token_from=f"/cases/{opened.id}",
                             follow_redirects=True)
    assert "在您查看期间，其他人已修改此记录" in response.get_data(as_text=True)
    case = reload(opened)
    assert case.status == CaseStatus.RECTIFIED and case.conclusion == ""


@pytest.mark.parametrize(("name", "data", "message"), [
    ("empty.pdf", b"", "文件为空"),
    ("page.pdf", b"<html><script>alert(1)</script></html>", "PDF, PNG, JPG"),
    ("photo.pdf", png_bytes(), "PDF, PNG, JPG"),
    ("active.pdf", pdf_with_javascript(), "无法接受"),
])
def test_a_refused_file_refuses_the_report_and_stores_nothing(client, world, opened, name,
                                                              data, message):
    client.sign_in(world.enterprise_admin.email)
    response = _report(client, opened, files=[(io.BytesIO(png_bytes()), "good.png"),
                                              (io.BytesIO(data), name)])
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert name in body and message in body, body[:4000]
    assert reload(opened).status == CaseStatus.OPEN
    assert _files(opened) == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("description", "", "请描述您做了什么"),
    ("completed_on", "2026-02-30", "请输入有效日期"),
    ("completed_on", (local_today() + dt.timedelta(days=5)).isoformat(), "不能是将来"),
    ("commitment", "", "请先确认承诺"),
])
def test_bad_report_fields_get_messages_and_change_nothing(client, world, opened, field,
                                                           value, message):
    client.sign_in(world.enterprise_admin.email)
    response = _report(client, opened, **{field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert reload(opened).status == CaseStatus.OPEN and _files(opened) == 0


def test_a_first_report_needs_a_file(client, world, opened):
    client.sign_in(world.enterprise_admin.email)
    response = _report(client, opened, files=[])
    assert response.status_code == 400
    assert "请至少附上一个" in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["other_admin", "legal_reviewer", "admin"])
def test_outsiders_cannot_report(client, world, opened, who):
    user = world.user(who)
    client.sign_in(user.email)
    status = client.get(f"/cases/{opened.id}/report").status_code
    assert status in (403, 404)


@pytest.mark.parametrize(("who", "status"), [
    ("other_admin", 404), ("admin", 404), ("enterprise_member", 200),
    ("enterprise_agent", 200), ("officer", 200), ("legal_reviewer", 200)])
def test_who_sees_a_case(client, world, opened, who, status):
    client.sign_in(world.user(who).email)
    assert client.get(f"/cases/{opened.id}").status_code == status


def test_an_officer_of_another_department_gets_not_found(client, world, opened):
    outsider = UserFactory(officer=True, department=world.other_department)
    db.session.commit()
    client.sign_in(outsider.email)
    assert client.get(f"/cases/{opened.id}").status_code == 404
    assert opened.reference not in client.get("/officer/cases").get_data(as_text=True)


def test_a_legal_reviewer_reads_but_may_not_decide(client, world, opened):
    client.sign_in(world.legal_reviewer.email)
    page = client.get(f"/cases/{opened.id}").get_data(as_text=True)
    assert client.submit(f"/cases/{opened.id}/review",
                         {"decision": "accept", "version": _version(page) if "version" in page
                          else "1"}, token_from=f"/cases/{opened.id}").status_code == 403


def test_an_agent_whose_mandate_ended_no_longer_sees_the_case(client, world, opened):
    reload(world.agent_membership).mandate_expires_on = local_today() - dt.timedelta(days=1)
    db.session.commit()
    client.sign_in(world.enterprise_agent.email)
    assert client.get(f"/cases/{opened.id}").status_code in (403, 404)


def test_an_officer_issues_an_order_with_a_working_day_deadline(client, world):
    client.sign_in(world.officer.email)
    bad = client.submit("/officer/cases/new", {"uscc": "91440115MA5D0000X0", "problem": "",
                                               "requirement": "", "working_days": "0"})
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "统一社会信用代码" in body and "1 到 90" in body
    assert _count(Case) == 2
    response = client.submit("/officer/cases/new", {
        "uscc": world.enterprise.uscc, "problem": "未公示许可证", "requirement": "公示许可证",
        "legal_basis": "", "working_days": "5"})
    assert response.status_code == 302
    case = db.session.scalar(select(Case).order_by(Case.id.desc()))
    assert case.enterprise_id == world.enterprise.id and case.working_days == 5
    assert case.department_code == world.department.code


def test_the_enterprise_opens_a_case_on_its_own_initiative(client, world):
    client.sign_in(world.enterprise_admin.email)
    bad = client.submit("/cases/new", {"department": "nonsense", "problem": "x",
                                       "requirement": "y", "due_date": "2020-01-01"})
    assert bad.status_code == 400 and _count(Case) == 2
    due = local_today() + dt.timedelta(days=20)
    response = client.submit("/cases/new", {"department": world.department.code,
                                            "problem": "灭火器过期", "requirement": "更换灭火器",
                                            "due_date": due.isoformat()})
    assert response.status_code == 302
    case = db.session.scalar(select(Case).order_by(Case.id.desc()))
    assert case.origin == "own_initiative" and case.due_date == due


def test_a_finding_opens_its_case_once_and_shows_its_status(client, world):
    record = ObligationRecord(code="t-01", industry="testing")
    db.session.add(record)
    db.session.flush()
    db.session.add(ObligationVersion(obligation_id=record.id, version_no=1, is_current=True,
                                     digest="0" * 64, title={"zh_Hans": "持证"},
                                     description={"zh_Hans": "持证"}, legal_basis=[],
                                     department=world.department.code, severity="high"))
    db.session.commit()
    finding = world.submitted.findings[0]
    client.sign_in(world.enterprise_member.email)
    result = client.get(f"/self-checks/{world.submitted.id}/result").get_data(as_text=True)
    assert "整改此项" in result
    path = f"/self-checks/{world.submitted.id}/findings/{finding.id}/case"
    first = client.submit(path, token_from=f"/self-checks/{world.submitted.id}/result")
    again = client.submit(path, token_from=f"/self-checks/{world.submitted.id}/result")
    assert first.headers["Location"] == again.headers["Location"]
    case = db.session.scalar(select(Case).order_by(Case.id.desc()))
    assert case.due_date == finding.deadline and case.finding_id == finding.id
    assert reload(finding).status == FindingStatus.RECTIFYING
    result = client.get(f"/self-checks/{world.submitted.id}/result").get_data(as_text=True)
    assert case.reference in result
    # Another enterprise's user cannot open a case from this finding.
    client.post("/sign-out", data={"csrf_token": client.csrf_token()})
    client.sign_in(world.other_admin.email)
    other = client.submit(f"/self-checks/{world.submitted.id}/findings/{finding.id}/case",
                          token_from="/")
    assert other.status_code == 404
    assert db.session.scalar(select(func.count(Finding.id))) >= 1


HOSTILE = Path(__file__).resolve().parent.parent / "data" / "hostile"
HOSTILE_FILES = sorted(path.name for path in HOSTILE.iterdir()
                       if path.name not in {"README.md", "make_corpus.py"})


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_every_hostile_file_is_refused_as_case_evidence(client, world, opened, name):
    client.sign_in(world.enterprise_admin.email)
    response = _report(client, opened,
                       files=[(io.BytesIO((HOSTILE / name).read_bytes()), name)])
    assert response.status_code == 400
    assert name in response.get_data(as_text=True)
    assert reload(opened).status == CaseStatus.OPEN
    assert _files(opened) == 0


def test_an_upload_to_a_closed_case_is_refused(client, world, opened):
    client.sign_in(world.enterprise_admin.email)
    _report(client, opened)
    client.post("/sign-out", data={"csrf_token": client.csrf_token()})
    client.sign_in(world.officer.email)
    page = client.get(f"/cases/{opened.id}").get_data(as_text=True)
    client.submit(f"/cases/{opened.id}/review", {"decision": "accept", "reasons": "",
                                                 "version": _version(page)},
                  token_from=f"/cases/{opened.id}")
    client.post("/sign-out", data={"csrf_token": client.csrf_token()})
    client.sign_in(world.enterprise_admin.email)
    files_before = _files(opened)
    response = client.submit(f"/cases/{opened.id}/report", {
        "description": "x", "completed_on": local_today().isoformat(), "commitment": "y",
        "version": "99", "evidence": [(io.BytesIO(png_bytes(colour="blue")), "late.png")]},
        token_from="/cases", content_type="multipart/form-data")
    assert response.status_code == 302
    assert _files(opened) == files_before
    assert reload(opened).status == CaseStatus.RECTIFIED


def test_a_case_from_a_finding_reads_in_the_readers_language(client, english_client, world):
    record = ObligationRecord(code="t-01", industry="testing")
    db.session.add(record)
    db.session.flush()
    db.session.add(ObligationVersion(obligation_id=record.id, version_no=1, is_current=True,
                                     digest="0" * 64, title={"zh_Hans": "持证"},
                                     description={"zh_Hans": "持证"}, legal_basis=[],
                                     department=world.department.code, severity="high"))
    db.session.commit()
    finding = world.submitted.findings[0]
    client.sign_in(world.enterprise_member.email)
    client.submit(f"/self-checks/{world.submitted.id}/findings/{finding.id}/case",
                  token_from=f"/self-checks/{world.submitted.id}/result")
    case = db.session.scalar(select(Case).where(Case.finding_id == finding.id))
    assert (case.problem, case.requirement) == ("未持证经营", "办理许可证")
    english_client.sign_in(world.officer.email)
    page = english_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Not licensed" in page and "Get a licence" in page
    assert "未持证经营" not in page


def test_the_queue_filters_show_the_chosen_industry_town_and_status(client, world,
                                                                    english_client):
    client.sign_in(world.officer.email)
    page = client.get("/officer/cases", query_string={
        "industry": "62", "town": "nansha", "status": "submitted"}).get_data(as_text=True)
    assert '<option value="62" selected>62 餐饮业</option>' in page
    assert page.count(" selected>") == 3
    assert '<option value="5117">5117 渔业产品批发</option>' in page
    assert '<option value="nansha" selected>南沙街道</option>' in page
    english_client.sign_in(world.officer.email)
    english = english_client.get("/officer/cases").get_data(as_text=True)
    assert '<option value="62">62 Catering services</option>' in english
    assert " selected>" not in english
