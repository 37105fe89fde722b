"""Findings are rows with the deadline told at submission, never recomputed (issue 7)."""

from __future__ import annotations

import datetime as dt
import io
import re

from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from portal.accounts.models import Department
from portal.core.deadlines import Deadline
from portal.core.formatting import format_day
from portal.extensions import db
from portal.selfcheck import services
from portal.selfcheck.models import Finding, FindingStatus, SelfCheckDepartment
from portal.selfcheck.services import count_findings_by_severity
from tests.factories import EnterpriseFactory, UserFactory, make_self_check
from tests.functional.test_selfcheck import (
    _answer_everything,
    _enterprise_client,
    _self_check,
    _start,
    _submit,
)
from tests.functional.test_selfcheck import catering as catering  # a fixture

TOLD = dt.date(2027, 1, 15)
MOVED = dt.date(2031, 3, 3)


def _officer_client(app, client, department_code: str):
    """Return a client signed in as a new officer of ``department_code``."""
    department = db.session.scalar(select(Department).where(
        Department.code == department_code))
    officer = UserFactory(officer=True, department=department)
    db.session.commit()
    viewer = app.test_client()
    viewer.__class__ = type(client)
    viewer.sign_in(officer.email)
    return viewer


def _pdf_text(client, self_check_id: int) -> str:
    """Return the text of the result PDF without white space (PDF lines break anywhere)."""
    pdf = client.get(f"/self-checks/{self_check_id}/result.pdf")
    return re.sub(r"\s+", "", "".join(page.extract_text()
                                       for page in PdfReader(io.BytesIO(pdf.data)).pages))


def _submit_with_findings(client, world) -> int:
    _enterprise_client(client, world)
    self_check_id = _start(client)
    _answer_everything(client, self_check_id,
                       override={"licence_valid": "no", "licence_displayed": "no"})
    assert _submit(client, self_check_id).status_code == 302
    return self_check_id


def test_findings_are_stored_with_the_deadline_computed_at_submission(
        english_client, real_content, catering, monkeypatch):
    calls = []

    def calendar(start, days):
        calls.append((start, days))
        return Deadline(TOLD, estimated=True)

    monkeypatch.setattr(services, "add_working_days", calendar)
    self_check_id = _submit_with_findings(english_client, catering)
    self_check = _self_check(self_check_id)
    rows = {f.question_id: f for f in self_check.findings}
    assert {"licence_valid", "licence_displayed"} <= set(rows)
    licence = rows["licence_valid"]
    assert (licence.obligation_code, licence.severity) == ("CAT-01", "high")
    assert licence.deadline == TOLD and licence.deadline_estimated is True
    assert licence.status == FindingStatus.OPEN
    # Counted from the day of submission in Nansha, with the questionnaire's period.
    nansha_today = self_check.submitted_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert (nansha_today, licence.correction_working_days) in calls
    # One row per finding of the evaluation, in the same order.
    assert [f.question_id for f in self_check.findings] == [
        f["question_id"] for f in self_check.result["findings"]]


def test_a_calendar_change_after_submission_does_not_move_the_stored_deadline(
        app, english_client, real_content, catering, monkeypatch):
    monkeypatch.setattr(services, "add_working_days",
                        lambda start, days: Deadline(TOLD, estimated=False))
    self_check_id = _submit_with_findings(english_client, catering)
    # The calendar now says something else (a new holiday schedule, a bug fix...).
    moved = Deadline(MOVED, estimated=True)
    monkeypatch.setattr(services, "add_working_days", lambda start, days: moved)
    monkeypatch.setattr("portal.core.deadlines.add_working_days", lambda start, days: moved)
    page = english_client.get(f"/self-checks/{self_check_id}/result").get_data(as_text=True)
    with app.test_request_context(), force_locale("en"):
        told, later = format_day(TOLD), format_day(MOVED)
    assert f"by {told}" in page
    assert later not in page
    assert "This date is an estimate" not in page
    assert {f.deadline for f in _self_check(self_check_id).findings
            if f.deadline is not None} == {TOLD}


def test_officers_see_the_stored_deadline_too(app, client, real_content, catering, monkeypatch):

    monkeypatch.setattr(services, "add_working_days",
                        lambda start, days: Deadline(TOLD, estimated=False))
    self_check_id = _submit_with_findings(client, catering)
    monkeypatch.setattr(services, "add_working_days",
                        lambda start, days: Deadline(MOVED, estimated=False))
    viewer = _officer_client(app, client, "market_regulation")
    page = viewer.get(f"/officer/self-checks/{self_check_id}").get_data(as_text=True)
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        told, later = format_day(TOLD), format_day(MOVED)
    assert told in page and later not in page


def test_an_estimated_deadline_is_said_in_words_on_the_page_the_pdf_and_the_officer_view(
        app, english_client, real_content, catering, monkeypatch):
    """Issue 9 §2: not a grey hint but a sentence naming the unpublished year."""

    monkeypatch.setattr(services, "add_working_days",
                        lambda start, days: Deadline(TOLD, estimated=True))
    self_check_id = _submit_with_findings(english_client, catering)
    page = english_client.get(f"/self-checks/{self_check_id}/result").get_data(as_text=True)
    assert "This date is an estimate." in page
    assert "the official holiday schedule for 2027 had not been published" in page
    compact = _pdf_text(english_client, self_check_id)
    assert "Thisdateisanestimate." in compact
    assert "holidayschedulefor2027hadnotbeenpublished" in compact
    viewer = _officer_client(app, english_client, "market_regulation")
    officer_page = viewer.get(f"/officer/self-checks/{self_check_id}").get_data(as_text=True)
    assert "此日期为估算日期。" in officer_page
    assert "国务院尚未公布2027年的节假日安排" in officer_page


def test_the_officer_scope_is_stored_when_the_self_check_starts(client, real_content, catering):
    _enterprise_client(client, catering)
    self_check = _self_check(_start(client))
    stored = {(d.department_code, d.lead) for d in self_check.departments}
    # The catering guide: market regulation leads; three other departments share it.
    assert ("market_regulation", True) in stored
    assert {code for code, lead in stored if not lead} == {
        "ecology_environment", "housing_construction", "comprehensive_enforcement"}


def test_an_officer_keeps_seeing_a_self_check_when_the_guide_drops_the_department(
        app, client, real_content, catering):
    """Scope is read from the self-check, not from today's guide."""
    from portal.guides.models import IndustryGuide, IndustryGuideVersion

    self_check_id = _submit_with_findings(client, catering)
    guide = db.session.scalar(select(IndustryGuideVersion).join(IndustryGuide).where(
        IndustryGuide.slug == "catering", IndustryGuideVersion.is_current.is_(True)))
    guide.other_departments = []
    viewer = _officer_client(app, client, "ecology_environment")
    assert viewer.get(f"/officer/self-checks/{self_check_id}").status_code == 200
    reference = _self_check(self_check_id).reference
    assert reference in viewer.get("/officer/self-checks").get_data(as_text=True)


def test_findings_are_counted_per_severity_in_the_database(world):
    questionnaire = world.submitted.questionnaire
    for _ in range(2):
        make_self_check(EnterpriseFactory(), world.enterprise_admin, questionnaire,
                        submitted=True)
    db.session.flush()
    expected: dict[str, int] = {}
    for finding in db.session.scalars(select(Finding)):
        expected[finding.severity] = expected.get(finding.severity, 0) + 1
    counts = count_findings_by_severity(db.session)
    assert counts == expected
    assert sum(counts.values()) >= 3  # the world's submitted one and two more
    scoped = db.session.scalars(select(SelfCheckDepartment.department_code)).first()
    assert scoped is not None
    in_scope = set(db.session.scalars(select(SelfCheckDepartment.self_check_id).where(
        SelfCheckDepartment.department_code == scoped)))
    expected_scoped: dict[str, int] = {}
    for finding in db.session.scalars(select(Finding)):
        if finding.self_check_id in in_scope:
            expected_scoped[finding.severity] = expected_scoped.get(finding.severity, 0) + 1
    assert expected_scoped
    assert count_findings_by_severity(db.session, department_code=scoped) == expected_scoped
    assert count_findings_by_severity(db.session, department_code="nobody") == {}


def _summary_headings(page: str) -> list[str]:
    """Return the text of each row heading of the "what to put right" table."""
    cells = re.findall(r'<th scope="row" data-label="[^"]*">(.*?)<br>', page, re.S)
    return [re.sub(r"<[^>]+>|\s+", "", cell) for cell in cells]


def _detail_headings(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>|\s+", "", h)
            for h in re.findall(r'<h4 class="finding__problem">(.*?)</h4>', page, re.S)]


def test_a_finding_is_headed_by_what_is_wrong_not_by_the_question(
        app, client, real_content, catering):
    """Issue 9 §3: the heading says the problem; the question is a secondary line."""
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    _answer_everything(client, self_check_id,
                       override={"staff_count": "3", "health_certificates": "no"})
    assert _submit(client, self_check_id).status_code == 302
    [stored] = [f for f in _self_check(self_check_id).result["findings"]
                if f["question_id"] == "health_certificates"]
    assert stored["problem"]["zh_Hans"] == "有从业人员未持有效健康证明"
    page = client.get(f"/self-checks/{self_check_id}/result").get_data(as_text=True)
    assert "有从业人员未持有效健康证明" in _summary_headings(page)
    assert "这些从业人员是否都持有有效的健康证明？" not in "".join(_summary_headings(page))
    assert "有从业人员未持有效健康证明" in _detail_headings(page)
    assert re.search(r'<h4 class="finding__problem">有从业人员未持有效健康证明</h4>\s*'
                     r'<p class="finding__question">这些从业人员是否都持有有效的健康证明？</p>',
                     page)
    text = _pdf_text(client, self_check_id)
    assert "有从业人员未持有效健康证明" in text

    viewer = _officer_client(app, client, "market_regulation")
    officer_page = viewer.get(f"/officer/self-checks/{self_check_id}").get_data(as_text=True)
    assert "有从业人员未持有效健康证明" in _summary_headings(officer_page)
    assert "有从业人员未持有效健康证明" in _detail_headings(officer_page)


def test_a_result_stored_before_findings_had_a_problem_is_headed_by_the_question(
        client, real_content, catering):
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    _answer_everything(client, self_check_id,
                       override={"staff_count": "3", "health_certificates": "no"})
    assert _submit(client, self_check_id).status_code == 302
    self_check = _self_check(self_check_id)
    old = dict(self_check.result)
    old["findings"] = [{k: v for k, v in f.items() if k != "problem"} for f in old["findings"]]
    self_check.result = old
    db.session.commit()
    response = client.get(f"/self-checks/{self_check_id}/result")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "这些从业人员是否都持有有效的健康证明？" in _summary_headings(page)
    assert "这些从业人员是否都持有有效的健康证明？" in _detail_headings(page)
    assert "有从业人员未持有效健康证明" not in page
