"""Exemption applications (issue 11) in a real browser, both sides and the public pages.

Four journeys on the demo portal: a first-violation grant through legal review (the
enterprise applies from the entry page, the market officer verifies and proposes, the
legal reviewer approves, the enterprise reads its numbered decision, anyone verifies it);
a refusal after the enterprise's defence, with an objection answered; a supplement loop
(补正) that gives the officer back the review clock; and a published grant withdrawn from
disclosure. Each journey checks its main pages with axe, one page on a 360 px phone, and
keeps screenshots (``80…`` to ``83…``, one prefix a journey), with one page each in English
and Traditional Chinese.

Only what is not the point of a journey is set up through the services: the published
grant of the withdrawal journey, issued on a day whose publication day has come.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, SERVER_LOG, sign_in, sign_out

ENTERPRISE = "catering-admin@demo.nansha.invalid"
OFFICER = "officer-market@demo.nansha.invalid"
REVIEWER = "legal-reviewer@demo.nansha.invalid"
NUMBER = re.compile(r"穗南市监不罚〔\d{4}〕\d+号|穗南市监[^\s〔]*〔\d{4}〕\d+号")


def _today() -> dt.date:
    from portal.core.clock import local_date
    from portal.core.db import utcnow

    return local_date(utcnow(), "Asia/Shanghai")


def _submit(page, form: str) -> None:
    """Press the submit button of the form matched by ``form`` and wait for the next page."""
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").first.click()
    page.wait_for_load_state("load")


def _no_errors(page) -> None:
    assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()[:1500]
    assert page.locator(".notice--error, .flash--error").count() == 0, \
        page.locator("main").inner_text()[:1500]


def _photo(tmp_path, name: str, colour: str) -> str:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, format="PNG")
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return str(path)


def _fits_360(browser, live_server, storage_state, path: str, name: str) -> int:
    """Return the page's scroll width on a 360 px phone (and keep its screenshot)."""
    context = browser.new_context(base_url=live_server, locale="zh-CN",
                                  viewport={"width": 360, "height": 740},
                                  storage_state=storage_state)
    phone = context.new_page()
    phone.goto(path, wait_until="load")
    width = phone.evaluate("document.documentElement.scrollWidth")
    phone.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    return int(width)


def _in_languages(page, axe, path: str, names: tuple[str, str]) -> None:
    """Check ``path`` in English and Traditional Chinese, then give back Simplified Chinese."""
    page.goto(path)
    for locale, name in zip(("en", "zh_Hant"), names, strict=True):
        with page.expect_navigation():
            page.locator(f'.language-switcher__option[value="{locale}"]').click()
        assert page.url.endswith(path)
        axe.check(page, name)
    expect(page.locator("html")).to_have_attribute("lang", re.compile("zh-Hant"))
    # The choice is kept for the user: give the demo account back its default language.
    with page.expect_navigation():
        page.locator('.language-switcher__option[value="zh_Hans_CN"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans-CN")


def _apply(page, entry_key: str, *, facts: str, violation_on: dt.date,
           photo: str | None = None) -> str:
    """Apply for exemption from the entry's page; return the application's path."""
    page.goto(f"/exemptions/{entry_key}")
    with page.expect_navigation():
        page.locator("#apply-for-exemption").click()
    page.locator('textarea[name="facts"]').fill(facts)
    page.locator('input[name="violation_on"]').fill(violation_on.isoformat())
    page.locator('input[name="harm"][value="none"]').check()
    page.locator('textarea[name="harm_statement"]').fill("未造成消费者损失")
    page.locator('input[name="first_violation"][value="yes"]').check()
    page.locator('input[name="exempted_before"][value="no"]').check()
    page.locator('input[name="corrected"][value="on_the_spot"]').check()
    page.locator('input[name="corrected_on"]').fill(violation_on.isoformat())
    if photo:
        page.locator('input[name="files"]').set_input_files(photo)
    page.locator('input[name="commitment"]').check()
    return page.url


def _verify(page, *, discretion: str | None = None) -> None:
    """Confirm every condition, record the education (and the reasoned choice)."""
    for answer in page.locator('#verify-form input[name^="condition_"][value="yes"]').all():
        answer.check()
    for note in page.locator('#verify-form textarea[name^="note_"]').all():
        note.fill("现场核实，符合")
    if discretion is not None:
        page.locator('textarea[name="discretion_reason"]').fill(discretion)
    page.locator('select[name="education_form"]').select_option("talk")
    page.locator('input[name="education_on"]').fill(_today().isoformat())
    page.locator('textarea[name="education_content"]').fill("约谈负责人，讲解网店经营者信息公示规定")


# -- 1. A first-violation grant through legal review ----------------------------------------


def test_first_violation_grant_through_legal_review(page, axe, browser, live_server, tmp_path):
    page.set_viewport_size({"width": 1100, "height": 900})
    sign_in(page, ENTERPRISE)
    page.goto("/exemptions/ecom-02")
    axe.check(page, "80a-exemption-entry")
    _apply(page, "ecom-02", facts="网店首页经营者信息公示链接失效，发现后当日修复（浏览器测试）",
           violation_on=_today() - dt.timedelta(days=11),
           photo=_photo(tmp_path, "修复后的网店首页.png", "#1d4f91"))
    axe.check(page, "80b-exemption-apply-form")
    _submit(page, "main form[enctype]")
    _no_errors(page)
    assert re.search(r"/exemptions/applications/\d+$", page.url), page.url
    application_path = page.url.removeprefix(live_server)
    application_id = application_path.rsplit("/", 1)[1]
    reference = re.search(r"MF\d{11}", page.locator("h1").inner_text()).group(0)
    expect(page.locator("#application-status")).to_be_visible()
    expect(page.locator(".evidence__file")).to_have_count(1)
    axe.check(page, "80c-exemption-applied")
    width = _fits_360(browser, live_server, page.context.storage_state(), application_path,
                      "80d-exemption-application-360px")
    assert width <= 360, f"the application page scrolls sideways on a phone ({width} px)"

    sign_in(page, OFFICER)
    page.goto("/officer/exemptions")
    expect(page.locator("main")).to_contain_text(reference)
    axe.check(page, "80e-officer-exemption-queue")
    review_path = f"/officer/exemptions/{application_id}"
    page.goto(review_path)
    expect(page.locator("#legal-review-need")).to_contain_text("法制审核")
    _verify(page, discretion="首次违法且当日改正，危害后果轻微，依法裁量不予处罚")
    axe.check(page, "80f-officer-verification")
    _submit(page, "#verify-form")
    _no_errors(page)
    assert page.locator("#grant-not-yet").count() == 0, page.locator("#grant-not-yet").inner_text()
    _submit(page, "#action-grant form")
    _no_errors(page)
    expect(page.locator("#legal-review")).to_be_visible()
    axe.check(page, "80g-officer-proposed-grant")

    sign_in(page, REVIEWER)
    page.goto(review_path)
    page.locator('#legal-review input[name="result"][value="approve"]').check()
    page.locator('#legal-review textarea[name="comments"]').fill("事实清楚，适用清单事项正确，同意")
    axe.check(page, "80h-legal-review")
    _submit(page, "#legal-review form")
    _no_errors(page)
    number = page.locator("#decision").inner_text()
    code = page.locator("#decision code").first.inner_text().strip()
    document_number = NUMBER.search(number)
    assert document_number, number
    axe.check(page, "80i-legal-review-approved")

    sign_in(page, ENTERPRISE)
    page.goto(application_path)
    expect(page.locator("#decision")).to_contain_text(document_number.group(0))
    axe.check(page, "80j-enterprise-sees-decision")
    with page.expect_navigation():
        page.locator("#decision a").first.click()
    expect(page.locator(".decision-document__number")).to_contain_text(document_number.group(0))
    expect(page.locator("main")).to_contain_text("首次违法且当日改正")
    axe.check(page, "80k-decision-document")
    pdf = page.request.get(page.url.split("?")[0] + ".pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    _in_languages(page, axe, application_path, ("80l-exemption-decision-en",
                                                "80m-exemption-decision-zh-hant"))

    sign_out(page)
    page.goto(f"/verify/{code}")
    expect(page.locator("#document-number")).to_have_text(document_number.group(0))
    expect(page.locator("#decision-status")).to_contain_text("有效")
    axe.check(page, "80n-verify-decision")


# -- 2. A refusal after the enterprise's defence, and an objection ---------------------------


def test_refusal_after_defence_with_an_objection_answered(page, axe, browser, live_server):
    page.set_viewport_size({"width": 1100, "height": 900})
    sign_in(page, ENTERPRISE)
    _apply(page, "food-01", facts="未按规定建立进货查验记录，检查后当场补建（浏览器测试）",
           violation_on=_today() - dt.timedelta(days=17))
    _submit(page, "main form[enctype]")
    _no_errors(page)
    application_path = page.url.removeprefix(live_server)
    review_path = application_path.replace("/exemptions/applications/", "/officer/exemptions/")

    sign_in(page, OFFICER)
    page.goto(review_path)
    page.locator('#action-refusal textarea[name="facts"]').fill("检查时发现进货查验记录缺失三个月")
    page.locator('#action-refusal textarea[name="reasons"]').fill(
        "违法行为持续时间较长，不属于危害后果轻微")
    page.locator('#action-refusal textarea[name="basis"]').fill(
        "《中华人民共和国行政处罚法》第三十三条第一款")
    axe.check(page, "81a-officer-refusal-form")
    _submit(page, "#action-refusal form")
    _no_errors(page)
    expect(page.locator("#refusal")).to_contain_text("检查时发现进货查验记录缺失三个月")
    # The refusal cannot become final while the enterprise may still defend itself.
    expect(page.locator("#action-finalise")).to_contain_text("陈述")

    sign_in(page, ENTERPRISE)
    page.goto(application_path)
    expect(page.locator("#refusal-reasons")).to_have_text("违法行为持续时间较长，不属于危害后果轻微")
    expect(page.locator("#defence-due")).to_be_visible()
    page.locator('textarea[name="text"]').fill("记录缺失系系统迁移所致，纸质台账完整，请求重新核实")
    axe.check(page, "81b-enterprise-defence-form")
    width = _fits_360(browser, live_server, page.context.storage_state(), application_path,
                      "81c-exemption-defence-360px")
    assert width <= 360, f"the defence page scrolls sideways on a phone ({width} px)"
    _submit(page, 'form[action$="/defence"]')
    _no_errors(page)
    expect(page.locator("#defence")).to_contain_text("纸质台账完整")

    sign_in(page, OFFICER)
    page.goto(review_path)
    expect(page.locator("#defence-text")).to_contain_text("纸质台账完整")
    page.locator('#action-defence input[name="accepted"][value="no"]').check()
    page.locator('#action-defence textarea[name="answer"]').fill(
        "纸质台账经核查同样缺失，申辩理由不成立，维持拟不予免罚决定")
    axe.check(page, "81d-officer-defence-answer")
    _submit(page, "#action-defence form")
    _no_errors(page)
    # 首违不罚 is major by default: the maintained refusal goes to a legal reviewer.
    sign_in(page, REVIEWER)
    page.goto(review_path)
    expect(page.locator("#legal-review")).to_be_visible()
    page.locator('#legal-review input[name="result"][value="approve"]').check()
    _submit(page, "#legal-review form")
    _no_errors(page)

    sign_in(page, ENTERPRISE)
    page.goto(application_path)
    expect(page.locator("#application-status")).to_have_text("不予免罚")
    expect(page.locator("#defence")).to_contain_text("申辩理由不成立")
    axe.check(page, "81e-enterprise-refused")
    with page.expect_navigation():
        page.locator("#decision a").first.click()
    remedies = page.locator(".decision-document__remedies")
    expect(remedies).to_contain_text("行政复议")
    expect(remedies).to_contain_text("行政诉讼")
    expect(page.locator("main")).to_contain_text("申辩理由不成立")
    axe.check(page, "81f-refusal-document")
    page.goto(application_path)
    page.locator('textarea[name="objection"]').fill("我司对不予免罚决定有异议，请求复核纸质台账")
    _submit(page, 'form[action$="/objection"]')
    _no_errors(page)
    expect(page.locator("main")).to_contain_text("我司对不予免罚决定有异议")
    expect(page.locator('[id^="objection-"] .tag--yellow')).to_have_count(1)
    axe.check(page, "81g-enterprise-objection-filed")

    sign_in(page, OFFICER)
    page.goto(review_path)
    objection = page.locator('section[id^="objection-"]')
    objection.locator('textarea[name="answer"]').fill("经复核，原决定认定事实清楚，维持不予免罚")
    axe.check(page, "81h-officer-objection-answer")
    _submit(page, 'section[id^="objection-"] form')
    _no_errors(page)

    sign_in(page, ENTERPRISE)
    page.goto(application_path)
    expect(page.locator('section[id^="objection-"]')).to_contain_text("维持不予免罚")
    expect(page.locator('[id^="objection-"] .tag--yellow')).to_have_count(0)
    axe.check(page, "81i-enterprise-objection-answered")


# -- 3. A supplement loop (补正) ----------------------------------------------------------------


def test_supplement_loop_gives_the_officer_back_the_review_clock(page, axe, browser, live_server,
                                                                 tmp_path):
    page.set_viewport_size({"width": 1100, "height": 900})
    sign_in(page, ENTERPRISE)
    _apply(page, "ecom-01", facts="网店首页未显著公示营业执照信息，发现后当日补充（浏览器测试）",
           violation_on=_today() - dt.timedelta(days=8))
    _submit(page, "main form[enctype]")
    _no_errors(page)
    application_path = page.url.removeprefix(live_server)
    review_path = application_path.replace("/exemptions/applications/", "/officer/exemptions/")
    review_due = page.locator("#review-due").inner_text()

    sign_in(page, OFFICER)
    page.goto(review_path)
    page.locator('#action-supplement textarea[name="reasons"]').fill("请补充整改后网店首页的截图")
    page.locator('#action-supplement input[name="working_days"]').fill("5")
    _submit(page, "#action-supplement form")
    _no_errors(page)
    expect(page.locator("main")).to_contain_text("期限暂停计算")
    axe.check(page, "82a-officer-supplement-requested")

    sign_in(page, ENTERPRISE)
    page.goto(application_path)
    expect(page.locator("#supplement-reasons")).to_have_text("请补充整改后网店首页的截图")
    expect(page.locator("#supplement-due")).to_be_visible()
    expect(page.locator("#review-due")).to_have_count(0)
    page.locator('textarea[name="answer"]').fill("已上传整改后的网店首页截图")
    page.locator('input[name="supplement_files"]').set_input_files(
        _photo(tmp_path, "网店首页截图.png", "#2f7d4f"))
    axe.check(page, "82b-enterprise-supplement-form")
    width = _fits_360(browser, live_server, page.context.storage_state(), application_path,
                      "82c-exemption-supplement-360px")
    assert width <= 360, f"the supplement page scrolls sideways on a phone ({width} px)"
    _submit(page, 'form[action$="/supplement"]')
    _no_errors(page)
    # Back to the department, with its decision due again (the stopped days resumed).
    expect(page.locator("#review-due")).to_be_visible()
    assert page.locator("#review-due").inner_text() >= review_due
    expect(page.locator(".evidence__file")).to_have_count(1)
    axe.check(page, "82d-enterprise-supplement-sent")

    sign_in(page, OFFICER)
    page.goto(review_path)
    expect(page.locator("#statement")).to_contain_text("已上传整改后的网店首页截图")
    expect(page.locator("#application-files")).to_contain_text("网店首页截图.png")
    expect(page.locator("#verify-form")).to_be_visible()
    expect(page.locator("#action-grant")).to_be_visible()
    axe.check(page, "82e-officer-after-supplement")


# -- 4. Withdrawal from disclosure ------------------------------------------------------------


#: Grants an application of the logistics enterprise, issued long enough ago to be
#: published, through the services, in a process of its own on the live server's database
#: (a second application in this test process would rebind the shared session).
_GRANT_SCRIPT = """
import datetime as dt, json, sys
from sqlalchemy import select
from portal import create_app
from portal.accounts.models import Enterprise, User
from portal.core.clock import local_date
from portal.core.db import utcnow
from portal.core.storage import get_storage
from portal.exemptions import demo, rules, services
from portal.exemptions.models import EducationForm
from portal.extensions import db
from portal.guides.conditions import Corrected, Harm

facts = sys.argv[1]
app = create_app()
with app.app_context():
    def user(local):
        return db.session.scalars(select(User).where(
            User.email == f"{local}@demo.nansha.invalid")).one()

    admin, officer, reviewer = user("logistics-admin"), user("officer-market"), \
        user("legal-reviewer")
    enterprise = db.session.get(Enterprise, admin.memberships[0].enterprise_id)
    today = local_date(utcnow(), "Asia/Shanghai")
    day = demo._day(today, 10)
    moment = utcnow() - dt.timedelta(days=(today - day).days)
    application = services.open_application(
        db.session, get_storage(), enterprise, actor=admin, entry_key="ecom-02",
        statement=services.ApplicationInput(
            facts=facts, violation_on=day - dt.timedelta(days=4), harm=Harm.NONE,
            harm_statement="未造成损失", first_violation=True, exempted_before=False,
            corrected=Corrected.ON_THE_SPOT, commitment_text="本单位承诺所述属实"),
        today=day, now=moment, review_working_days=10)
    services.record_verification(
        db.session, application, actor=officer, verification=services.Verification(
            checks={c.key: (True, "已核实") for c in rules.conditions_of(application)},
            discretion_reason="首次违法且当日改正", education_form=EducationForm.TALK,
            education_on=day, education_content="讲解电子商务法"),
        expected_version=application.version, today=day, now=moment)
    services.grant(db.session, application, actor=officer,
                   expected_version=application.version, today=day, now=moment,
                   disclosure_delay_working_days=7)
    decision = services.review_proposal(
        db.session, application, reviewer=reviewer, approve=True, comments="同意",
        expected_version=application.version, today=day, now=moment,
        disclosure_delay_working_days=7)
    db.session.commit()
    assert decision is not None and decision.publish_on <= today
    print(json.dumps([decision.id, application.id]))
"""


def _published_grant(facts: str) -> tuple[int, int]:
    """Grant a published decision on the live server's database; return its id and the
    application's."""
    folder = SERVER_LOG[-1].parent
    env = {**os.environ, "PORTAL_ENV": "test",
           "PORTAL_DATABASE_URL": f"sqlite:///{folder / 'portal.sqlite3'}",
           "PORTAL_UPLOAD_DIR": str(folder / "uploads"),
           "PORTAL_SECRET_KEY": "e2e-secret-key-not-for-production-use",
           "PORTAL_LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-c", _GRANT_SCRIPT, facts], env=env,
                          cwd=Path(__file__).resolve().parents[2], capture_output=True,
                          text=True, check=True, timeout=120)
    decision_id, application_id = json.loads(done.stdout.strip().splitlines()[-1])
    return decision_id, application_id


def test_a_published_grant_withdrawn_from_disclosure(page, axe, browser, live_server):
    facts = "网店首页经营者信息更新不及时，发现后当日更新（浏览器测试之四）"
    decision_id, application_id = _published_grant(facts)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto("/decisions")
    listed = page.locator(f'a[href="/decisions/{decision_id}"]')
    expect(listed).to_have_count(1)
    axe.check(page, "83a-decisions-public-list")
    width = _fits_360(browser, live_server, None, "/decisions", "83b-decisions-360px")
    assert width <= 360, f"the public decisions list scrolls sideways on a phone ({width} px)"
    page.goto(f"/decisions/{decision_id}")
    expect(page.locator("main")).not_to_contain_text("撤回公示")

    sign_in(page, OFFICER)
    page.goto(f"/officer/exemptions/{application_id}")
    page.locator('#action-withdraw input[name="kind"][value="changed"]').check()
    page.locator('#action-withdraw textarea[name="reason"]').fill(
        "经复查，原决定已依法变更，本公示撤回")
    axe.check(page, "83c-officer-withdraw-form")
    _submit(page, "#action-withdraw form")
    _no_errors(page)
    expect(page.locator("#disclosure")).to_contain_text("经复查，原决定已依法变更，本公示撤回")

    sign_out(page)
    page.goto(f"/decisions/{decision_id}")
    expect(page.locator("main")).to_contain_text("经复查，原决定已依法变更，本公示撤回")
    axe.check(page, "83d-decision-withdrawn-public")
    page.goto("/decisions")
    expect(page.locator("main")).to_contain_text("经复查，原决定已依法变更，本公示撤回")
    _in_languages(page, axe, f"/decisions/{decision_id}",
                  ("83e-decision-withdrawn-en", "83f-decision-withdrawn-zh-hant"))
