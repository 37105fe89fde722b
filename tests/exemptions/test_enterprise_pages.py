"""The enterprise's exemption pages: applying from an entry, bad input refused with reasons,
answering a supplement and a proposed refusal, objecting, and who may see what."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.cases.models import CaseStatus
from portal.core.db import utcnow
from portal.exemptions import services
from portal.exemptions.models import (
    ApplicationFile,
    ApplicationStatus,
    ExemptionApplication,
    FilePurpose,
    Objection,
)
from portal.extensions import db
from portal.notifications.models import Notification
from tests.cases.helpers import order
from tests.conftest import reload
from tests.exemptions.helpers import (
    MINOR,
    apply,
    entries,
    grant,
    verify_all,
)
from tests.factories import make_entry
from tests.samples import pdf_bytes, png_bytes


def local_today() -> dt.date:
    """Return today in Nansha (the portal's default time zone)."""
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')
HOSTILE = Path(__file__).resolve().parent.parent / "data" / "hostile"
HOSTILE_FILES = sorted(path.name for path in HOSTILE.iterdir()
                       if path.name not in {"README.md", "make_corpus.py"})


def _version(page: str) -> str:
    match = VERSION.search(page)
    assert match, "no version field"
    return match.group(1)


def _applications() -> int:
    return db.session.scalar(select(func.count()).select_from(ExemptionApplication)) or 0


def _stored_files() -> int:
    return db.session.scalar(select(func.count()).select_from(ApplicationFile)) or 0


@pytest.fixture
def listed(world, app):  # type: ignore[no-untyped-def]
    """The test entries, under the world's department."""
    entries(world)
    return world


@pytest.fixture
def storage(app):  # type: ignore[no-untyped-def]
    return app.extensions["storage"]


@pytest.fixture
def applied(listed, app, storage):  # type: ignore[no-untyped-def]
    """An application of the world's enterprise under the minor-violation entry."""
    with app.test_request_context():
        return apply(listed, storage, actor=reload(listed.enterprise_admin))


def _form(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "facts": "门店价签缺失，已当场补齐",
        "violation_on": (local_today() - dt.timedelta(days=3)).isoformat(),
        "violation_ended_on": "", "harm": "none", "harm_statement": "未造成消费者损失",
        "first_violation": "yes", "exempted_before": "no", "corrected": "on_the_spot",
        "corrected_on": "", "commitment": "y",
        "files": [(io.BytesIO(png_bytes()), "价签.png")]}
    values.update(overrides)
    return values


def _apply(client, entry: str = MINOR, query: str = "", **overrides: object):  # type: ignore[no-untyped-def]
    return client.submit(f"/exemptions/apply/{entry}{query}", _form(**overrides),
                         content_type="multipart/form-data")


def _sign_out(client) -> None:  # type: ignore[no-untyped-def]
    client.post("/sign-out", data={"csrf_token": client.csrf_token()})


def test_the_enterprise_applies_from_the_entry_page(client, listed):
    client.sign_in(listed.enterprise_admin.email)
    entry_page = client.get(f"/exemptions/{MINOR}").get_data(as_text=True)
    assert f'href="/exemptions/apply/{MINOR}"' in entry_page and "申请免罚" in entry_page
    form = client.get(f"/exemptions/apply/{MINOR}").get_data(as_text=True)
    assert "未明码标价" in form and "本单位承诺" in form
    response = _apply(client, files=[(io.BytesIO(png_bytes()), "价签.png"),
                                     (io.BytesIO(pdf_bytes()), "说明.pdf")])
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    application = db.session.scalar(select(ExemptionApplication))
    assert response.headers["Location"] == f"/exemptions/applications/{application.id}"
    assert application.enterprise_id == listed.enterprise.id
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.first_violation_declared and not application.exempted_before_declared
    assert application.commitment_text.startswith("本单位承诺")
    assert [row.name for row in application.files] == ["价签.png", "说明.pdf"]
    # The department's officers hear of it.
    told = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "exemption.submitted")))
    assert listed.officer.id in told and listed.enterprise_admin.id not in told
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert application.reference in page and "部门核查中" in page
    # The conditions, in the pre-check's words, and the files to download.
    assert "当场改正" in page and "checklist__item--met" in page
    assert f"/exemptions/applications/{application.id}/files/{application.files[0].id}" in page
    assert "提交申请" in page  # the timeline's first step
    listing = client.get("/exemptions/applications").get_data(as_text=True)
    assert application.reference in listing and "部门" in listing
    home = client.get("/").get_data(as_text=True)
    assert 'href="/exemptions/applications"' in home


def test_a_file_downloads_as_an_attachment(client, listed):
    client.sign_in(listed.enterprise_member.email)
    assert _apply(client).status_code == 302
    application = db.session.scalar(select(ExemptionApplication))
    row = application.files[0]
    download = client.get(f"/exemptions/applications/{application.id}/files/{row.id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.data == png_bytes()
    download.close()
    assert client.get(f"/exemptions/applications/{application.id + 1}/files/{row.id}"
                      ).status_code == 404


@pytest.mark.parametrize(("overrides", "message"), [
    ({"violation_on": (local_today() + dt.timedelta(days=2)).isoformat()},
     "违法行为发生日期不能晚于今天"),
    ({"commitment": ""}, "提交申请前请签署承诺"),
    ({"facts": ""}, "请描述违法行为经过"),
    ({"harm": "catastrophic"}, "请从所列选项中选择"),
    ({"violation_on": "2026-02-30"}, "请输入有效日期"),
])
def test_bad_input_is_refused_with_its_message_and_stores_nothing(client, listed, overrides,
                                                                  message):
    client.sign_in(listed.enterprise_admin.email)
    response = _apply(client, **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _applications() == 0 and _stored_files() == 0


def test_an_expired_entry_is_refused(client, listed, app):
    make_entry("expired-01", department=listed.department.code,
               effective_until=local_today() - dt.timedelta(days=10))
    db.session.commit()
    client.sign_in(listed.enterprise_admin.email)
    response = _apply(client, "expired-01")
    assert response.status_code == 400
    assert "违法行为发生之日该清单事项不在有效期内" in response.get_data(as_text=True)
    assert _applications() == 0 and _stored_files() == 0


def test_an_entry_of_another_industry_is_refused(client, listed):
    make_entry("elsewhere-01", industry="shipping", department=listed.department.code)
    db.session.commit()
    client.sign_in(listed.enterprise_admin.email)
    response = _apply(client, "elsewhere-01")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "该清单事项不适用于贵单位所属行业" in body and 'href="#entry"' in body
    assert _applications() == 0


def test_a_second_application_for_the_same_violation_links_to_the_first(client, listed,
                                                                         applied):
    client.sign_in(listed.enterprise_member.email)
    response = _apply(client, violation_on=applied.violation_on.isoformat())
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "您已就该违法行为按此清单事项提出过申请" in body
    assert f'href="/exemptions/applications/{applied.id}"' in body
    assert _applications() == 1 and _stored_files() == 0


def test_an_unknown_entry_is_not_found(client, listed):
    client.sign_in(listed.enterprise_admin.email)
    assert client.get("/exemptions/apply/no-such-entry").status_code == 404


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_every_hostile_file_refuses_the_application(client, listed, name):
    client.sign_in(listed.enterprise_admin.email)
    response = _apply(client, files=[(io.BytesIO(png_bytes()), "good.png"),
                                     (io.BytesIO((HOSTILE / name).read_bytes()), name)])
    assert response.status_code == 400
    assert name in response.get_data(as_text=True)
    assert _applications() == 0 and _stored_files() == 0


def test_a_no_fault_entry_asks_for_the_reasons(client, listed):
    make_entry("nofault-01", department=listed.department.code, ground="art33_2_no_fault")
    db.session.commit()
    client.sign_in(listed.enterprise_admin.email)
    assert "没有主观过错的证据" in client.get("/exemptions/apply/nofault-01").get_data(
        as_text=True)
    refused = _apply(client, "nofault-01", no_fault_claim="")
    assert refused.status_code == 400 and _applications() == 0
    response = _apply(client, "nofault-01", no_fault_claim="供货商提供了虚假合格证明",
                      no_fault_files=[(io.BytesIO(pdf_bytes()), "合格证明.pdf")])
    assert response.status_code == 302
    application = db.session.scalar(select(ExemptionApplication))
    assert application.no_fault_claim == "供货商提供了虚假合格证明"
    assert {row.purpose for row in application.files} == {FilePurpose.NO_FAULT}
    assert len(application.files) == 2


@pytest.mark.parametrize(("who", "status"), [
    ("other_admin", 404), ("officer", 403), ("legal_reviewer", 403), ("admin", 403),
    ("enterprise_member", 200), ("enterprise_agent", 200)])
def test_who_sees_the_enterprise_page(client, listed, applied, who, status):
    client.sign_in(listed.user(who).email)
    assert client.get(f"/exemptions/applications/{applied.id}").status_code == status
    listing = client.get("/exemptions/applications")
    if status == 200:
        assert applied.reference in listing.get_data(as_text=True)
    else:
        assert listing.status_code == 403 or applied.reference not in listing.get_data(
            as_text=True)


def test_the_enterprise_withdraws_and_a_stale_form_is_told(client, listed, applied, app):
    client.sign_in(listed.enterprise_admin.email)
    page = client.get(f"/exemptions/applications/{applied.id}").get_data(as_text=True)
    seen = _version(page)
    assert "撤回申请" in page
    # The officer asks for more meanwhile.
    with app.test_request_context():
        services.request_supplement(
            db.session, reload(applied), actor=reload(listed.officer), reasons="请补充价签照片",
            working_days=5, expected_version=int(seen), today=local_today(), now=utcnow())
        db.session.commit()
    response = client.submit(f"/exemptions/applications/{applied.id}/withdraw",
                             {"version": seen}, token_from=f"/exemptions/applications/"
                                                           f"{applied.id}",
                             follow_redirects=True)
    assert "在您查看期间，其他人已修改此记录" in response.get_data(as_text=True)
    assert reload(applied).status == ApplicationStatus.SUPPLEMENT_REQUESTED
    page = client.get(f"/exemptions/applications/{applied.id}").get_data(as_text=True)
    response = client.submit(f"/exemptions/applications/{applied.id}/withdraw",
                             {"version": _version(page)},
                             token_from=f"/exemptions/applications/{applied.id}")
    assert response.status_code == 302
    assert reload(applied).status == ApplicationStatus.WITHDRAWN
    assert listed.officer.id in set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "exemption.withdrawn")))


def test_the_enterprise_answers_a_supplement_request(client, listed, applied, app):
    with app.test_request_context():
        services.request_supplement(
            db.session, reload(applied), actor=reload(listed.officer), reasons="请补充价签照片",
            working_days=5, expected_version=applied.version, today=local_today(),
            now=utcnow())
        db.session.commit()
    client.sign_in(listed.enterprise_member.email)
    path = f"/exemptions/applications/{applied.id}"
    page = client.get(path).get_data(as_text=True)
    assert "请补充价签照片" in page and "补正期限" in page
    empty = client.submit(f"{path}/supplement", {"answer": "", "version": _version(page)},
                          token_from=path, content_type="multipart/form-data")
    assert empty.status_code == 400 and "请填写部门要求补正的内容" in empty.get_data(as_text=True)
    response = client.submit(f"{path}/supplement", {
        "answer": "已补充照片", "version": _version(page),
        "supplement_files": [(io.BytesIO(png_bytes(colour="red")), "近照.png")]},
        token_from=path, content_type="multipart/form-data")
    assert response.status_code == 302
    application = reload(applied)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.supplement_answer == "已补充照片"
    assert [row.purpose for row in application.files] == [FilePurpose.SUPPLEMENT]
    assert listed.officer.id in set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "exemption.resubmitted")))


def _propose_refusal(world, application, app):  # type: ignore[no-untyped-def]
    with app.test_request_context():
        services.propose_refusal(
            db.session, reload(application), actor=reload(world.officer), facts="价签缺失持续一月",
            reasons="未当场改正", basis="《明码标价和禁止价格欺诈规定》第二十条",
            expected_version=application.version, today=local_today(), now=utcnow(),
            defence_working_days=5)
        db.session.commit()


def test_the_enterprise_defends_itself_within_its_period(client, listed, applied, app):
    _propose_refusal(listed, applied, app)
    client.sign_in(listed.enterprise_admin.email)
    path = f"/exemptions/applications/{applied.id}"
    page = client.get(path).get_data(as_text=True)
    assert "价签缺失持续一月" in page and "未当场改正" in page and "第二十条" in page
    assert 'id="defence-due"' in page and "提交陈述申辩" in page
    response = client.submit(f"{path}/defence", {
        "text": "当日已补齐价签，有照片为证", "version": _version(page),
        "defence_files": [(io.BytesIO(png_bytes()), "证据.png")]},
        token_from=path, content_type="multipart/form-data")
    assert response.status_code == 302
    application = reload(applied)
    assert application.status == ApplicationStatus.DEFENCE_SUBMITTED
    assert application.defence_text == "当日已补齐价签，有照片为证"
    assert application.action_due is not None and application.action_due > local_today()
    assert listed.officer.id in set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "exemption.defence_submitted")))
    page = client.get(path).get_data(as_text=True)
    assert "当日已补齐价签" in page and "陈述申辩已提交" in page  # the timeline step
    assert f'action="/exemptions/applications/{applied.id}/defence"' not in page


def test_a_defence_after_the_period_is_refused(client, listed, applied, app):
    _propose_refusal(listed, applied, app)
    client.sign_in(listed.enterprise_admin.email)
    path = f"/exemptions/applications/{applied.id}"
    reload(applied).defence_due = local_today() - dt.timedelta(days=1)
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "提交陈述申辩" not in page  # the form is no longer offered
    response = client.submit(f"{path}/defence", {"text": "迟到的申辩",
                                                 "version": reload(applied).version},
                             token_from=path, content_type="multipart/form-data",
                             follow_redirects=True)
    assert "陈述申辩期限已届满" in response.get_data(as_text=True)
    assert reload(applied).status == ApplicationStatus.REFUSAL_PROPOSED


def test_the_enterprise_objects_after_a_final_refusal(client, listed, applied, app):
    _propose_refusal(listed, applied, app)
    application = reload(applied)
    application.defence_due = local_today() - dt.timedelta(days=1)
    db.session.commit()
    with app.test_request_context():
        services.finalise_refusal(db.session, application, actor=reload(listed.officer),
                                  expected_version=application.version, today=local_today(),
                                  now=utcnow(), disclosure_delay_working_days=7)
        db.session.commit()
    client.sign_in(listed.enterprise_admin.email)
    path = f"/exemptions/applications/{applied.id}"
    page = client.get(path).get_data(as_text=True)
    assert "不予免罚" in page and "提交异议" in page
    response = client.submit(f"{path}/objection", {"objection": "不服，价签当日已补齐",
                                                    "version": _version(page)},
                             token_from=path)
    assert response.status_code == 302
    assert [item.text for item in reload(applied).objections] == ["不服，价签当日已补齐"]
    page = client.get(path).get_data(as_text=True)
    assert "等待部门答复" in page and "提交异议" not in page.split("异议")[0]
    # A second objection while the first waits is refused.
    again = client.submit(f"{path}/objection", {"objection": "再次异议",
                                                 "version": reload(applied).version},
                          token_from=path, follow_redirects=True)
    assert "您此前提出的异议尚未得到答复" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Objection)) == 1


def test_an_objection_before_a_refusal_is_refused(client, listed, applied):
    client.sign_in(listed.enterprise_admin.email)
    path = f"/exemptions/applications/{applied.id}"
    page = client.get(path).get_data(as_text=True)
    assert "提交异议" not in page
    response = client.submit(f"{path}/objection", {"objection": "异议",
                                                    "version": _version(page)},
                             token_from=path, follow_redirects=True)
    assert "此处只能对不予免罚的决定提出异议" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Objection)) == 0


def test_the_timeline_shows_no_internal_note(client, listed, applied, app):
    with app.test_request_context():
        verify_all(listed, reload(applied), officer=reload(listed.officer),
                   internal_note="内部备注：企业负责人态度一般")
    client.sign_in(listed.enterprise_admin.email)
    page = client.get(f"/exemptions/applications/{applied.id}").get_data(as_text=True)
    assert "内部备注" not in page and "已核实" not in page
    assert "exemption.verified" not in page
    assert "提交申请" in page


def test_a_rectified_case_offers_its_entries(client, listed, app, storage):
    with app.test_request_context():
        case = order(listed)
    reload(case).status = CaseStatus.RECTIFIED
    db.session.commit()
    client.sign_in(listed.enterprise_admin.email)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/exemptions/apply?case={case.id}"' in page
    choose = client.get(f"/exemptions/apply?case={case.id}").get_data(as_text=True)
    assert f'href="/exemptions/apply/{MINOR}?case={case.id}"' in choose
    response = _apply(client, query=f"?case={case.id}")
    assert response.status_code == 302
    assert db.session.scalar(select(ExemptionApplication)).case_id == case.id
    # Another enterprise's case cannot be linked.
    assert client.get(f"/exemptions/apply/{MINOR}?case={listed.other_case.id}"
                      ).status_code == 404
    assert client.get(f"/exemptions/apply/{MINOR}?case=1e3").status_code == 404


def test_the_pre_check_result_links_to_the_application(client, listed):
    client.sign_in(listed.enterprise_admin.email)
    page = client.get(f"/check/{MINOR}?first_time=yes&exempted_before=no&harm=none"
                      "&corrected=on_the_spot").get_data(as_text=True)
    assert f'href="/exemptions/apply/{MINOR}"' in page
    _sign_out(client)
    page = client.get(f"/check/{MINOR}?first_time=yes&exempted_before=no&harm=none"
                      "&corrected=on_the_spot").get_data(as_text=True)
    assert "/exemptions/apply/" not in page


def test_an_application_from_a_self_check_finding(client, listed):
    finding = listed.submitted.findings[0]
    client.sign_in(listed.enterprise_member.email)
    form = client.get(f"/exemptions/apply/{MINOR}?finding={finding.id}")
    assert form.status_code == 200
    assert f"/self-checks/{listed.submitted.id}/result" in form.get_data(as_text=True)
    response = _apply(client, query=f"?finding={finding.id}")
    assert response.status_code == 302
    assert db.session.scalar(select(ExemptionApplication)).finding_id == finding.id
    other = listed.other_submitted.findings[0]
    assert client.get(f"/exemptions/apply/{MINOR}?finding={other.id}").status_code == 404
    assert client.get(f"/exemptions/apply?finding={other.id}").status_code == 404


def test_a_granted_application_shows_its_numbered_decision(client, listed, applied, app):
    with app.test_request_context():
        verify_all(listed, reload(applied), officer=reload(listed.officer))
        grant(listed, reload(applied), officer=reload(listed.officer))
    decision = reload(applied).decision
    assert decision is not None and decision.document_number
    client.sign_in(listed.enterprise_admin.email)
    page = client.get(f"/exemptions/applications/{applied.id}").get_data(as_text=True)
    assert decision.document_number in page and "不予行政处罚" in page
    assert "予以免罚" in page and "撤回申请" not in page
    links = f"/decisions/document/{decision.id}"
    assert (links in page) == ("disclosure.document" in app.view_functions)


def test_the_list_is_paged(client, listed, app, storage, monkeypatch):
    from portal.exemptions import routes

    monkeypatch.setattr(routes, "PAGE_SIZE", 1)
    with app.test_request_context():
        first = apply(listed, storage, actor=reload(listed.enterprise_admin))
        second = apply(listed, storage, actor=reload(listed.enterprise_admin),
                       violation_on=local_today() - dt.timedelta(days=5))
    client.sign_in(listed.enterprise_admin.email)
    page = client.get("/exemptions/applications").get_data(as_text=True)
    assert second.reference in page and first.reference not in page
    assert f"/exemptions/applications?before={second.id}" in page
    older = client.get(f"/exemptions/applications?before={second.id}").get_data(as_text=True)
    assert first.reference in older and second.reference not in older
    assert client.get("/exemptions/applications?before=abc").status_code == 404


def test_a_legal_reviewers_comments_stay_with_the_department(client, listed, app, storage):
    from portal.core.clock import local_today
    from portal.core.db import utcnow
    from portal.exemptions import services
    from tests.exemptions.helpers import FIRST, grant

    with app.test_request_context():
        application = apply(listed, storage, entry=FIRST,
                            actor=reload(listed.enterprise_admin))
        verify_all(listed, application, officer=reload(listed.officer))
        grant(listed, application, officer=reload(listed.officer))
        services.review_proposal(db.session, application,
                                 reviewer=reload(listed.legal_reviewer), approve=False,
                                 comments="审核意见：裁量理由不充分",
                                 expected_version=application.version,
                                 today=local_today(), now=utcnow(),
                                 disclosure_delay_working_days=7)
        db.session.commit()
    client.sign_in(listed.enterprise_admin.email)
    page = client.get(f"/exemptions/applications/{application.id}").get_data(as_text=True)
    assert "裁量理由不充分" not in page
    reviewer = app.test_client()
    reviewer.sign_in(listed.legal_reviewer.email)
    staff = reviewer.get(f"/officer/exemptions/{application.id}").get_data(as_text=True)
    assert "裁量理由不充分" in staff
