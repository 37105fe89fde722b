"""The real content under compliance_guides/ is valid and meets issue 3 and 4's counts."""

from __future__ import annotations

from collections import Counter
from functools import cache

from portal.guides.content import (
    COMMON,
    LEGAL_BASIS_GROUNDS,
    LIST_TYPES,
    Content,
    check_content,
    format_errors,
    load_content,
)
from tests.unit.guides.conftest import REAL_CONTENT


@cache
def content() -> Content:
    return load_content(REAL_CONTENT)


def test_checker_finds_no_error_in_the_real_content() -> None:
    errors = check_content(REAL_CONTENT)
    assert errors == [], format_errors(errors)


def test_at_least_six_industries_with_eight_obligations_each() -> None:
    guides = content().guides
    assert len(guides) >= 6
    for slug, guide in guides.items():
        assert len(guide.obligations) >= 8, slug
        assert guide.body["zh_Hans"].strip() and guide.body["en"].strip()


def test_at_least_sixty_entries_across_all_five_list_types() -> None:
    entries = content().exemption_entries
    assert len(entries) >= 60
    assert set(Counter(e.list_type for e in entries.values())) == set(LIST_TYPES)


def test_entries_from_published_lists_keep_their_source() -> None:
    entries = content().exemption_entries.values()
    sources = content().sources
    real = [e for e in entries if not e.illustrative]
    assert len(real) >= 60
    assert all(e.source in sources for e in real)
    assert all(e.source is None and e.item_code is None for e in entries if e.illustrative)


def test_questionnaires_have_fifteen_to_forty_questions_and_branching() -> None:
    for slug, guide in content().guides.items():
        questions = guide.questionnaire.questions
        # Up to 50: issue 9 §3 added legally required questions, most of them shown
        # only to the kinds of business they concern.
        assert 15 <= len(questions) <= 50, (slug, len(questions))
        branched = [q for q in questions if q.show_if] + [
            s for s in guide.questionnaire.sections if s.show_if]
        assert branched, slug


def test_every_industry_obligation_can_be_found_by_its_questionnaire() -> None:
    for slug, guide in content().guides.items():
        checked = {f.obligation for q in guide.questionnaire.questions for f in q.findings}
        missing = {o.code for o in guide.obligations} - checked
        assert not missing, (slug, missing)


def test_each_entry_applies_to_an_industry_or_to_all() -> None:
    c = content()
    for entry in c.exemption_entries.values():
        assert entry.industry == COMMON or entry.industry in c.guides
        assert set(entry.also_industries) <= set(c.guides)


def test_divisions_map_to_one_guide() -> None:
    c = content()
    assert c.guide_for_division("62").slug == "catering"
    assert c.guide_for_division("59").slug == "port_logistics"
    assert c.guide_for_division("01") is None


def test_loading_is_deterministic() -> None:
    first = load_content(REAL_CONTENT)
    second = load_content(REAL_CONTENT)
    assert {k: e.digest for k, e in first.exemption_entries.items()} == {
        k: e.digest for k, e in second.exemption_entries.items()}
    assert first.guides["catering"].digest == second.guides["catering"].digest


def test_every_entry_records_the_legal_ground_its_conditions_describe() -> None:
    entries = content().exemption_entries
    assert {e.legal_basis_ground for e in entries.values()} == set(LEGAL_BASIS_GROUNDS)
    # Issue 9: list names vary, the ground does not. Items published on 不予处罚 lists whose
    # conditions are a first violation with slight harm rest on Art. 33(1) second sentence.
    for key in ("ecom-01", "ecom-02", "safety-03", "safety-04", "transport-01", "transport-02",
                *(f"env-{n:02d}" for n in range(1, 11)), *(f"tax-{n:02d}" for n in range(1, 13))):
        assert entries[key].legal_basis_ground == "art33_1_first_violation", key
    for entry in entries.values():
        kinds = {c.type for c in entry.conditions}
        if entry.list_type in ("lenient", "mitigated"):
            assert entry.legal_basis_ground == "art32_mitigation", entry.key
        if entry.list_type == "no_compulsion":
            assert entry.legal_basis_ground == "compulsion_exemption", entry.key
        if "first_discovery" in kinds and entry.list_type in ("no_penalty", "first_violation"):
            assert entry.legal_basis_ground == "art33_1_first_violation", entry.key


def test_price_01_is_corrected_before_the_order_not_before_discovery() -> None:
    entry = content().exemption_entries["price-01"]
    assert [c.type for c in entry.conditions] == ["corrected_before_order", "no_harm"]
