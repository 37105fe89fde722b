"""What an officer sees of a self-check, and that it is audited (issue 9, §4)."""

from __future__ import annotations

import io

from sqlalchemy import select

from portal.accounts.models import Department
from portal.core.audit import AuditEvent
from portal.extensions import db
from tests.factories import UserFactory
from tests.functional.test_selfcheck import (
    PDF,
    _answer_everything,
    _enterprise_client,
    _people_section,
    _self_check,
    _start,
    _submit,
)
from tests.functional.test_selfcheck import catering as catering  # a fixture


def _submitted(client, world) -> int:
    """Submit a catering self-check with an upload, a market and an environment finding."""
    _enterprise_client(client, world)
    self_check_id = _start(client)
    _people_section(client, self_check_id, **{
        "q-training_record": (io.BytesIO(PDF), "培训记录.pdf")})
    _answer_everything(client, self_check_id,
                       override={"licence_valid": "no", "fume_purifier": "no"})
    assert "training_record" in _self_check(self_check_id).answers
    assert _submit(client, self_check_id).status_code == 302
    return self_check_id


def _officer_client(app, client, department_code: str):
    department = db.session.scalar(select(Department).where(
        Department.code == department_code))
    officer = UserFactory(officer=True, department=department, locale="en")
    db.session.commit()
    viewer = app.test_client()
    viewer.__class__ = type(client)
    viewer.sign_in(officer.email)
    return viewer, officer


def test_officer_sees_the_enterprise_answers_and_attachments(app, client, real_content,
                                                             catering):
    self_check_id = _submitted(client, catering)
    viewer, _officer = _officer_client(app, client, "market_regulation")
    page = viewer.get(f"/officer/self-checks/{self_check_id}").get_data(as_text=True)
    enterprise = catering.enterprise
    for shown in (enterprise.uscc, enterprise.address, enterprise.contact_mobile,
                  enterprise.contact_email, enterprise.legal_representative):
        assert shown in page
    assert "Answers and attachments" in page
    assert "Is a cooking-fume purifier installed?" in page
    link = f"/self-checks/{self_check_id}/files/training_record"
    assert f'href="{link}"' in page and "培训记录.pdf" in page
    download = viewer.get(link, buffered=True)
    assert download.status_code == 200 and download.data == PDF
    download.close()
    # The enterprise's own page does not get the officer's blocks.
    own = client.get(f"/self-checks/{self_check_id}/result").get_data(as_text=True)
    assert "officer-answers" not in own


def test_officer_views_are_recorded_in_the_audit_trail(app, client, real_content, catering):
    self_check_id = _submitted(client, catering)
    viewer, officer = _officer_client(app, client, "market_regulation")
    assert viewer.get(f"/officer/self-checks/{self_check_id}").status_code == 200
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "selfcheck.viewed_by_officer")).all()
    assert [(e.actor_id, e.object_type, e.object_id) for e in events] == [
        (officer.id, "self_check", str(self_check_id))]
    assert events[0].details["department"] == "market_regulation"
    # The enterprise looking at its own result is not an officer view.
    client.get(f"/self-checks/{self_check_id}/result")
    assert len(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "selfcheck.viewed_by_officer")).all()) == 1


def test_officers_see_only_findings_of_their_departments_obligations(app, client, real_content,
                                                                    catering):
    self_check_id = _submitted(client, catering)
    market, _ = _officer_client(app, client, "market_regulation")
    page = market.get(f"/officer/self-checks/{self_check_id}").get_data(as_text=True)
    assert "CAT-01" in page and "CAT-09" not in page
    assert "1 other finding concerns obligations of other departments" in page
    environment, _ = _officer_client(app, client, "ecology_environment")
    page = environment.get(f"/officer/self-checks/{self_check_id}").get_data(as_text=True)
    assert "CAT-09" in page and "CAT-01" not in page
    # The enterprise itself sees all of its findings.
    own = client.get(f"/self-checks/{self_check_id}/result").get_data(as_text=True)
    assert "CAT-01" in own and "CAT-09" in own


def test_the_result_starts_with_a_summary_of_what_to_put_right(app, english_client,
                                                               real_content, catering):
    self_check_id = _submitted(english_client, catering)
    page = english_client.get(f"/self-checks/{self_check_id}/result").get_data(as_text=True)
    summary_at = page.index('class="table table--stack findings-summary"')
    details_at = page.index("Findings in detail")
    assert summary_at < details_at
    assert summary_at < page.index("How the score is worked out")
    summary = page[summary_at:page.index("</table>", summary_at)]
    for heading in ("Problem", "Deadline", "Department", "What to do next", "Status"):
        assert f">{heading}</th>" in summary
    self_check = _self_check(self_check_id)
    assert summary.count('class="findings-summary__row"') == len(self_check.findings)
    assert "Install a fume purifier sized for your cooking stations." in summary
    assert "To put right" in summary  # each finding's status
    # Each row links to the finding's details further down.
    for finding in self_check.findings:
        assert f'href="#finding-{finding.id}"' in summary
        assert f'id="finding-{finding.id}"' in page[details_at:]
    environment = db.session.scalar(select(Department).where(
        Department.code == "ecology_environment"))
    assert environment.name_en in summary


def test_the_officers_list_counts_only_their_departments_findings(app, client, real_content,
                                                                  catering):
    self_check_id = _submitted(client, catering)
    assert len(_self_check(self_check_id).findings) >= 2
    environment, _ = _officer_client(app, client, "ecology_environment")
    page = environment.get("/officer/self-checks").get_data(as_text=True)
    assert "Findings for your department" in page
    cell = '<td data-label="Findings for your department" class="department-findings">'
    assert f"{cell}1</td>" in page
