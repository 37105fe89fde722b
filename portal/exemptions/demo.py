"""Demonstration exemption decisions (``flask demo load``), never for production.

Each is made by the same services as the portal's pages, on real market-regulation
entries (synced from ``compliance_guides/``) for the demo enterprises: applied for,
verified, proposed and approved in legal review (the first-violation ground is major
by default), numbered under 穗南市监 — the one confirmed short name, confirmed by
``load_demo_data`` as an administrator would. Most are issued on a day far enough
back that their publication day has come, so ``/decisions`` shows numbered decisions
at once; one is withdrawn from disclosure with its reason; one is refused after the
enterprise's statement and defence (served on it, never published); one is issued
today and waits for its publication day. An application is recognised by its
enterprise, entry and facts, so loading twice adds nothing. No text here holds a
natural person's ID or mobile number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Enterprise, User
from portal.accounts.services import DEMO_EMAIL_DOMAIN
from portal.core.deadlines import add_working_days
from portal.core.identifiers import make_uscc
from portal.core.storage import Storage
from portal.exemptions import rules, services
from portal.exemptions.models import (
    Decision,
    EducationForm,
    ExemptionApplication,
    WithdrawalKind,
)
from portal.guides.conditions import Corrected, Harm
from portal.guides.models import ExemptionEntryRecord

OFFICER, REVIEWER = "officer-market", "legal-reviewer"


@dataclass(frozen=True)
class DemoDecision:
    """One demo application and what becomes of it."""

    enterprise_key: str
    entry_key: str
    facts: str
    #: Working days before today on which the decision is issued (0: today).
    issued_working_days_ago: int
    #: "grant", "withdraw" (granted, then withdrawn from disclosure) or "refuse".
    outcome: str


DEMO_DECISIONS = (
    DemoDecision("catering", "food-03",
                 "食品经营许可证有效期届满后未及时办理延续手续，继续从事餐饮服务约十日；"
                 "检查发现后已当场停止相关经营并提交延续申请。（演示）", 15, "grant"),
    DemoDecision("catering", "food-01",
                 "未按规定配备食品安全管理人员并建立进货查验制度；经责令后三日内完成整改。（演示）",
                 12, "grant"),
    DemoDecision("logistics", "ecom-01",
                 "自营网店首页未显著公示营业执照信息；发现后当日在首页补充公示。（演示）",
                 10, "withdraw"),
    DemoDecision("construction", "ecom-02",
                 "网店首页未持续公示经营者信息变更情况；发现后当日更新公示内容。（演示）",
                 9, "grant"),
    DemoDecision("logistics", "ecom-02",
                 "网店首页经营者信息公示链接失效；发现后当日修复。（演示）", 0, "grant"),
    DemoDecision("catering", "food-02",
                 "安排一名未取得健康证明的人员从事接触直接入口食品的工作；"
                 "至检查时仍未办理健康证明。（演示）", 0, "refuse"),
)


def _user(session: Session, local: str) -> User | None:
    return session.scalar(select(User).where(User.email == f"{local}@{DEMO_EMAIL_DOMAIN}"))


def _enterprise(session: Session, key: str) -> Enterprise | None:
    from portal.accounts.demo import ENTERPRISES

    base = next(row[1] for row in ENTERPRISES if row[0] == key)
    return session.scalar(select(Enterprise).where(
        Enterprise.uscc == make_uscc("91440115", base)))


def _day(today: dt.date, working_days_ago: int) -> dt.date:
    """Return a day at least ``working_days_ago`` working days before ``today``."""
    day = today
    while working_days_ago and add_working_days(day, working_days_ago).date > today:
        day -= dt.timedelta(days=1)
    return day


def load_demo_decisions(session: Session, storage: Storage, *, today: dt.date,
                        now: dt.datetime, review_working_days: int,
                        defence_working_days: int,
                        disclosure_delay_working_days: int) -> int:
    """Create the demo decisions that are missing; return how many applications were made.

    Needs the demo accounts (``load_demo_data``) and the synced content
    (``flask guides sync``): without an entry, its demo decision is skipped.
    """
    officer, reviewer = _user(session, OFFICER), _user(session, REVIEWER)
    if officer is None or reviewer is None:
        return 0
    created = 0
    for spec in DEMO_DECISIONS:
        enterprise = _enterprise(session, spec.enterprise_key)
        admin = _user(session, f"{spec.enterprise_key}-admin")
        if enterprise is None or admin is None or session.scalar(
                select(ExemptionEntryRecord.id).where(
                    ExemptionEntryRecord.key == spec.entry_key)) is None:
            continue
        if session.scalar(select(ExemptionApplication.id).where(
                ExemptionApplication.enterprise_id == enterprise.id,
                ExemptionApplication.entry_key == spec.entry_key,
                ExemptionApplication.facts == spec.facts)) is not None:
            continue
        day = _day(today, spec.issued_working_days_ago)
        moment = now - dt.timedelta(days=(today - day).days)
        application = services.open_application(
            session, storage, enterprise, actor=admin, entry_key=spec.entry_key,
            statement=services.ApplicationInput(
                facts=spec.facts, violation_on=day - dt.timedelta(days=6),
                harm=Harm.SLIGHT, harm_statement="未造成消费者损失或其他危害后果。（演示）",
                first_violation=True, exempted_before=False,
                corrected=Corrected.WITHIN_PERIOD,
                corrected_on=day - dt.timedelta(days=3),
                commitment_text="本单位承诺所述情况属实，今后依法经营。（演示）"),
            today=day, now=moment, review_working_days=review_working_days)
        created += 1
        if spec.outcome == "refuse":
            _refuse(session, storage, application, officer=officer, admin=admin,
                    reviewer=reviewer, today=today, now=now,
                    defence_working_days=defence_working_days,
                    disclosure_delay_working_days=disclosure_delay_working_days)
            continue
        decision = _grant(session, application, officer=officer, reviewer=reviewer, day=day,
                          moment=moment,
                          disclosure_delay_working_days=disclosure_delay_working_days)
        if spec.outcome == "withdraw" and decision is not None:
            services.withdraw_from_disclosure(
                session, decision, actor=officer, kind=WithdrawalKind.CHANGED,
                reason="经复查，当事人提交的公示截图日期有误，原决定已依法变更，"
                       "本公示撤回。（演示）",
                expected_version=decision.version, today=today, now=now)
        session.flush()
    return created


def _grant(session: Session, application: ExemptionApplication, *, officer: User,
           reviewer: User, day: dt.date, moment: dt.datetime,
           disclosure_delay_working_days: int) -> Decision | None:
    services.record_verification(
        session, application, actor=officer,
        verification=services.Verification(
            checks={c.key: (True, "经现场检查和材料核实，符合。（演示）")
                    for c in rules.conditions_of(application)},
            discretion_reason="当事人系首次违法，危害后果轻微并已及时改正，"
                              "依法裁量不予行政处罚。（演示）",
            education_form=EducationForm.TALK, education_on=day,
            education_content="约谈企业负责人，讲解相关法律法规并督促建立自查制度。（演示）",
            economic_impact="不予处罚有利于企业持续经营，未发现不利影响。（演示）"),
        expected_version=application.version, today=day, now=moment)
    decision = services.grant(session, application, actor=officer,
                              expected_version=application.version, today=day, now=moment,
                              disclosure_delay_working_days=disclosure_delay_working_days)
    if decision is None:  # a major case: the legal reviewer approves it
        decision = services.review_proposal(
            session, application, reviewer=reviewer, approve=True,
            comments="事实清楚，适用清单事项正确，同意。（演示）",
            expected_version=application.version, today=day, now=moment,
            disclosure_delay_working_days=disclosure_delay_working_days)
    return decision


def _refuse(session: Session, storage: Storage, application: ExemptionApplication, *,
            officer: User, admin: User, reviewer: User, today: dt.date, now: dt.datetime,
            defence_working_days: int, disclosure_delay_working_days: int) -> None:
    services.propose_refusal(
        session, application, actor=officer,
        facts="检查时该人员仍在岗从事接触直接入口食品的工作，且未取得健康证明。（演示）",
        reasons="违法行为至检查时仍未改正，不符合清单事项“及时改正”的适用条件。（演示）",
        basis="《中华人民共和国行政处罚法》第三十三条第一款及本清单事项适用条件。（演示）",
        expected_version=application.version, today=today, now=now,
        defence_working_days=defence_working_days)
    services.submit_defence(
        session, storage, application, actor=admin,
        text="该员工入职时间较短，健康证明正在办理中，请求从轻考虑。（演示）", uploads=[],
        expected_version=application.version, today=today, now=now,
        answer_working_days=defence_working_days)
    decision = services.answer_defence(
        session, application, actor=officer,
        answer="经复核，健康证明在检查时尚未取得，违法状态未及时改正，申辩理由不成立，"
               "维持原拟决定。（演示）",
        accepted=False, expected_version=application.version, today=today, now=now,
        disclosure_delay_working_days=disclosure_delay_working_days)
    if decision is None:  # a major case: the legal reviewer approves the refusal
        services.review_proposal(
            session, application, reviewer=reviewer, approve=True,
            comments="程序合法，理由充分，同意不予免罚。（演示）",
            expected_version=application.version, today=today, now=now,
            disclosure_delay_working_days=disclosure_delay_working_days)


__all__ = ["DEMO_DECISIONS", "load_demo_decisions"]
