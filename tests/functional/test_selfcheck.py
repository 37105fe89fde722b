"""The self-check journey, end to end through the pages (issue 4)."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import uuid

import pytest
import yaml
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.cli import CONTENT_ROOT
from portal.core.audit import AuditEvent
from portal.core.storage import StoredFile
from portal.extensions import db
from portal.selfcheck import engine
from portal.selfcheck.models import SelfCheck, SelfCheckStatus
from portal.selfcheck.services import typed_questionnaire
from tests import samples
from tests.conftest import loaded_content, reload
from tests.factories import UserFactory


def _start(client) -> int:
    response = client.submit("/self-checks/new", token_from="/self-checks")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _self_check(self_check_id: int) -> SelfCheck:
    return db.session.get(SelfCheck, self_check_id, populate_existing=True)


def _good_answer(question):
    """Return a posted value that raises no finding for ``question``."""
    kind = question.type
    if kind == "attachment":
        return None  # optional uploads are left empty
    candidates: list = []
    if kind == "yes_no":
        candidates = ["yes", "no"]
    elif kind in {"single_choice", "multiple_choice"}:
        candidates = [o.value for o in question.options]
    elif kind == "number":
        low = question.min or 0
        candidates = [str(int(low) + 1 if question.max is None or low + 1 <= question.max
                          else int(low))]
    elif kind == "date":
        candidates = ["2027-06-30"]
    else:
        candidates = ["已落实"]
    for raw in candidates:
        value = engine.parse_answer(question, raw)
        if not any(engine._clause_holds(f.when, value) for f in question.findings):
            return raw
    return candidates[0]


def _answer_everything(client, self_check_id: int, *, override=None) -> None:
    """Answer every visible question of every section through the pages."""
    override = override or {}
    questionnaire = typed_questionnaire(_self_check(self_check_id).questionnaire)
    index = engine.question_index(questionnaire)
    for section in questionnaire.sections:
        path = f"/self-checks/{self_check_id}/sections/{section.id}"
        for _attempt in range(4):
            page = client.get(path)
            if page.status_code == 404:  # a section that earlier answers hide
                break
            assert page.status_code == 200, path
            names = sorted(set(re.findall(r'name="q-([a-z0-9_]+)"', page.get_data(as_text=True))))
            data = {f"q-{qid}": override.get(qid, _good_answer(index[qid])) for qid in names}
            data = {name: value for name, value in data.items() if value is not None}
            response = client.submit(path, data)
            if response.status_code == 302:
                break
        else:
            raise AssertionError(f"{path} was not saved after four tries")


def _submit(client, self_check_id: int, **changes):
    path = f"/self-checks/{self_check_id}/declaration"
    page = client.get(path).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    data = {"agree": "y", "version": version, **changes}
    return client.submit(path, data)


def _enterprise_client(client, world):
    client.sign_in(world.enterprise_admin.email)
    return client


@pytest.fixture
def catering(world):
    """The world's enterprise is a restaurant (GB/T 4754 division 62), with no self-check yet."""
    assert reload(world.enterprise).industry_code == "62"
    for self_check in (world.draft, world.submitted):
        db.session.delete(reload(self_check))
    db.session.commit()
    return world


def test_the_whole_journey_gives_a_reference_and_a_result(client, real_content, catering):
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    tasks = client.get(f"/self-checks/{self_check_id}").get_data(as_text=True)
    assert "未开始" in tasks
    _answer_everything(client, self_check_id)
    check = client.get(f"/self-checks/{self_check_id}/check-answers")
    assert check.status_code == 200
    response = _submit(client, self_check_id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/confirmation")
    self_check = _self_check(self_check_id)
    assert self_check.status == SelfCheckStatus.SUBMITTED
    assert re.fullmatch(r"ZC\d{4}\d{7}", self_check.reference)
    confirmation = client.get(f"/self-checks/{self_check_id}/confirmation")
    assert self_check.reference in confirmation.get_data(as_text=True)
    result = client.get(f"/self-checks/{self_check_id}/result").get_data(as_text=True)
    assert f"<strong>{self_check.score}</strong> / 100" in result
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "self_check")).all()
    assert actions == ["selfcheck.started", "selfcheck.submitted"]


def test_every_page_saves_so_another_device_can_resume(app, client, real_content, catering):
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    client.submit(f"/self-checks/{self_check_id}/sections/licences",
                  {"q-has_food_licence": "yes", "q-licence_valid": "yes"})
    other_device = app.test_client()
    other_device.__class__ = type(client)
    other_device.sign_in(catering.enterprise_member.email)
    page = other_device.get(f"/self-checks/{self_check_id}/sections/licences").get_data(
        as_text=True)
    assert re.search(r'id="q-has_food_licence-yes"[^>]*checked', page)


def test_answers_to_hidden_questions_are_not_stored(client, real_content, catering):
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    client.submit(f"/self-checks/{self_check_id}/sections/licences",
                  {"q-has_food_licence": "no", "q-licence_valid": "no",
                   "q-licence_displayed": "no"})
    answers = _self_check(self_check_id).answers
    assert answers["has_food_licence"] is False
    assert "licence_valid" not in answers and "licence_displayed" not in answers


def test_tampered_posts_are_refused_and_nothing_is_saved(english_client, real_content, catering):
    _enterprise_client(english_client, catering)
    self_check_id = _start(english_client)
    path = f"/self-checks/{self_check_id}/sections/licences"
    before = dict(_self_check(self_check_id).answers)
    unknown = english_client.submit(path, {"q-has_food_licence": "yes", "q-is_admin": "yes"})
    assert unknown.status_code == 400
    other_section = english_client.submit(path, {"q-business_type": "restaurant"})
    assert other_section.status_code == 400
    not_offered = english_client.submit(path, {"q-has_food_licence": "perhaps"})
    assert not_offered.status_code == 400
    assert "Choose one of the answers shown" in not_offered.get_data(as_text=True)
    assert 'href="#q-has_food_licence"' in not_offered.get_data(as_text=True)
    business = f"/self-checks/{self_check_id}/sections/business"
    out_of_bounds = english_client.submit(business, {"q-business_type": "restaurant",
                                                     "q-seats": "99999"})
    assert out_of_bounds.status_code == 400
    assert "5000 or less" in out_of_bounds.get_data(as_text=True)
    assert _self_check(self_check_id).answers == before


def test_another_enterprises_draft_is_not_found(app, client, real_content, catering):
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    stranger = app.test_client()
    stranger.__class__ = type(client)
    stranger.sign_in(catering.other_admin.email)
    for path in (f"/self-checks/{self_check_id}", f"/self-checks/{self_check_id}/sections/"
                 "licences", f"/self-checks/{self_check_id}/declaration",
                 f"/self-checks/{self_check_id}/result"):
        assert stranger.get(path).status_code == 404, path
    response = stranger.submit(f"/self-checks/{self_check_id}/sections/licences",
                               {"q-has_food_licence": "no"}, token_from="/self-checks")
    assert response.status_code == 404
    assert "has_food_licence" not in _self_check(self_check_id).answers


def test_an_incomplete_questionnaire_lists_each_missing_answer(english_client, real_content,
                                                               catering):
    _enterprise_client(english_client, catering)
    self_check_id = _start(english_client)
    response = _submit(english_client, self_check_id)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Answer these questions before submitting" in page
    assert f"/self-checks/{self_check_id}/sections/licences#q-has_food_licence" in page
    assert _self_check(self_check_id).status == SelfCheckStatus.DRAFT


def test_a_double_submit_from_two_tabs_gives_one_submission(client, real_content, catering):
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    _answer_everything(client, self_check_id)
    path = f"/self-checks/{self_check_id}/declaration"
    page = client.get(path).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    token = client.csrf_token(path)
    data = {"csrf_token": token, "agree": "y", "version": version}
    first = client.post(path, data=data)
    second = client.post(path, data=data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"].endswith("/confirmation")
    submitted = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "selfcheck.submitted"))
    assert submitted == 1


def test_the_signatory_is_the_signed_in_user_in_their_membership_role(client, real_content,
                                                                     catering):
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    _answer_everything(client, self_check_id)
    page = client.get(f"/self-checks/{self_check_id}/declaration").get_data(as_text=True)
    assert 'name="signer_name"' not in page
    signer = catering.enterprise_admin.display_name
    assert signer in page
    response = _submit(client, self_check_id, signer_name="王五（冒名）", signer_role="法定代表人")
    assert response.status_code == 302
    self_check = _self_check(self_check_id)
    assert (self_check.signer_name, self_check.signer_role) == (signer, "管理员")
    result = client.get(f"/self-checks/{self_check_id}/result").get_data(as_text=True)
    assert "王五（冒名）" not in result
    assert signer in result


def test_change_on_check_your_answers_returns_there_after_saving(client, real_content,
                                                                 catering):
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    _answer_everything(client, self_check_id)
    page = client.get(f"/self-checks/{self_check_id}/check-answers").get_data(as_text=True)
    change = re.search(r'href="(/self-checks/\d+/sections/[a-z0-9_]+\?return_to=check-answers)#',
                       page)
    assert change, "every answer has a Change link that comes back here"
    path = change.group(1).replace("&amp;", "&")
    names = sorted(set(re.findall(r'name="q-([a-z0-9_]+)"', client.get(path).get_data(
        as_text=True))))
    questionnaire = typed_questionnaire(_self_check(self_check_id).questionnaire)
    index = engine.question_index(questionnaire)
    data = {f"q-{qid}": _good_answer(index[qid]) for qid in names}
    response = client.submit(path, {k: v for k, v in data.items() if v is not None})
    assert response.status_code == 302
    section_id = path.split("/sections/")[1].split("?")[0]
    assert response.headers["Location"].endswith(
        f"/self-checks/{self_check_id}/check-answers#section-{section_id}")
    # Without the marker, saving goes on to the next section as before.
    plain = client.submit(path.split("?")[0], {k: v for k, v in data.items() if v is not None})
    assert "/check-answers" not in plain.headers["Location"]


def test_the_commitment_is_required(english_client, real_content, catering):
    _enterprise_client(english_client, catering)
    self_check_id = _start(english_client)
    _answer_everything(english_client, self_check_id)
    response = _submit(english_client, self_check_id, agree="")
    page = response.get_data(as_text=True)
    assert "Confirm the commitment" in page
    assert _self_check(self_check_id).status == SelfCheckStatus.DRAFT


def test_result_explains_each_finding(english_client, real_content, catering):
    _enterprise_client(english_client, catering)
    self_check_id = _start(english_client)
    _answer_everything(english_client, self_check_id,
                       override={"licence_valid": "no", "licence_displayed": "no"})
    _submit(english_client, self_check_id)
    self_check = _self_check(self_check_id)
    findings = {f["question_id"]: f for f in self_check.result["findings"]}
    assert {"licence_valid", "licence_displayed"} <= set(findings)
    page = english_client.get(f"/self-checks/{self_check_id}/result").get_data(as_text=True)
    assert findings["licence_valid"]["action"]["en"] in page
    assert "CAT-01" in page
    # An expired licence is put right at once (no renewal after expiry); a licence not
    # displayed within one working day.
    assert "At once" in page
    assert findings["licence_valid"]["correction_working_days"] == 0
    assert "1 working day left" in page
    entries = loaded_content().exemption_entries
    assert findings["licence_valid"]["exemptions"]
    for key in findings["licence_valid"]["exemptions"]:
        assert f"/exemptions/{key}" in page
        assert f"/check/{key}" in page
        assert str(escape(entries[key].violation["en"])) in page
    assert "Conditions:" in page
    assert self_check.score < 100


def test_result_entries_carry_the_same_labels_as_everywhere_else(app, english_client,
                                                                   real_content, catering):
    from portal.guides.queries import current_entries
    from portal.guides.standing import entry_standing

    _enterprise_client(english_client, catering)
    self_check_id = _start(english_client)
    # Selling online without the licences shown: its entry (ecom-01) is from another city.
    _answer_everything(english_client, self_check_id,
                       override={"sells_online": "yes", "online_licences_shown": "no"})
    _submit(english_client, self_check_id)
    keys = next(finding["exemptions"] for finding in _self_check(self_check_id).result[
        "findings"] if finding["question_id"] == "online_licences_shown")
    page = english_client.get(f"/self-checks/{self_check_id}/result").get_data(as_text=True)
    with app.test_request_context():
        standings = [entry_standing(version) for version in current_entries(db.session, keys)]
    assert standings, "the finding offers exemption entries"
    labelled = {"Other city": any(s.other_region for s in standings),
                "Example": any(s.illustrative for s in standings)}
    assert labelled["Other city"], "ecom-01 comes from another city's list"
    for label, expected in labelled.items():
        assert (f">{label}</strong>" in page) == expected, label


def test_the_pdf_has_real_chinese_text(client, real_content, catering):
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    _answer_everything(client, self_check_id, override={"licence_displayed": "no"})
    _submit(client, self_check_id)
    response = client.get(f"/self-checks/{self_check_id}/result.pdf")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    compact = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", reload(catering.enterprise).name) in compact
    finding = _self_check(self_check_id).result["findings"][0]
    assert re.sub(r"\s+", "", finding["action"]["zh_Hans"])[:12] in compact


def test_history_compares_and_a_new_self_check_starts_from_the_previous_answers(
        client, real_content, catering):
    _enterprise_client(client, catering)
    first_id = _start(client)
    _answer_everything(client, first_id, override={"licence_displayed": "no"})
    _submit(client, first_id)
    second_id = _start(client)
    assert second_id != first_id
    second = _self_check(second_id)
    assert second.previous_id == first_id
    assert second.answers["licence_displayed"] is False  # carried over for review
    _answer_everything(client, second_id, override={"licence_displayed": "yes"})
    _submit(client, second_id)
    history = client.get("/self-checks").get_data(as_text=True)
    for check in (_self_check(first_id), _self_check(second_id)):
        # Each line: reference, band name (read from the stored result), findings.
        line = history[history.index(f">{check.reference}<"):]
        line = line[:line.index("</tr>")]
        assert check.result["band"]["label"]["zh_Hans"] in line
        assert f'<td data-label="发现的问题">{len(check.findings)}</td>' in line
    assert len(_self_check(first_id).findings) != len(_self_check(second_id).findings)
    result = client.get(f"/self-checks/{second_id}/result").get_data(as_text=True)
    assert "进步" in result  # "Better"


def test_carried_over_sections_must_be_confirmed_before_submission(client, real_content,
                                                                  catering):
    _enterprise_client(client, catering)
    first_id = _start(client)
    _answer_everything(client, first_id)
    _submit(client, first_id)
    second_id = _start(client)
    questionnaire = typed_questionnaire(_self_check(second_id).questionnaire)
    first_section = questionnaire.sections[0]

    tasks = client.get(f"/self-checks/{second_id}").get_data(as_text=True)
    assert "待确认" in tasks and "tag--green" not in tasks  # nothing counts as complete
    check = client.get(f"/self-checks/{second_id}/check-answers").get_data(as_text=True)
    assert "确认从上次自查带入的答案" in check
    assert (f'href="/self-checks/{second_id}/sections/{first_section.id}'
            f'?return_to=check-answers"') in check
    assert f"/self-checks/{second_id}/declaration" not in check
    # The three-click resubmission is refused: nothing can be signed unseen.
    page = client.get(f"/self-checks/{second_id}/declaration")
    assert page.status_code == 200
    assert 'name="agree"' not in page.get_data(as_text=True)
    refused = client.submit(f"/self-checks/{second_id}/declaration",
                            {"agree": "y", "version": str(_self_check(second_id).version)},
                            token_from="/self-checks")
    assert refused.status_code == 400
    assert "确认从上次自查带入的答案" in refused.get_data(as_text=True)
    assert _self_check(second_id).status == SelfCheckStatus.DRAFT

    section_page = client.get(f"/self-checks/{second_id}/sections/{first_section.id}")
    assert "这些答案来自您上次的自查" in section_page.get_data(as_text=True)
    # Saving a section unchanged confirms it, and returns to check-your-answers.
    response = client.submit(f"/self-checks/{second_id}/sections/{first_section.id}"
                             "?return_to=check-answers",
                             _posted_as_is(questionnaire, first_section, second_id))
    assert response.status_code == 302
    tasks = client.get(f"/self-checks/{second_id}").get_data(as_text=True)
    assert tasks.count("tag--green") == 1
    section_page = client.get(f"/self-checks/{second_id}/sections/{first_section.id}")
    assert "这些答案来自您上次的自查" not in section_page.get_data(as_text=True)
    _answer_everything(client, second_id)
    assert _submit(client, second_id).status_code == 302
    assert _self_check(second_id).status == SelfCheckStatus.SUBMITTED


def _posted_as_is(questionnaire, section, self_check_id):
    """Return the section's stored answers as the page would post them back."""
    answers = _self_check(self_check_id).answers
    posted = {}
    for question in section.questions:
        value = answers.get(question.id)
        if value is None or isinstance(value, dict):
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, list):
            value = [str(v) for v in value]
        posted[f"q-{question.id}"] = value if isinstance(value, list) else str(value)
    return posted


def test_an_industry_without_a_questionnaire_is_told_so_before_starting(client, real_content,
                                                                        catering):
    enterprise = reload(catering.enterprise)
    enterprise.industry_code = "01"  # agriculture: no guide covers it
    db.session.commit()
    _enterprise_client(client, catering)
    page = client.get("/self-checks").get_data(as_text=True)
    assert "您所在行业暂时还没有自查问卷" in page
    assert 'action="/self-checks/new"' not in page
    assert "开始自查" not in page
    assert 'href="/guides"' in page and 'href="/exemptions"' in page


def test_an_industry_with_a_questionnaire_is_offered_to_start(client, real_content, catering):
    _enterprise_client(client, catering)
    page = client.get("/self-checks").get_data(as_text=True)
    assert 'action="/self-checks/new"' in page
    assert "您所在行业暂时还没有自查问卷" not in page


def test_a_self_check_stays_bound_to_its_questionnaire_version(app, client, real_content, catering,
                                                               tmp_path):
    _enterprise_client(client, catering)
    first_id = _start(client)
    _answer_everything(client, first_id)
    _submit(client, first_id)
    old_version = _self_check(first_id).questionnaire_version_id
    root = tmp_path / "content"
    shutil.copytree(CONTENT_ROOT, root)
    path = root / "industries" / "catering" / "questionnaire.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["sections"][1]["questions"][0]["text"]["zh_Hans"] = "新版问题：是否已取得食品经营许可证？"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["guides", "sync", "--root", str(root)]
                                        ).exit_code == 0
    assert _self_check(first_id).questionnaire_version_id == old_version
    old_page = client.get(f"/self-checks/{first_id}/result").get_data(as_text=True)
    assert "新版问题" not in old_page
    second_id = _start(client)
    assert _self_check(second_id).questionnaire_version_id != old_version
    page = client.get(f"/self-checks/{second_id}/sections/licences").get_data(as_text=True)
    assert "新版问题" in page


def test_officers_see_their_departments_self_checks_read_only(app, client, real_content, catering):
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    _answer_everything(client, self_check_id)
    _submit(client, self_check_id)
    reference = _self_check(self_check_id).reference
    from portal.accounts.models import Department

    market = db.session.scalar(select(Department).where(
        Department.code == "market_regulation"))
    environment = db.session.scalar(select(Department).where(
        Department.code == "transport"))
    officer = UserFactory(officer=True, department=market)
    outsider = UserFactory(officer=True, department=environment)
    db.session.commit()
    viewer = app.test_client()
    viewer.__class__ = type(client)
    viewer.sign_in(officer.email)
    listing = viewer.get("/officer/self-checks").get_data(as_text=True)
    assert reference in listing
    assert viewer.get(f"/officer/self-checks/{self_check_id}").status_code == 200
    assert viewer.get(f"/self-checks/{self_check_id}/sections/licences").status_code == 403
    band = _self_check(self_check_id).band
    other_band = "high" if band != "high" else "low"
    same = viewer.get("/officer/self-checks", query_string={"band": band})
    assert reference in same.get_data(as_text=True)
    filtered = viewer.get("/officer/self-checks", query_string={"band": other_band})
    assert filtered.status_code == 200
    assert reference not in filtered.get_data(as_text=True)
    town = viewer.get("/officer/self-checks", query_string={"town": "lanhe"})
    assert reference not in town.get_data(as_text=True)
    bad = viewer.get("/officer/self-checks", query_string={"town": "kowloon",
                                                          "from": "yesterday"})
    assert bad.status_code == 400
    other = app.test_client()
    other.__class__ = type(client)
    other.sign_in(outsider.email)
    assert reference not in other.get("/officer/self-checks").get_data(as_text=True)
    assert other.get(f"/officer/self-checks/{self_check_id}").status_code == 404


def test_officers_never_see_drafts(app, client, real_content, catering):
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    from portal.accounts.models import Department

    market = db.session.scalar(select(Department).where(
        Department.code == "market_regulation"))
    officer = UserFactory(officer=True, department=market)
    db.session.commit()
    viewer = app.test_client()
    viewer.__class__ = type(client)
    viewer.sign_in(officer.email)
    assert viewer.get(f"/officer/self-checks/{self_check_id}").status_code == 404


PDF = samples.pdf_bytes()


def _people_section(client, self_check_id, **data):
    path = f"/self-checks/{self_check_id}/sections/people"
    return client.submit(path, data, content_type="multipart/form-data")


def test_an_upload_is_checked_by_content_and_served_as_an_attachment(app, client, real_content,
                                                                      catering):
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    response = _people_section(client, self_check_id,
                               **{"q-training_record": (io.BytesIO(PDF), "培训记录.pdf")})
    assert response.status_code in (200, 302)
    answer = _self_check(self_check_id).answers["training_record"]
    assert answer["content_type"] == "application/pdf" and answer["name"] == "培训记录.pdf"
    download = client.get(f"/self-checks/{self_check_id}/files/training_record",
                          buffered=True)
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    stranger = app.test_client()
    stranger.__class__ = type(client)
    stranger.sign_in(catering.other_admin.email)
    assert stranger.get(f"/self-checks/{self_check_id}/files/training_record"
                        ).status_code == 404


def test_a_disguised_file_is_refused_and_nothing_is_saved(english_client, real_content, catering):
    _enterprise_client(english_client, catering)
    self_check_id = _start(english_client)
    html = (io.BytesIO(b"<html><script>alert(1)</script></html>"), "record.pdf")
    response = _people_section(english_client, self_check_id, **{"q-training_record": html})
    assert response.status_code == 400
    assert ("The file&#39;s name does not match what it contains (for example a photo named "
            ".pdf). Check that you chose the right file; it must be one of these kinds: PDF, "
            "JPG, PNG") in response.get_data(as_text=True)
    assert "training_record" not in _self_check(self_check_id).answers


def test_a_pdf_with_javascript_is_refused_with_a_clear_message(english_client, real_content,
                                                              catering):
    _enterprise_client(english_client, catering)
    self_check_id = _start(english_client)
    active = (io.BytesIO(samples.pdf_with_javascript()), "record.pdf")
    response = _people_section(english_client, self_check_id, **{"q-training_record": active})
    assert response.status_code == 400
    assert "contains scripts or other files" in response.get_data(as_text=True)
    assert "training_record" not in _self_check(self_check_id).answers


def test_a_refused_section_stores_none_of_its_files(app, english_client, real_content, catering):
    _enterprise_client(english_client, catering)
    self_check_id = _start(english_client)
    evidence = samples.pdf_bytes(uuid.uuid4().hex)  # content no other test stored
    digest = hashlib.sha256(evidence).hexdigest()
    storage = app.extensions["storage"]
    refused = _people_section(english_client, self_check_id, **{
        "q-staff_count": "many", "q-training_record": (io.BytesIO(evidence), "培训记录.pdf")})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "the files you chose were not kept. Choose them again." in page
    assert "Uploaded:" not in page
    assert "training_record" not in _self_check(self_check_id).answers
    assert not storage.exists(digest)
    assert db.session.scalar(select(func.count(StoredFile.id)).where(
        StoredFile.sha256 == digest)) == 0
    saved = _people_section(english_client, self_check_id, **{
        "q-staff_count": "12", "q-training_record": (io.BytesIO(evidence), "培训记录.pdf")})
    assert saved.status_code in (200, 302)
    assert _self_check(self_check_id).answers["training_record"]["sha256"] == digest
    assert storage.exists(digest)
    row = db.session.scalars(select(StoredFile).where(StoredFile.sha256 == digest)).one()
    assert (row.original_name, row.size, row.content_type, row.uploaded_by_id) == (
        "培训记录.pdf", len(evidence), "application/pdf", catering.enterprise_admin.id)


def test_text_posted_for_a_file_question_is_refused(english_client, real_content, catering):
    _enterprise_client(english_client, catering)
    self_check_id = _start(english_client)
    response = _people_section(english_client, self_check_id,
                               **{"q-training_record": "/etc/passwd"})
    assert response.status_code == 400
    assert "training_record" not in _self_check(self_check_id).answers


def test_the_pdf_uses_its_stylesheet_and_fetches_nothing_else(client, real_content, catering,
                                                              monkeypatch):
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("the PDF tried to fetch over the network")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    _enterprise_client(client, catering)
    self_check_id = _start(client)
    _answer_everything(client, self_check_id)
    _submit(client, self_check_id)
    response = client.get(f"/self-checks/{self_check_id}/result.pdf")
    reader = PdfReader(io.BytesIO(response.data))
    fonts = {str(font["/BaseFont"]) for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    assert any("Noto-Sans-CJK" in font for font in fonts), fonts  # pdf.css chose the font
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4 from @page


@pytest.mark.uncached  # the list must be drawn for its statements to be counted
def test_the_officers_list_does_not_query_once_per_row(app, client, world):
    from sqlalchemy import event

    from tests.factories import EnterpriseFactory, make_self_check

    questionnaire = world.submitted.questionnaire
    for _ in range(15):
        make_self_check(EnterpriseFactory(), reload(world.enterprise_admin), questionnaire,
                        submitted=True)
    db.session.commit()
    client.sign_in(world.officer.email)
    statements = []
    engine_ = db.session.get_bind().engine

    def count(*_args):
        statements.append(1)

    event.listen(engine_, "before_cursor_execute", count)
    try:
        page = client.get("/officer/self-checks")
    finally:
        event.remove(engine_, "before_cursor_execute", count)
    assert page.status_code == 200
    assert page.get_data(as_text=True).count("/officer/self-checks/") >= 16
    assert len(statements) < 15  # not one query per row


def test_the_history_shows_twenty_self_checks_a_page(client, world):
    from tests.factories import make_questionnaire, make_self_check
    questionnaire = make_questionnaire("history")
    for _ in range(24):
        make_self_check(world.enterprise, world.enterprise_admin, questionnaire, submitted=True)
    db.session.commit()
    total = db.session.scalar(select(func.count()).select_from(SelfCheck).where(
        SelfCheck.enterprise_id == world.enterprise.id))
    client.sign_in(world.enterprise_admin.email)
    first = client.get("/self-checks").get_data(as_text=True)
    assert first.count("<tr>") - 1 == 20  # the header row and twenty self-checks
    older = re.search(r'href="(/self-checks\?before=\d+)"', first)
    assert older is not None
    rest = client.get(older[1]).get_data(as_text=True)
    assert rest.count("<tr>") - 1 == total - 20
    assert "更早的自查" not in rest and "最新的自查" in rest
    assert client.get("/self-checks?before=abc").status_code == 400


def test_the_history_offers_to_continue_a_draft_on_every_page(client, real_content, catering):
    _enterprise_client(client, catering)
    assert "开始自查" in client.get("/self-checks").get_data(as_text=True)
    draft_id = _start(client)
    first = client.get("/self-checks").get_data(as_text=True)
    assert "继续自查" in first and "开始自查" not in first
    # A page past the end has no line to tell it: it still knows of the draft.
    past = client.get(f"/self-checks?before={draft_id}").get_data(as_text=True)
    assert "继续自查" in past and "开始自查" not in past
