"""The findings migration backfills existing self-checks (revision c3f1a9d2e7b4)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Enterprise, User, UserKind
from portal.core import migrations
from portal.core.db import make_engine
from portal.core.deadlines import add_working_days
from portal.guides.content.stored import questionnaire_from_stored
from portal.guides.models import IndustryGuide, IndustryGuideVersion, QuestionnaireVersion
from portal.selfcheck import engine
from portal.selfcheck.models import Finding, SelfCheck, SelfCheckDepartment, SelfCheckStatus
from tests.factories import TEST_QUESTIONNAIRE

BEFORE = "01444024cced"  # the revision just before the findings
#: 20:00 UTC is 04:00 the next day in Nansha: the deadline counts from the 28th.
SUBMITTED_AT = dt.datetime(2026, 11, 27, 20, 0, tzinfo=dt.UTC)


def _populate(session: Session) -> tuple[int, int]:
    enterprise = Enterprise(uscc="91440115MA0000001X", name="测试企业", industry_code="62",
                            town="nansha", address="南沙", legal_representative="张三",
                            contact_mobile="13800138000", contact_email="a@example.com")
    user = User(email="u@example.com", display_name="用户", password_hash="x",
                kind=UserKind.ENTERPRISE)
    guide = IndustryGuide(slug="testing")
    session.add_all([enterprise, user, guide])
    session.flush()
    session.add(IndustryGuideVersion(
        guide_id=guide.id, version_no=1, digest="0" * 64, content_version=1,
        reviewed_on=dt.date(2026, 11, 1), title={"zh_Hans": "指引"}, summary={"zh_Hans": "摘要"},
        body={"zh_Hans": "正文"}, divisions=["62"], lead_department="market_regulation",
        other_departments=["transport", "market_regulation"]))
    questionnaire = QuestionnaireVersion(industry="testing", version_no=1, digest="2" * 64,
                                         content_version=1, definition=TEST_QUESTIONNAIRE)
    session.add(questionnaire)
    session.flush()
    answers = {"licensed": False}
    evaluation = engine.evaluate(questionnaire_from_stored(TEST_QUESTIONNAIRE), answers)
    submitted = SelfCheck(
        enterprise_id=enterprise.id, questionnaire_version_id=questionnaire.id,
        industry="testing", answers=answers, visited_sections=["s1"], started_by_id=user.id,
        status=SelfCheckStatus.SUBMITTED, submitted_at=SUBMITTED_AT, submitted_by_id=user.id,
        score=evaluation.score, band="high", result=evaluation.as_dict(),
        reference="ZC20260000001")
    draft = SelfCheck(enterprise_id=enterprise.id, questionnaire_version_id=questionnaire.id,
                      industry="testing", answers={}, visited_sections=[],
                      started_by_id=user.id)
    session.add_all([submitted, draft])
    session.commit()
    return submitted.id, draft.id


def test_existing_self_checks_get_their_findings_and_scope(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    migrations.upgrade(url)
    db_engine = make_engine(url)
    with Session(db_engine) as session:
        submitted_id, draft_id = _populate(session)
    db_engine.dispose()
    # Back to before the revision (the new tables go), then forward: the backfill runs.
    migrations.downgrade(url, BEFORE)
    migrations.upgrade(url)
    db_engine = make_engine(url)
    with Session(db_engine) as session:
        findings = list(session.scalars(select(Finding)))
        assert [(f.self_check_id, f.obligation_code, f.question_id, f.severity)
                for f in findings] == [(submitted_id, "t-01", "licensed", "high")]
        expected = add_working_days(dt.date(2026, 11, 28), 5)
        assert findings[0].deadline == expected.date
        assert findings[0].deadline_estimated is expected.estimated
        assert findings[0].action == {"zh_Hans": "办理许可证", "en": "Get a licence"}
        assert findings[0].status == "open"
        scope = {(d.self_check_id, d.department_code, d.lead)
                 for d in session.scalars(select(SelfCheckDepartment))}
        assert scope == {(sid, code, code == "market_regulation")
                         for sid in (submitted_id, draft_id)
                         for code in ("market_regulation", "transport")}
    db_engine.dispose()
