"""The checker reports every error with file, line, field path and problem."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from portal.guides.content import ContentError, ContentInvalid, check_content, load_content
from tests.unit.guides.conftest import FILES, line_of

Builder = Callable[..., Path]
EXEMPTIONS = "industries/demo/exemptions.yaml"
QUESTIONNAIRE = "industries/demo/questionnaire.yaml"
OBLIGATIONS = "industries/demo/obligations.yaml"
GUIDE = "industries/demo/guide.yaml"


def changed(name: str, old: str, new: str, count: int = 1) -> dict[str, str]:
    """Return an override of file ``name`` with ``old`` replaced by ``new``."""
    text = textwrap.dedent(FILES[name]).lstrip("\n")
    assert old in text, f"fixture text {old!r} not in {name}"
    return {name: text.replace(old, new, count)}


def only(errors: list[ContentError], file: str) -> list[ContentError]:
    return [e for e in errors if e.file == f"compliance_guides/{file}"]


def test_minimal_tree_is_valid(tree: Builder) -> None:
    root = tree()
    assert check_content(root) == []
    content = load_content(root)
    assert list(content.guides) == ["demo"]
    assert [q.id for q in content.guides["demo"].questionnaire.questions] == [
        "kind", "has_licence", "untagged"]


def test_malformed_yaml_names_file_and_line(tree: Builder) -> None:
    override = changed(OBLIGATIONS, "severity: low", "severity: [low")
    errors = check_content(tree(override))
    [error] = only(errors, OBLIGATIONS)
    assert "malformed YAML" in error.message
    assert error.line is not None and error.line >= line_of(override[OBLIGATIONS], "[low")


def test_wrong_type_names_field_path(tree: Builder) -> None:
    override = changed(QUESTIONNAIRE, "weight: 5", 'weight: "five"')
    [error] = only(check_content(tree(override)), QUESTIONNAIRE)
    assert error.path == "sections[0].questions[2].weight"
    assert error.line == line_of(override[QUESTIONNAIRE], '"five"')
    assert "expected a number" in error.message


def test_missing_language_is_reported(tree: Builder) -> None:
    override = changed(OBLIGATIONS, "title: {zh_Hans: 明码标价, en: Mark prices}",
                       "title: {zh_Hans: 明码标价}")
    [error] = only(check_content(tree(override)), OBLIGATIONS)
    assert error.path == "obligations[1].title"
    assert error.message == "missing language 'en'"
    assert error.line == line_of(override[OBLIGATIONS], "title: {zh_Hans: 明码标价}")


def test_unknown_language_is_reported(tree: Builder) -> None:
    override = changed(GUIDE, "summary: {zh_Hans: 示例摘要, en: Demo summary}",
                       "summary: {zh_Hans: 示例摘要, en: Demo summary, fr: Résumé}")
    [error] = only(check_content(tree(override)), GUIDE)
    assert error.path == "summary.fr"
    assert "unknown language 'fr'" in error.message


def test_unknown_obligation_code_in_finding(tree: Builder) -> None:
    override = changed(QUESTIONNAIRE, "obligation: DEM-02", "obligation: DEM-99")
    errors = only(check_content(tree(override)), QUESTIONNAIRE)
    assert any(e.path == "sections[0].questions[2].findings[0].obligation"
               and "unknown obligation code 'DEM-99'" in e.message
               and e.line == line_of(override[QUESTIONNAIRE], "DEM-99") for e in errors)


def test_unknown_obligation_code_in_entry(tree: Builder) -> None:
    override = changed(EXEMPTIONS, "obligations: [DEM-02]", "obligations: [NOPE-01]")
    errors = only(check_content(tree(override)), EXEMPTIONS)
    assert [e.path for e in errors if "unknown obligation" in e.message] == [
        "entries[0].obligations[0]"]


def test_unknown_department(tree: Builder) -> None:
    override = changed(OBLIGATIONS, "department: market_regulation", "department: police")
    [error] = only(check_content(tree(override)), OBLIGATIONS)
    assert error.path == "obligations[0].department"
    assert "unknown department 'police'" in error.message


def test_unknown_industry_division(tree: Builder) -> None:
    override = changed(GUIDE, 'divisions: ["62"]', 'divisions: ["62", "99"]')
    [error] = only(check_content(tree(override)), GUIDE)
    assert error.path == "divisions[1]"
    assert "unknown GB/T 4754 division '99'" in error.message


def test_duplicate_item_code_and_key(tree: Builder) -> None:
    override = changed(EXEMPTIONS, "key: demo-02\n    list_type: lenient\n    illustrative: true",
                       'key: demo-01\n    item_code: "440201018001"\n    list_type: lenient\n'
                       "    illustrative: false\n    source: DEMO-LIST")
    errors = only(check_content(tree(override)), EXEMPTIONS)
    messages = {e.message.split(" (")[0] for e in errors}
    assert "duplicate entry key 'demo-01'" in messages
    assert "duplicate item code '440201018001'" in messages
    duplicate = next(e for e in errors if "duplicate item code" in e.message)
    assert duplicate.path == "entries[1].item_code"
    assert f":{line_of(FILES[EXEMPTIONS], 'item_code')})" in duplicate.message


def test_duplicate_question_id(tree: Builder) -> None:
    override = changed(QUESTIONNAIRE, "- id: untagged", "- id: has_licence")
    errors = only(check_content(tree(override)), QUESTIONNAIRE)
    assert any(e.path == "sections[0].questions[2].id"
               and "duplicate question id 'has_licence'" in e.message for e in errors)


def test_show_if_naming_unknown_or_later_question(tree: Builder) -> None:
    unknown = changed(QUESTIONNAIRE, "{question: kind, equals: shop}",
                      "{question: colour, equals: red}")
    [error] = only(check_content(tree(unknown)), QUESTIONNAIRE)
    assert error.path == "sections[0].questions[1].show_if.all[0].question"
    assert error.message == "show_if names unknown question 'colour'"
    later = changed(QUESTIONNAIRE, "{question: kind, equals: shop}",
                    "{question: untagged, gt: 3}")
    [error] = only(check_content(tree(later)), QUESTIONNAIRE)
    assert "which comes later" in error.message
    assert f"line {line_of(FILES[QUESTIONNAIRE], '- id: untagged')}" in error.message


def test_option_not_offered(tree: Builder) -> None:
    override = changed(QUESTIONNAIRE, "{question: kind, equals: shop}",
                       "{question: kind, in: [shop, kiosk]}")
    [error] = only(check_content(tree(override)), QUESTIONNAIRE)
    assert error.path == "sections[0].questions[1].show_if.all[0].in"
    assert "option 'kiosk' is not offered by question 'kind'" in error.message


def test_finding_condition_must_suit_question_type(tree: Builder) -> None:
    override = changed(QUESTIONNAIRE, "when: {equals: false}", "when: {equals: maybe}")
    [error] = only(check_content(tree(override)), QUESTIONNAIRE)
    assert error.path == "sections[0].questions[1].findings[0].when.equals"
    assert "answered true or false" in error.message


def test_yes_and_no_are_not_booleans(tree: Builder) -> None:
    # YAML 1.1 reads an unquoted `no` as false; our loader keeps it a string.
    override = changed(QUESTIONNAIRE, "when: {equals: false}", "when: {equals: no}")
    [error] = only(check_content(tree(override)), QUESTIONNAIRE)
    assert "'no'" in error.message


def test_invalid_and_inverted_dates(tree: Builder) -> None:
    invalid = changed("sources.yaml", '"2026-12-31"', '"2026-02-30"')
    [error] = only(check_content(tree(invalid)), "sources.yaml")
    assert error.path == "lists[0].effective_until"
    assert error.message == "invalid date '2026-02-30'"
    inverted = changed("sources.yaml", '"2026-12-31"', '"2023-06-30"')
    [error] = only(check_content(tree(inverted)), "sources.yaml")
    assert error.message == "effective_until 2023-06-30 is before effective_from 2024-01-01"
    assert error.line == line_of(inverted["sources.yaml"], "effective_until")


def test_entry_dates_inverted_against_its_source(tree: Builder) -> None:
    override = changed(EXEMPTIONS, "    obligations: [DEM-02]",
                       '    effective_until: "2023-01-01"\n    obligations: [DEM-02]')
    [error] = only(check_content(tree(override)), EXEMPTIONS)
    assert error.path == "entries[0].effective_until"
    assert "before effective_from 2024-01-01" in error.message


def test_lenient_entry_without_range(tree: Builder) -> None:
    override = changed(EXEMPTIONS, '    range: {zh_Hans: 处一万元以上两万元以下罚款, '
                       'en: "CNY 10,000 to 20,000"}\n', "")
    [error] = only(check_content(tree(override)), EXEMPTIONS)
    assert error.path == "entries[1]"
    assert "needs its range" in error.message


def test_entry_without_legal_basis_ground_names_file_and_field(tree: Builder) -> None:
    override = changed(EXEMPTIONS, "    legal_basis_ground: art33_1_first_violation\n", "")
    [error] = only(check_content(tree(override)), EXEMPTIONS)
    assert error.path == "entries[0]"
    assert error.message == "missing required field 'legal_basis_ground'"
    assert str(error).startswith(f"compliance_guides/{EXEMPTIONS}:")


def test_unknown_legal_basis_ground_is_refused(tree: Builder) -> None:
    override = changed(EXEMPTIONS, "legal_basis_ground: art32_mitigation",
                       "legal_basis_ground: no_penalty")
    [error] = only(check_content(tree(override)), EXEMPTIONS)
    assert error.path == "entries[1].legal_basis_ground"
    assert "is not one of: art33_1_minor" in error.message


def test_illustrative_entry_cannot_fake_a_published_code(tree: Builder) -> None:
    override = changed(EXEMPTIONS, "list_type: lenient\n    illustrative: true",
                       'list_type: lenient\n    item_code: "440201099999"\n    illustrative: true')
    [error] = only(check_content(tree(override)), EXEMPTIONS)
    assert error.path == "entries[1].item_code"
    assert "cannot carry a published item code" in error.message


def test_real_entry_needs_its_source(tree: Builder) -> None:
    override = changed(EXEMPTIONS, "    source: DEMO-LIST\n", "")
    [error] = only(check_content(tree(override)), EXEMPTIONS)
    assert error.path == "entries[0].source"
    assert "illustrative: true" in error.message


def test_no_penalty_entry_must_educate(tree: Builder) -> None:
    override = changed(EXEMPTIONS, "follow_up_measures: [education]",
                       "follow_up_measures: [re_inspection]")
    [error] = only(check_content(tree(override)), EXEMPTIONS)
    assert error.path == "entries[0].follow_up_measures"
    assert "education" in error.message


def test_exemption_must_relate_to_the_findings_obligation(tree: Builder) -> None:
    override = changed(QUESTIONNAIRE, "exemptions: [demo-01]", "exemptions: [demo-02]")
    [error] = only(check_content(tree(override)), QUESTIONNAIRE)
    assert "does not relate to obligation 'DEM-02'" in error.message


def test_bands_must_cover_0_to_100(tree: Builder) -> None:
    override = changed(QUESTIONNAIRE, "min: 0, max: 79", "min: 0, max: 70")
    [error] = only(check_content(tree(override)), QUESTIONNAIRE)
    assert "leaves a gap" in error.message


def test_duplicate_yaml_key(tree: Builder) -> None:
    override = changed(GUIDE, "version: 1", "version: 1\nversion: 2")
    [error] = only(check_content(tree(override)), GUIDE)
    assert error.message.startswith("duplicate key 'version'")
    assert error.line == line_of(override[GUIDE], "version: 2")


def test_missing_body_and_raw_html(tree: Builder) -> None:
    body = "# 标题\n<script>x</script>\n"
    errors = check_content(tree({"industries/demo/guide.en.md": None,
                                 "industries/demo/guide.zh_Hans.md": body}))
    assert ContentError("compliance_guides/industries/demo/guide.en.md", None, "",
                        "file is missing (the en guide body is required)") in errors
    assert ContentError("compliance_guides/industries/demo/guide.zh_Hans.md", 2, "",
                        "raw HTML is not allowed in a guide body") in errors


def test_every_error_is_reported_at_once(tree: Builder) -> None:
    overrides = {
        **changed(OBLIGATIONS, "department: market_regulation", "department: police"),
        **changed(GUIDE, 'divisions: ["62"]', 'divisions: ["99"]'),
        **changed("sources.yaml", '"2026-12-31"', '"2026-13-01"'),
        **changed(QUESTIONNAIRE, "{question: kind, equals: shop}",
                  "{question: colour, equals: red}"),
    }
    errors = check_content(tree(overrides))
    files = {e.file.removeprefix("compliance_guides/") for e in errors}
    assert files == {OBLIGATIONS, GUIDE, "sources.yaml", QUESTIONNAIRE}
    with pytest.raises(ContentInvalid) as raised:
        load_content(tree(overrides))
    assert raised.value.errors == errors


def test_content_error_prints_file_line_path_and_message() -> None:
    error = ContentError("compliance_guides/laws.yaml", 7, "laws.x.kind", "bad")
    assert str(error) == "compliance_guides/laws.yaml:7: laws.x.kind: bad"
    assert str(ContentError("a.md", None, "", "file is missing")) == "a.md: file is missing"


@pytest.mark.parametrize("marker", [
    "拒报或[乱码]价格监测资料",
    "首次被发现……（所读摘录至此中断）",
    "但已具……（摘录中断）",
    "（报道另称）非主观故意",
    "初次违法（据报道：两年内未发生同类违法行为）",
    "Prices not marked (the report adds) on purpose",
])
def test_transcription_residue_is_refused_with_file_line_and_field(tree: Builder,
                                                                    marker: str) -> None:
    override = changed(EXEMPTIONS, "violation: {zh_Hans: 未明码标价, en: Prices not marked}",
                       f"violation: {{zh_Hans: 未明码标价, en: Prices not marked}}\n"
                       f"    conditions_text: {{zh_Hans: \"{marker}\", en: \"{marker}\"}}")
    errors = only(check_content(tree(override)), EXEMPTIONS)
    assert errors, marker
    assert all("transcription residue" in e.message for e in errors), errors
    assert {e.path for e in errors} <= {"entries[0].conditions_text.zh_Hans",
                                        "entries[0].conditions_text.en"}
    assert errors[0].line == line_of(override[EXEMPTIONS], "conditions_text:")


def test_residue_in_reviewer_note_is_allowed_but_not_in_a_guide_body(tree: Builder) -> None:
    override = changed(EXEMPTIONS, "repeat_rule: {exempt_again: false}\n",
                       "repeat_rule: {exempt_again: false}\n"
                       "    verify: the mirror shows [乱码] here\n")
    body = "# 示例\n\n不予处罚的条件（另据报道：货值不超过 500 元）。\n"
    errors = check_content(tree({**override, "industries/demo/guide.zh_Hans.md": body}))
    assert only(errors, EXEMPTIONS) == []
    [error] = only(errors, "industries/demo/guide.zh_Hans.md")
    assert error.line == 3 and "research note" in error.message


def test_a_plain_ellipsis_marking_an_excerpt_is_allowed(tree: Builder) -> None:
    override = changed(EXEMPTIONS, "violation: {zh_Hans: 未明码标价, en: Prices not marked}",
                       "violation: {zh_Hans: 未明码标价……, en: Prices not marked …}")
    assert only(check_content(tree(override)), EXEMPTIONS) == []


def test_entry_read_in_secondary_summaries_needs_a_caveat(tree: Builder) -> None:
    sources = changed("sources.yaml", "source_kind: official_gov_site",
                      "source_kind: secondary_summaries")
    [error] = only(check_content(tree(sources)), EXEMPTIONS)
    assert error.path == "entries[0].source"
    assert "add a caveat" in error.message
    with_caveat = changed(EXEMPTIONS, "repeat_rule: {exempt_again: false}\n",
                          "repeat_rule: {exempt_again: false}\n"
                          "    caveat: {zh_Hans: 据二手摘要整理, en: From secondary summaries}\n")
    assert only(check_content(tree({**sources, **with_caveat})), EXEMPTIONS) == []


def test_a_finding_without_its_problem_is_refused(tree: Builder) -> None:
    [line] = [line for line in textwrap.dedent(FILES[QUESTIONNAIRE]).splitlines(keepends=True)
              if "problem: {zh_Hans: 未取得许可证" in line]
    override = changed(QUESTIONNAIRE, line, "")
    [error] = only(check_content(tree(override)), QUESTIONNAIRE)
    assert error.path == "sections[0].questions[1].findings[0]"
    assert error.message == "missing required field 'problem'"
    assert error.line == line_of(override[QUESTIONNAIRE], "when: {equals: false}")


def test_a_guide_lists_wholesale_and_retail_by_class_not_by_division(tree: Builder) -> None:
    # Divisions 51 and 52 hold food shops, fuel stations and chemical traders: a guide
    # may name their classes, never the whole division.
    override = changed(GUIDE, 'divisions: ["62"]', 'divisions: ["62", "52", "5265", "5198"]')
    errors = only(check_content(tree(override)), GUIDE)
    assert [(e.path, e.message) for e in errors] == [
        ("divisions[1]", "division '52' is chosen by class: list its classes "
                         "(industries.yaml) instead"),
        ("divisions[3]", "unknown GB/T 4754 class '5198' (not in the classes of "
                         "industries.yaml)"),
    ]
