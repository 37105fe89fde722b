"""Generate realistic exemption-list entries in bulk (for benchmarks only)."""

from __future__ import annotations

import random

from sqlalchemy.orm import Session

from portal.guides.content import LIST_TYPES, to_zh_hant
from portal.guides.models import (
    ExemptionEntryIndustry,
    ExemptionEntryRecord,
    ExemptionEntryVersion,
)
from portal.guides.services import normalise_for_search

SUBJECTS = ["经营者", "餐饮服务提供者", "食品经营者", "网吧经营单位", "建筑施工单位", "仓储企业",
            "危险化学品使用单位", "广告发布者", "电子商务经营者", "个体工商户", "港口经营人"]
ACTS = ["未按规定明码标价", "未公示食品经营许可证", "未设置施工现场公示牌", "未悬挂营业执照",
        "未按规定建立进货查验记录", "户外招牌设置不规范", "未按规定开展安全生产教育培训",
        "未在显著位置公示价格", "广告中未标明批准文号", "未按规定办理变更登记",
        "未按规定保存台账", "消防器材未定期检查", "未按规定报送年度报告", "未标注生产日期"]
CONTEXTS = ["首次被发现", "情节轻微", "未造成危害后果", "在责令改正期限内改正", "当场改正",
            "主动消除违法行为危害后果", "配合调查"]
LAWS = ["中华人民共和国价格法", "中华人民共和国食品安全法", "中华人民共和国广告法",
        "中华人民共和国安全生产法", "中华人民共和国行政处罚法", "互联网上网服务营业场所管理条例"]
ENGLISH = ["prices not marked", "licence not displayed", "signboard", "food safety record",
           "advertisement approval number", "work safety training", "annual report"]
INDUSTRIES = ["catering", "food_retail", "construction", "hazardous_chemicals", "port_logistics",
              "culture_advertising"]
DEPARTMENTS = ["market_regulation", "comprehensive_enforcement", "emergency_management",
               "housing_construction", "culture_tourism_sports", "transport"]


def generate_entries(session: Session, count: int, *, seed: int = 4401) -> None:
    """Insert ``count`` current entries with realistic Chinese and English text."""
    rng = random.Random(seed)
    for n in range(count):
        violation_zh = f"{rng.choice(SUBJECTS)}{rng.choice(ACTS)}"
        violation_en = f"{rng.choice(ENGLISH).capitalize()} ({n})"
        conditions = rng.sample(CONTEXTS, 3)
        law = rng.choice(LAWS)
        list_type = LIST_TYPES[n % len(LIST_TYPES)]
        key = f"bench-{n:05d}"
        record = ExemptionEntryRecord(key=key)
        session.add(record)
        session.flush()
        data = {
            "key": key, "industry": rng.choice(INDUSTRIES), "list_type": list_type,
            "item_code": f"4401{n:08d}", "violation": {"zh_Hans": violation_zh,
                                                       "en": violation_en},
            "rule_breached": [{"law": "x", "law_name": {"zh_Hans": law}, "article": None,
                               "note": None}],
            "legal_ground": [], "conditions": [{"type": "no_harm"}],
            "conditions_text": {"zh_Hans": "；".join(conditions)},
            "follow_up_measures": ["education"], "exempt_again": False, "obligations": ["x"],
            "effective_from": "2024-01-01", "effective_until": None,
        }
        title = normalise_for_search(f"{violation_zh} {violation_en} {to_zh_hant(violation_zh)}")
        version = ExemptionEntryVersion(
            entry_id=record.id, version_no=1, digest=f"{n:064d}", item_code=data["item_code"],
            list_type=list_type, department=rng.choice(DEPARTMENTS), industry=data["industry"],
            title_search=title,
            search_text=normalise_for_search(
                f"{key} {data['item_code']} {title} {' '.join(conditions)} {law}"),
            data=data)
        version.industries = [ExemptionEntryIndustry(industry=data["industry"])]
        session.add(version)
        if n % 500 == 0:
            session.flush()
    session.flush()
