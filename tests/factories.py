"""factory_boy factories for the portal's models (STYLE.md 22)."""

from __future__ import annotations

import datetime as dt

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
    short_name = factory.Sequence(lambda n: f"穗南测{n}")
    created_at = factory.LazyFunction(utcnow)


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


def make_guide(slug: str = "testing", *, divisions: tuple[str, ...] = ("62",)):
    """Create a published guide with one version (for tests that need no real content)."""
    from portal.guides.models import IndustryGuide, IndustryGuideVersion

    guide = IndustryGuide(slug=slug)
    db.session.add(guide)
    db.session.flush()
    db.session.add(IndustryGuideVersion(
        guide_id=guide.id, version_no=1, digest="0" * 64, content_version=1,
        reviewed_on=utcnow().date(), title={"zh_Hans": "测试行业合规指引", "en": "Test guide"},
        summary={"zh_Hans": "摘要", "en": "Summary"}, body={"zh_Hans": "# 正文", "en": "# Body"},
        divisions=list(divisions), lead_department="market_regulation"))
    db.session.flush()
    return guide


def make_entry(key: str = "test-01", *, industry: str = "testing",
               list_type: str = "no_penalty"):
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
        "key": key, "industry": industry, "list_type": list_type,
        "violation": {"zh_Hans": "未明码标价", "en": "Prices not marked"},
        "rule_breached": [{"law": "price_law", "law_name": {"zh_Hans": "价格法", "en": "Price Law"},
                           "article": None, "note": None}],
        "legal_ground": [], "conditions": [{"type": "no_harm"},
                                           {"type": "corrected_on_the_spot"}],
        "follow_up_measures": ["education"], "exempt_again": False, "obligations": ["t-01"],
        "effective_from": None, "effective_until": None,
    }
    version = ExemptionEntryVersion(
        entry_id=record.id, version_no=1, digest="1" * 64, list_type=list_type,
        department="market_regulation", industry=industry, title_search="未明码标价",
        search_text="未明码标价 prices not marked", data=data)
    version.industries = [ExemptionEntryIndustry(industry=industry)]
    db.session.add(version)
    db.session.flush()
    return record
