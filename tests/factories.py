"""factory_boy factories for the portal's models (STYLE.md 22)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory

from portal.accounts.models import (
    Department,
    Enterprise,
    Membership,
    MembershipRole,
    User,
    UserKind,
)
from portal.core.db import utcnow
from portal.core.identifiers import make_uscc
from portal.core.security import hash_password
from portal.extensions import db

PASSWORD = "Correct-Horse-42"


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = db.session
        sqlalchemy_session_persistence = "flush"


def _uscc(n: int) -> str:
    return make_uscc("91440115", f"MA{n:06d}")


class DepartmentFactory(_Base):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"department_{n}")
    name_zh_hans = factory.Sequence(lambda n: f"测试执法局{n}")
    name_en = factory.Sequence(lambda n: f"Test Enforcement Bureau {n}")
    #: Chinese characters only, as a short name in a document number must be (穗南测一二).
    short_name = factory.Sequence(lambda n: "穗南测" + "".join("零一二三四五六七八九"[int(digit)]
                                                             for digit in str(n)))
    created_at = factory.LazyFunction(utcnow)

    class Params:
        #: An administrator has confirmed the short name: its decisions can be numbered.
        confirmed = factory.Trait(short_name_confirmed=True)


class EnterpriseFactory(_Base):
    class Meta:
        model = Enterprise

    uscc = factory.Sequence(_uscc)
    name = factory.Sequence(lambda n: f"广州南沙测试企业{n}有限公司")
    industry_code = "62"
    town = "nansha"
    address = "南沙街道测试路1号"
    legal_representative = "张三"
    contact_mobile = "13800138000"
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.com")
    created_at = factory.LazyFunction(utcnow)


class UserFactory(_Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password_hash = factory.LazyFunction(lambda: hash_password(PASSWORD))
    kind = UserKind.ENTERPRISE
    created_at = factory.LazyFunction(utcnow)

    class Params:
        officer = factory.Trait(kind=UserKind.OFFICER,
                                department=factory.SubFactory(DepartmentFactory))
        legal_reviewer = factory.Trait(kind=UserKind.LEGAL_REVIEWER,
                                       department=factory.SubFactory(DepartmentFactory))
        admin = factory.Trait(kind=UserKind.ADMIN)


class MembershipFactory(_Base):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    role = MembershipRole.MEMBER
    created_at = factory.LazyFunction(utcnow)

    class Params:
        admin = factory.Trait(role=MembershipRole.ADMIN)
        agent = factory.Trait(
            role=MembershipRole.AGENT,
            agent_firm="广州南沙测试财税咨询有限公司",
            mandate_expires_on=factory.LazyFunction(
                lambda: utcnow().date() + dt.timedelta(days=90)))


def make_guide(slug: str = "testing", *, divisions: tuple[str, ...] = ("62",),
               lead_department: str = "market_regulation"):
    """Create a published guide with one version (for tests that need no real content)."""
    from portal.guides.models import IndustryGuide, IndustryGuideVersion

    guide = IndustryGuide(slug=slug)
    db.session.add(guide)
    db.session.flush()
    db.session.add(IndustryGuideVersion(
        guide_id=guide.id, version_no=1, digest="0" * 64, content_version=1,
        reviewed_on=utcnow().date(), title={"zh_Hans": "测试行业合规指引", "en": "Test guide"},
        summary={"zh_Hans": "摘要", "en": "Summary"}, body={"zh_Hans": "# 正文", "en": "# Body"},
        divisions=list(divisions), lead_department=lead_department))
    db.session.flush()
    return guide


def make_entry(key: str = "test-01", *, industry: str = "testing",
               list_type: str = "no_penalty", ground: str = "art33_1_minor",
               conditions: list[dict[str, Any]] | None = None,
               department: str = "market_regulation",
               effective_from: dt.date | None = None, effective_until: dt.date | None = None,
               extra: dict[str, Any] | None = None):
    """Create a current exemption entry with one version."""
    from portal.guides.models import (
        ExemptionEntryIndustry,
        ExemptionEntryRecord,
        ExemptionEntryVersion,
    )

    record = ExemptionEntryRecord(key=key)
    db.session.add(record)
    db.session.flush()
    data = {
        "key": key, "industry": industry, "list_type": list_type, "legal_basis_ground": ground,
        "violation": {"zh_Hans": "未明码标价", "en": "Prices not marked"},
        "rule_breached": [{"law": "price_law", "law_name": {"zh_Hans": "价格法", "en": "Price Law"},
                           "article": None, "note": None}],
        "legal_ground": [], "conditions": conditions if conditions is not None else [
            {"type": "no_harm"}, {"type": "corrected_on_the_spot"}],
        "follow_up_measures": ["education"], "exempt_again": False, "obligations": ["t-01"],
        "effective_from": effective_from.isoformat() if effective_from else None,
        "effective_until": effective_until.isoformat() if effective_until else None,
        **(extra or {}),
    }
    version = ExemptionEntryVersion(
        entry_id=record.id, version_no=1, digest="1" * 64, list_type=list_type,
        department=department, industry=industry, title_search="未明码标价",
        effective_from=effective_from, effective_until=effective_until,
        search_text="未明码标价 prices not marked", data=data)
    version.industries = [ExemptionEntryIndustry(industry=industry)]
    db.session.add(version)
    db.session.flush()
    return record


#: A one-section questionnaire: a licence question whose "no" is a finding.
TEST_QUESTIONNAIRE = {
    "industry": "testing", "version": 1,
    "title": {"zh_Hans": "测试自查问卷", "en": "Test self-check"},
    "intro": {"zh_Hans": "请如实回答。", "en": "Answer truthfully."},
    "commitment": {"zh_Hans": "本单位承诺以上内容真实。", "en": "We declare this is true."},
    "sections": [{"id": "s1", "title": {"zh_Hans": "证照", "en": "Licences"},
                  "description": None, "show_if": None, "questions": [{
                      "id": "licensed", "section": "s1", "type": "yes_no",
                      "text": {"zh_Hans": "是否持证经营？", "en": "Licensed?"}, "hint": None,
                      "required": True, "allow_not_applicable": False, "weight": 10,
                      "show_if": None, "options": [], "unit": None, "min": None, "max": None,
                      "integer": False, "max_length": None, "accept": [],
                      "findings": [{"when": {"question": "licensed", "op": "equals",
                                             "value": False},
                                    "problem": {"zh_Hans": "未持证经营", "en": "Not licensed"},
                                    "obligation": "t-01", "severity": "high",
                                    "action": {"zh_Hans": "办理许可证", "en": "Get a licence"},
                                    "correction_working_days": 5, "exemptions": []}]}]}],
    "bands": [{"code": "high", "min": 0, "max": 59, "label": {"zh_Hans": "高风险"},
               "advice": {"zh_Hans": "立即整改"}},
              {"code": "low", "min": 60, "max": 100, "label": {"zh_Hans": "低风险"},
               "advice": {"zh_Hans": "保持"}}],
}


def make_questionnaire(industry: str = "testing", *, definition: dict | None = None):
    """Create the current questionnaire version of ``industry`` (TEST_QUESTIONNAIRE by default).

    Its digest is that of its definition, as for synced content: the typed
    questionnaire of a stored version is cached by id and digest.
    """
    from portal.guides.models import QuestionnaireVersion

    definition = {**(definition or TEST_QUESTIONNAIRE), "industry": industry}
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()
    version = QuestionnaireVersion(industry=industry, version_no=1, digest=digest,
                                   content_version=1, definition=definition)
    db.session.add(version)
    db.session.flush()
    return version


def make_self_check(enterprise, user, questionnaire, *, submitted: bool):
    """Create a draft, or a submitted self-check scored by the engine.

    Its officer scope and findings are made by the same service functions as in the app.
    """
    from portal.guides.queries import guide_by_slug
    from portal.selfcheck import engine
    from portal.selfcheck.models import SelfCheck, SelfCheckStatus
    from portal.selfcheck.services import findings_of, scope_departments, typed_questionnaire

    now = utcnow()
    self_check = SelfCheck(enterprise_id=enterprise.id, questionnaire_version_id=questionnaire.id,
                           industry=questionnaire.industry, answers={"licensed": False},
                           visited_sections=["s1"], started_by_id=user.id, created_at=now,
                           updated_at=now, departments=scope_departments(
                               guide_by_slug(db.session, questionnaire.industry)))
    db.session.add(self_check)
    db.session.flush()
    if submitted:
        evaluation = engine.evaluate(typed_questionnaire(questionnaire), self_check.answers)
        self_check.status = SelfCheckStatus.SUBMITTED
        self_check.submitted_at = now
        self_check.submitted_by_id = user.id
        self_check.signer_name, self_check.signer_role = "张三", "法定代表人"
        self_check.commitment_text = "本单位承诺以上内容真实。"
        self_check.score = evaluation.score
        self_check.band = evaluation.band.code
        self_check.result = evaluation.as_dict()
        self_check.reference = f"ZC2026{self_check.id:07d}"
        self_check.findings = findings_of(evaluation, submitted_on=now.date(), now=now)
        db.session.flush()
    return self_check
