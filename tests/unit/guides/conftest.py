"""A minimal valid content tree, built in tmp_path, for checker tests to break."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
REAL_CONTENT = REPO / "compliance_guides"

FILES: dict[str, str] = {
    "departments.yaml": """
        departments:
          - code: market_regulation
            name: {zh_Hans: 区市场监督管理局, en: District market regulation}
            short_name: 穗南市监
            short_name_source: DOMAIN.md
          - code: transport
            name: {zh_Hans: 区交通运输局, en: District transport bureau}
        """,
    "laws.yaml": """
        laws:
          food_safety_law:
            name: {zh_Hans: 中华人民共和国食品安全法, en: Food Safety Law}
            kind: law
          administrative_penalty_law:
            name: {zh_Hans: 中华人民共和国行政处罚法, en: Administrative Penalty Law}
            kind: law
        """,
    "sources.yaml": """
        lists:
          - id: DEMO-LIST
            name: {zh_Hans: 示例清单, en: Demo list}
            issuer: {zh_Hans: 示例局, en: Demo bureau}
            scope: guangzhou
            doc_number: null
            effective_from: "2024-01-01"
            effective_until: "2026-12-31"
            status: in_force
            urls: ["https://example.invalid/list"]
            source_kind: official_gov_site
        """,
    "industries/demo/guide.yaml": """
        slug: demo
        divisions: ["62"]
        title: {zh_Hans: 示例指引, en: Demo guide}
        summary: {zh_Hans: 示例摘要, en: Demo summary}
        lead_department: market_regulation
        version: 1
        reviewed_on: "2026-11-25"
        """,
    "industries/demo/guide.zh_Hans.md": "# 示例指引\n\n食品经营许可证应当在有效期内。\n",
    "industries/demo/guide.en.md": "# Demo guide\n\nKeep the licence valid.\n",
    "industries/demo/obligations.yaml": """
        obligations:
          - code: DEM-01
            title: {zh_Hans: 持有许可证, en: Hold a licence}
            description: {zh_Hans: 持有有效许可证。, en: Hold a valid licence.}
            legal_basis:
              - law: food_safety_law
            department: market_regulation
            severity: high
          - code: DEM-02
            title: {zh_Hans: 明码标价, en: Mark prices}
            description: {zh_Hans: 标明价格。, en: Show prices.}
            legal_basis:
              - law: food_safety_law
            department: market_regulation
            severity: low
        """,
    "industries/demo/exemptions.yaml": """
        entries:
          - key: demo-01
            item_code: "440201018001"
            list_type: no_penalty
            illustrative: false
            source: DEMO-LIST
            department: market_regulation
            violation: {zh_Hans: 未明码标价, en: Prices not marked}
            rule_breached:
              - law: food_safety_law
            legal_ground:
              - law: administrative_penalty_law
                article: {zh_Hans: 第三十三条, en: Art. 33}
            conditions:
              - type: first_discovery
                look_back_months: 24
              - type: corrected_on_the_spot
            follow_up_measures: [education]
            repeat_rule: {exempt_again: false}
            obligations: [DEM-02]
            legal_basis_ground: art33_1_first_violation
          - key: demo-02
            list_type: lenient
            illustrative: true
            department: market_regulation
            violation: {zh_Hans: 示例从轻, en: Example lenient}
            rule_breached: []
            legal_ground: []
            conditions:
              - type: harm_reduced_before_order
            range: {zh_Hans: 处一万元以上两万元以下罚款, en: "CNY 10,000 to 20,000"}
            follow_up_measures: [education]
            repeat_rule: {exempt_again: false}
            obligations: [DEM-01]
            legal_basis_ground: art32_mitigation
        """,
    "industries/demo/questionnaire.yaml": """
        version: 1
        title: {zh_Hans: 示例问卷, en: Demo self-check}
        intro: {zh_Hans: 请回答。, en: Please answer.}
        commitment: {zh_Hans: 本单位承诺。, en: We declare.}
        sections:
          - id: main
            title: {zh_Hans: 主要, en: Main}
            questions:
              - id: kind
                type: single_choice
                required: true
                text: {zh_Hans: 类型, en: Kind}
                options:
                  - {value: shop, label: {zh_Hans: 商店, en: Shop}}
                  - {value: stall, label: {zh_Hans: 摊位, en: Stall}}
              - id: has_licence
                type: yes_no
                required: true
                weight: 10
                show_if: {all: [{question: kind, equals: shop}]}
                text: {zh_Hans: 有许可证吗, en: "Licensed?"}
                findings:
                  - when: {equals: false}
                    problem: {zh_Hans: 未取得许可证, en: No licence}
                    obligation: DEM-01
                    severity: high
                    action: {zh_Hans: 申请许可。, en: Apply.}
                    correction_working_days: 5
                    exemptions: [demo-02]
              - id: untagged
                type: number
                required: true
                weight: 5
                min: 0
                max: 100
                text: {zh_Hans: 无价签商品数, en: Untagged items}
                findings:
                  - when: {gt: 0}
                    problem: {zh_Hans: 有商品未标价, en: Some items have no price tag}
                    obligation: DEM-02
                    severity: low
                    action: {zh_Hans: 补齐价签。, en: Tag them.}
                    exemptions: [demo-01]
        bands:
          - {code: low, min: 80, max: 100, label: {zh_Hans: 低, en: Low},
             advice: {zh_Hans: 好, en: Good}}
          - {code: high, min: 0, max: 79, label: {zh_Hans: 高, en: High},
             advice: {zh_Hans: 改, en: Fix}}
        """,
}


def write_tree(root: Path, overrides: dict[str, str | None] | None = None) -> Path:
    """Write the minimal tree under ``root`` (a ``compliance_guides`` folder); None deletes."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REAL_CONTENT / "industries.yaml", root / "industries.yaml")
    files: dict[str, str | None] = {**FILES, **(overrides or {})}
    for relative, text in files.items():
        if text is None:
            continue
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        body = text if relative.endswith(".md") else textwrap.dedent(text).lstrip("\n")
        path.write_text(body, encoding="utf-8")
    return root


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """Return the 1-based line of the ``occurrence``-th line containing ``needle``."""
    lines = textwrap.dedent(text).lstrip("\n").splitlines()
    found = [number for number, line in enumerate(lines, start=1) if needle in line]
    return found[occurrence - 1]


@pytest.fixture
def tree(tmp_path: Path) -> Callable[..., Path]:
    """Return a builder of content trees in tmp_path, optionally with files replaced."""
    def build(overrides: dict[str, str | None] | None = None) -> Path:
        return write_tree(tmp_path / "compliance_guides", overrides)
    return build
