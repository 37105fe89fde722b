"""Demonstration enterprises and accounts (``flask demo load``), never for production.

Every demo email uses the reserved ``.invalid`` domain, and every demo
enterprise's name says it is a demonstration, so nobody mistakes them for real.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import (
    Department,
    Enterprise,
    Membership,
    MembershipRole,
    User,
    UserKind,
)
from portal.accounts.services import (
    DEMO_EMAIL_DOMAIN,
    create_department,
    create_staff_user,
    set_department_short_name,
)
from portal.core.audit import record_event
from portal.core.identifiers import make_uscc
from portal.core.security import hash_password

# Created only when ``guides sync`` has not already created them from
# compliance_guides/departments.yaml (same codes and names). A short name that
# no source confirms is left empty rather than invented.
DEPARTMENTS = (
    ("market_regulation", "广州市南沙区市场监督管理局",
     "Nansha District Administration for Market Regulation", "穗南市监"),
    ("comprehensive_enforcement", "广州市南沙区综合行政执法局",
     "Nansha District Comprehensive Administrative Law Enforcement Bureau", ""),
)

#: Short names an administrator would confirm: only 穗南市监 is sourced (DOMAIN.md §6).
CONFIRMED_SHORT_NAMES = {"market_regulation": "穗南市监"}

ENTERPRISES = (
    # key, organisation-code base, name, industry, town, address, legal representative
    ("catering", "MA5DEA01", "南沙湾海鲜酒家（演示）", "62", "nansha",
     "南沙街道演示路1号", "陈演示"),
    ("logistics", "MA5DEB02", "广州南沙演示仓储物流有限公司", "59", "longxue",
     "龙穴街道演示港区8号", "李演示"),
    ("construction", "MA5DEC03", "广州南沙演示建筑工程有限公司", "47", "huangge",
     "黄阁镇演示大道18号", "黄演示"),
)


def _email(local: str) -> str:
    return f"{local}@{DEMO_EMAIL_DOMAIN}"


def _user(session: Session, *, email: str, name: str, password: str, now: dt.datetime) -> User:
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, display_name=name, password_hash=hash_password(password),
                    kind=UserKind.ENTERPRISE, created_at=now)
        session.add(user)
        session.flush()
        record_event(session, action="account.created", object_type="user", object_id=user.id,
                     actor_label="demo loader", details={"demo": True}, now=now)
    return user


def _member(session: Session, user: User, enterprise: Enterprise, role: MembershipRole,
            now: dt.datetime, *, mandate_expires_on: dt.date | None = None,
            agent_firm: str | None = None) -> None:
    exists = session.scalar(select(Membership.id).where(
        Membership.user_id == user.id, Membership.enterprise_id == enterprise.id))
    if exists is None:
        session.add(Membership(user_id=user.id, enterprise_id=enterprise.id, role=role,
                               mandate_expires_on=mandate_expires_on, agent_firm=agent_firm,
                               created_at=now))
        session.flush()


def load_demo_data(session: Session, *, password: str,
                   now: dt.datetime) -> list[tuple[str, str]]:
    """Create the demo departments, enterprises and accounts that are missing.

    Returns (description, email) of every demo account.
    """
    accounts: list[tuple[str, str]] = []
    departments: dict[str, Department] = {}
    for code, name_zh, name_en, short in DEPARTMENTS:
        department = session.scalar(select(Department).where(Department.code == code))
        if department is None:
            department = create_department(session, code=code, name_zh_hans=name_zh,
                                           name_en=name_en, short_name=short, actor=None,
                                           now=now)
        if code in CONFIRMED_SHORT_NAMES and not department.short_name_confirmed:
            set_department_short_name(session, department, short_name=CONFIRMED_SHORT_NAMES[code],
                                      confirmed=True, actor=None, actor_label="demo loader",
                                      now=now)
        departments[code] = department

    enterprises: dict[str, Enterprise] = {}
    for key, base, name, industry, town, address, representative in ENTERPRISES:
        uscc = make_uscc("91440115", base)
        enterprise = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
        if enterprise is None:
            enterprise = Enterprise(uscc=uscc, name=name, industry_code=industry, town=town,
                                    address=address, legal_representative=representative,
                                    contact_mobile="13800138000",
                                    contact_email=_email(f"{key}-contact"), created_at=now)
            session.add(enterprise)
            session.flush()
            record_event(session, action="enterprise.registered", object_type="enterprise",
                         object_id=enterprise.id, actor_label="demo loader",
                         details={"uscc": uscc, "demo": True}, now=now)
        enterprises[key] = enterprise
        admin = _user(session, email=_email(f"{key}-admin"), name=f"{representative}（管理员）",
                      password=password, now=now)
        _member(session, admin, enterprise, MembershipRole.ADMIN, now)
        staff = _user(session, email=_email(f"{key}-staff"),
                      name=f"{representative[0]}员工（演示）", password=password, now=now)
        _member(session, staff, enterprise, MembershipRole.MEMBER, now)
        accounts += [(f"enterprise admin: {name}", admin.email or ""),
                     (f"enterprise member: {name}", staff.email or "")]

    agent = _user(session, email=_email("agent"), name="赵代理（演示财税代理）",
                  password=password, now=now)
    for key in ("catering", "logistics"):
        _member(session, agent, enterprises[key], MembershipRole.AGENT, now,
                mandate_expires_on=now.date() + dt.timedelta(days=365),
                agent_firm="广州南沙演示财税咨询有限公司")
    accounts.append(("agent (two enterprises)", agent.email or ""))

    staff_accounts = (
        (UserKind.OFFICER, "officer-market", "市场监管执法员（演示）", "market_regulation"),
        (UserKind.OFFICER, "officer-enforcement", "综合执法员（演示）",
         "comprehensive_enforcement"),
        (UserKind.LEGAL_REVIEWER, "legal-reviewer", "法制审核员（演示）", "market_regulation"),
        (UserKind.ADMIN, "admin", "系统管理员（演示）", None),
    )
    for kind, local, name, department_code in staff_accounts:
        email = _email(local)
        if session.scalar(select(User.id).where(User.email == email)) is None:
            create_staff_user(session, kind=kind, email=email, display_name=name,
                              password=password,
                              department=departments[department_code] if department_code
                              else None, created_by=None, now=now,
                              temporary_password=False)
        accounts.append((f"{kind.value}: {name}", email))
    return accounts
