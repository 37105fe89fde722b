"""The real content under compliance_guides/ is valid and meets issue 3 and 4's counts."""

from __future__ import annotations

from collections import Counter
from functools import cache

from portal.guides.content import (
    COMMON,
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
        assert 15 <= len(questions) <= 40, (slug, len(questions))
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
