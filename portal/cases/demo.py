"""Demonstration rectification cases (``flask demo load``), never for production.

Every case is made by the same services as the portal's pages (so its audit
events, reference, deadlines and stored evidence are real), in every status,
for the demo enterprises before the demo officers' departments. A case is
recognised by its enterprise and problem text, so loading twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from PIL import Image, ImageDraw
from pypdf import PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Enterprise, User
from portal.accounts.services import DEMO_EMAIL_DOMAIN
from portal.cases import services
from portal.cases.models import Case
from portal.cases.services import EvidenceUpload
from portal.core.identifiers import make_uscc
from portal.core.storage import EVIDENCE_KINDS, Storage, accept_upload


def demo_png(label: str, colour: str = "#2f7d4f") -> bytes:
    """Return a small real PNG (a coloured card with a few lines; ``label`` varies it)."""
    image = Image.new("RGB", (320, 200), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((16, 16, 304, 184), outline="white", width=4)
    draw.text((28, 30), f"DEMO {label}", fill="white")
    for row in range(4):
        draw.line((28, 80 + row * 24, 280 - row * 30, 80 + row * 24), fill="white", width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def demo_pdf(title: str) -> bytes:
    """Return a one-page real PDF whose title is ``title``."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _upload(data: bytes, name: str) -> EvidenceUpload:
    return EvidenceUpload(accept_upload(io.BytesIO(data), name, kinds=EVIDENCE_KINDS,
                                        max_bytes=2**24))


@dataclass(frozen=True)
class DemoCase:
    """One demo case: whose, before whom, what, and the steps that bring it to its status."""

    enterprise_key: str
    officer: str
    problem: str
    requirement: str
    legal_basis: str
    working_days: int
    #: How many calendar days ago the order was issued (an old one is overdue).
    issued_days_ago: int
    #: The steps after the order: "submit", "supplement", "withdraw", "accept", "reject".
    steps: tuple[str, ...]


DEMO_CASES = (
    DemoCase("catering", "officer-market", "未在经营场所显著位置公示食品经营许可证（演示）",
             "在店堂入口处公示有效的食品经营许可证", "《食品经营许可和备案管理办法》第三十条",
             10, 0, ()),
    DemoCase("catering", "officer-market", "从业人员健康证明过期（演示）",
             "为全部从业人员办理有效健康证明并存档", "《中华人民共和国食品安全法》第四十五条",
             10, 30, ()),
    DemoCase("catering", "officer-market", "进货查验记录不完整（演示）",
             "建立并完整填写进货查验记录", "《中华人民共和国食品安全法》第五十三条",
             15, 3, ("submit",)),
    DemoCase("catering", "officer-market", "餐具消毒设施未正常使用（演示）",
             "修复并正常使用餐具清洗消毒设施，保存消毒记录",
             "《中华人民共和国食品安全法》第三十三条", 10, 8, ("submit", "supplement")),
    DemoCase("catering", "officer-market", "价格标签信息不全（演示）",
             "为所有菜品明码标价", "《明码标价和禁止价格欺诈规定》第五条",
             5, 20, ("submit", "accept")),
    DemoCase("catering", "officer-market", "食品原料超过保质期仍在存放（演示）",
             "清理过期原料并建立临期检查制度", "《中华人民共和国食品安全法》第三十四条",
             5, 25, ("submit", "reject")),
    DemoCase("catering", "officer-market", "后厨防鼠设施缺失（演示）",
             "在后厨出入口安装挡鼠板", "《餐饮服务食品安全操作规范》",
             10, 5, ("submit", "withdraw")),
    DemoCase("construction", "officer-enforcement", "施工工地围挡破损（演示）",
             "修复工地围挡，保持连续封闭", "《广州市建设工程文明施工管理规定》",
             10, 2, ()),
    DemoCase("construction", "officer-enforcement", "建筑垃圾未按规定覆盖（演示）",
             "对堆放的建筑垃圾进行全覆盖", "《城市建筑垃圾管理规定》第十二条",
             10, 6, ("submit",)),
    DemoCase("logistics", "officer-enforcement", "占用道路堆放货物（演示）",
             "清理占道货物，恢复道路通行", "《城市市容和环境卫生管理条例》第十四条",
             5, 9, ("submit", "supplement")),
    DemoCase("logistics", "officer-enforcement", "户外招牌未经审批设置（演示）",
             "按规定办理审批或拆除招牌", "《广州市户外广告和招牌设置管理办法》",
             10, 25, ("submit", "accept")),
    DemoCase("construction", "officer-enforcement", "夜间施工噪声超标（演示）",
             "停止夜间高噪声作业，办理夜间施工许可", "《中华人民共和国噪声污染防治法》",
             5, 25, ("submit", "reject")),
)


def _uscc_of(key: str) -> str:
    from portal.accounts.demo import ENTERPRISES

    base = next(row[1] for row in ENTERPRISES if row[0] == key)
    return make_uscc("91440115", base)


def load_demo_cases(session: Session, storage: Storage, *, today: dt.date, now: dt.datetime,
                    review_working_days: int, max_case_bytes: int) -> int:
    """Open the demo cases that are missing and bring each to its status; return how many.

    The demo enterprises and officers must exist (``load_demo_data`` first).
    """
    created = 0
    for number, spec in enumerate(DEMO_CASES, start=1):
        enterprise = session.scalar(select(Enterprise).where(
            Enterprise.uscc == _uscc_of(spec.enterprise_key)))
        officer = session.scalar(select(User).where(
            User.email == f"{spec.officer}@{DEMO_EMAIL_DOMAIN}"))
        admin = session.scalar(select(User).where(
            User.email == f"{spec.enterprise_key}-admin@{DEMO_EMAIL_DOMAIN}"))
        if enterprise is None or officer is None or admin is None:
            continue
        if session.scalar(select(Case.id).where(Case.enterprise_id == enterprise.id,
                                                Case.problem == spec.problem)) is not None:
            continue
        issued = today - dt.timedelta(days=spec.issued_days_ago)
        # The order and the steps after it happen on days spread from its issue to today.

        def when(step: int, issued: dt.date = issued, span: int = spec.issued_days_ago,
                 count: int = len(spec.steps)) -> tuple[dt.date, dt.datetime]:
            day = issued + dt.timedelta(days=span * step // (count + 1))
            return day, now - dt.timedelta(days=(today - day).days)

        day, moment = when(0)
        case = services.issue_order(session, enterprise, actor=officer, problem=spec.problem,
                                    requirement=spec.requirement, legal_basis=spec.legal_basis,
                                    working_days=spec.working_days, today=day, now=moment)
        for index, step in enumerate(spec.steps, start=1):
            _step(session, storage, case, step, *when(index), officer=officer, admin=admin,
                  number=number, review_working_days=review_working_days,
                  max_case_bytes=max_case_bytes)
            session.flush()
        created += 1
    return created


def _step(session: Session, storage: Storage, case: Case, step: str, day: dt.date,
          moment: dt.datetime, *, officer: User, admin: User, number: int,
          review_working_days: int, max_case_bytes: int) -> None:
    """Take one step of a demo case, by the party whose step it is."""
    if step == "supplement":
        services.request_supplement(
            session, case, actor=officer, expected_version=case.version,
            reasons="照片未能显示整改后的全貌，请补充整改前后对比照片及相关记录。（演示）",
            working_days=5, today=day, now=moment)
    elif step == "withdraw":
        services.withdraw_report(session, case, actor=admin, expected_version=case.version,
                                 now=moment)
    elif step == "accept":
        services.accept(session, case, actor=officer, expected_version=case.version,
                        now=moment,
                        conclusion="经审查整改报告及证据材料，整改到位，复查合格。（演示）")
    elif step == "reject":
        services.find_not_rectified(session, case, actor=officer,
                                    expected_version=case.version, now=moment,
                                    reasons="证据材料显示问题仍然存在，未整改到位。（演示）")
    else:
        _submit(session, storage, case, admin, day, moment, number,
                review_working_days=review_working_days, max_case_bytes=max_case_bytes)


def _submit(session: Session, storage: Storage, case: Case, admin: User, day: dt.date,
            moment: dt.datetime, number: int, *, review_working_days: int,
            max_case_bytes: int) -> None:
    uploads = [_upload(demo_png(f"{case.reference} #{number}"), "整改后现场照片.png"),
               _upload(demo_pdf(f"整改报告 {case.reference}"), "整改报告.pdf")]
    services.submit_report(
        session, storage, case, actor=admin,
        description="已按整改要求完成整改，附整改后现场照片和整改报告。（演示）",
        completed_on=day, commitment_text="本单位承诺所提交材料真实、完整。（演示）",
        uploads=uploads, supersedes=[], expected_version=case.version, today=day, now=moment,
        review_working_days=review_working_days, max_case_bytes=max_case_bytes)


__all__ = ["DEMO_CASES", "demo_pdf", "demo_png", "load_demo_cases"]
