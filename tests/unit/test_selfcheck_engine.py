"""The self-check engine: visibility, answer checking, findings and the score (issue 4)."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.cli import CONTENT_ROOT
from portal.guides.content import load_content
from portal.guides.content.model import (
    Band,
    Clause,
    Finding,
    Option,
    Question,
    Questionnaire,
    Section,
    ShowIf,
)
from portal.guides.content.stored import questionnaire_from_stored
from portal.guides.services import to_jsonable
from portal.selfcheck.engine import (
    NOT_APPLICABLE,
    AnswerProblem,
    Evaluation,
    InvalidAnswer,
    band_for,
    evaluate,
    keep_visible,
    parse_answer,
    question_index,
    questions,
    section_status,
    visible_question_ids,
)
from tests.factories import TEST_QUESTIONNAIRE


def _q(qid, kind="yes_no", *, section="s", options=(), show_if=None, findings=(), **extra):
    fields = {"text": {"zh_Hans": qid}, "hint": None, "required": True,
              "allow_not_applicable": False, "weight": 0.0, "unit": None, "min": None,
              "max": None, "integer": False, "max_length": None, "accept": ()} | extra
    return Question(id=qid, section=section, type=kind, show_if=show_if,
                    options=tuple(Option(value, {}) for value in options),
                    findings=tuple(findings), **fields)


def _when(qid, op, value):
    return Clause(question=qid, op=op, value=value)


def _finding(qid, value=False, severity="high", obligation="OB-1"):
    return Finding(when=_when(qid, "equals", value), problem={"zh_Hans": "有问题"},
                   obligation=obligation,
                   severity=severity, action={"zh_Hans": "整改"},
                   correction_working_days=5, exemptions=("e-1",))


def _section(sid, questions, show_if=None):
    return Section(id=sid, title={"zh_Hans": sid}, description=None, show_if=show_if,
                   questions=tuple(questions))


def _band(code, low, high):
    return Band(code=code, min=low, max=high, label={"zh_Hans": code},
                advice={"zh_Hans": "建议"})


def _questionnaire(sections, bands=()):
    return Questionnaire(industry="testing", version=1, title={"zh_Hans": "问卷"},
                         intro={}, commitment={}, sections=tuple(sections),
                         bands=tuple(bands), digest="")


BANDS = (_band("high", 0, 59), _band("medium", 60, 84), _band("low", 85, 100))

DEFINITION = _questionnaire([
    _section("a", [
        _q("licensed", weight=10, findings=[_finding("licensed")]),
        _q("displayed", weight=2, findings=[_finding("displayed", severity="low")],
           show_if=ShowIf("all", (_when("licensed", "equals", True),))),
        _q("seats", "number", required=False, min=0, max=500, integer=True),
    ]),
    _section("b", [
        _q("fire_exit", weight=5, allow_not_applicable=True, findings=[_finding("fire_exit")]),
    ], show_if=ShowIf("any", (_when("seats", "gt", 50),))),
    _section("c", [
        _q("fuel", "single_choice", options=["gas", "electric"]),
        _q("gas_checked", weight=3, findings=[_finding("gas_checked", severity="medium")],
           show_if=ShowIf("all", (_when("fuel", "in", ("gas",)),))),
        _q("measures", "multiple_choice", required=False, options=["x", "y"]),
    ]),
], BANDS)


def test_show_if_hides_dependent_questions_and_sections():
    assert visible_question_ids(DEFINITION, {}) == ["licensed", "seats", "fuel", "measures"]
    answers = {"licensed": True, "seats": 80, "fuel": "gas"}
    assert visible_question_ids(DEFINITION, answers) == [
        "licensed", "displayed", "seats", "fire_exit", "fuel", "gas_checked", "measures"]


def test_hidden_answers_are_discarded():
    answers = {"licensed": False, "displayed": False, "seats": 10, "fire_exit": False}
    assert keep_visible(DEFINITION, answers) == {"licensed": False, "seats": 10}


def test_findings_come_with_obligation_deadline_and_exemptions_sorted_by_severity():
    result = evaluate(DEFINITION, {"licensed": True, "displayed": False, "seats": 10,
                                   "fuel": "gas", "gas_checked": False})
    assert [(f.question_id, f.severity) for f in result.findings] == [
        ("gas_checked", "medium"), ("displayed", "low")]
    assert result.findings[0].correction_working_days == 5
    assert result.findings[0].exemptions == ("e-1",)


def test_score_arithmetic_is_each_questions_contribution():
    result = evaluate(DEFINITION, {"licensed": True, "displayed": False, "seats": 80,
                                   "fire_exit": NOT_APPLICABLE, "fuel": "electric"})
    outcomes = {c.question_id: (c.weight, c.earned, c.outcome) for c in result.contributions}
    assert outcomes == {"licensed": (10, 10, "counted"), "displayed": (2, 0, "finding"),
                        "fire_exit": (5, 0, "not_applicable")}
    assert (result.earned, result.possible) == (10, 12)
    assert result.score == 83  # 10 / 12, not applicable left out
    assert result.band is not None and result.band.code == "medium"


def test_unanswered_required_questions_count_against():
    result = evaluate(DEFINITION, {"licensed": True})
    assert "displayed" in result.missing_required
    assert result.score == round(100 * 10 / 12)


def test_nothing_to_score_is_a_full_score():
    definition = _questionnaire([_section("s", [_q("x")])], BANDS)
    assert evaluate(definition, {"x": True}).score == 100


@pytest.mark.parametrize(("question", "raw", "expected"), [
    (_q("a"), "yes", True), (_q("a"), "no", False), (_q("a"), "", None),
    (_q("n", "number", min=0, max=10, integer=True), " 7 ", 7),
    (_q("n", "number", min=0, max=10), "2.5", 2.5),
    (_q("d", "date"), "2026-11-25", "2026-11-25"),
    (_q("m", "multiple_choice", options=["x", "y"]), ["y", "x", "y"], ["x", "y"]),
    (_q("t", "text", max_length=5), "hello", "hello"),
    (_q("a", allow_not_applicable=True), NOT_APPLICABLE, NOT_APPLICABLE),
])
def test_parse_answer_accepts(question, raw, expected):
    assert parse_answer(question, raw) == expected


@pytest.mark.parametrize(("question", "raw", "problem"), [
    (_q("a"), "maybe", AnswerProblem.NOT_OFFERED),
    (_q("c", "single_choice", options=["x"]), "z", AnswerProblem.NOT_OFFERED),
    (_q("m", "multiple_choice", options=["x"]), ["x", "evil"], AnswerProblem.NOT_OFFERED),
    (_q("n", "number", min=0, max=10), "11", AnswerProblem.TOO_LARGE),
    (_q("n", "number", min=0, max=10), "-1", AnswerProblem.TOO_SMALL),
    (_q("n", "number", integer=True), "1.5", AnswerProblem.NOT_WHOLE),
    (_q("n", "number"), "abc", AnswerProblem.NOT_A_NUMBER),
    (_q("n", "number"), "nan", AnswerProblem.NOT_A_NUMBER),
    (_q("n", "number"), "inf", AnswerProblem.NOT_A_NUMBER),
    (_q("d", "date"), "2026-02-30", AnswerProblem.NOT_A_DATE),
    (_q("t", "text", max_length=5), "toolong", AnswerProblem.TOO_LONG),
    (_q("a"), NOT_APPLICABLE, AnswerProblem.NOT_APPLICABLE_REFUSED),
])
def test_parse_answer_refuses(question, raw, problem):
    with pytest.raises(InvalidAnswer) as raised:
        parse_answer(question, raw)
    assert raised.value.problem == problem


def test_section_status():
    section = DEFINITION.sections[0]
    assert section_status(DEFINITION, section, {}, set()) == "not_started"
    assert section_status(DEFINITION, section, {"licensed": True}, {"a"}) == "in_progress"
    assert section_status(DEFINITION, section, {"licensed": True, "displayed": True},
                          {"a"}) == "complete"


def test_a_carried_over_section_is_to_confirm_until_saved():
    section = DEFINITION.sections[0]
    answers = {"licensed": True, "displayed": True}
    assert section_status(DEFINITION, section, answers, set()) == "to_confirm"
    assert section_status(DEFINITION, section, answers, {"a"}) == "complete"


# --------------------------------------------------------------------------- properties

#: The real questionnaires, read back from their stored form as the app does.
REAL = [questionnaire_from_stored(to_jsonable(g.questionnaire))
        for g in load_content(CONTENT_ROOT).guides.values()]


def _answer_strategy(question):
    kind = question.type
    values = [st.none()]
    if question.allow_not_applicable:
        values.append(st.just(NOT_APPLICABLE))
    if kind == "yes_no":
        values.append(st.booleans())
    elif kind == "single_choice":
        values.append(st.sampled_from([o.value for o in question.options]))
    elif kind == "multiple_choice":
        values.append(st.lists(st.sampled_from([o.value for o in question.options]),
                               unique=True))
    elif kind == "number":
        low = question.min if question.min is not None else -1e6
        high = question.max if question.max is not None else 1e6
        values.append(st.integers(int(low), int(high)) if question.integer
                      else st.floats(low, high, allow_nan=False))
    elif kind == "date":
        values.append(st.dates().map(lambda d: d.isoformat()))
    else:
        values.append(st.text(max_size=50))
    return st.one_of(values)


@st.composite
def real_answer_sets(draw):
    definition = draw(st.sampled_from(REAL))
    answers = {}
    for question in questions(definition):
        value = draw(_answer_strategy(question))
        if value is not None:
            answers[question.id] = value
    return definition, answers


@settings(max_examples=300, deadline=None)
@given(real_answer_sets())
def test_any_answers_give_a_score_within_0_and_100_and_findings_only_for_visible(case):
    definition, answers = case
    result = evaluate(definition, answers)
    assert 0 <= result.score <= 100
    assert result.band is not None
    shown = set(visible_question_ids(definition, answers))
    assert {f.question_id for f in result.findings} <= shown
    assert {c.question_id for c in result.contributions} <= shown
    index = question_index(definition)
    assert all(index[c.question_id].weight for c in result.contributions)
    # Discarding hidden answers changes nothing.
    assert evaluate(definition, keep_visible(definition, answers)) == result


def _weighted_definition(weight_yes: float, weight_no: float) -> Questionnaire:
    """Two questions: one answered well, one raising a finding (earns 0)."""
    return _questionnaire([_section("s", [
        _q("good", weight=weight_yes, findings=[_finding("good")]),
        _q("bad", weight=weight_no, findings=[_finding("bad")]),
    ])], [_band("low", 85, 100), _band("medium", 60, 84), _band("high", 0, 59)])


def test_a_score_of_84_and_a_half_rounds_up_into_the_low_band():
    # 169 of 200 is 84.5: round() would give 84 (banker's rounding) and the medium band.
    evaluation = evaluate(_weighted_definition(169, 31), {"good": True, "bad": False})
    assert 100 * evaluation.earned / evaluation.possible == 84.5
    assert evaluation.score == 85
    assert evaluation.band is not None and evaluation.band.code == "low"


@pytest.mark.parametrize(("earned", "lost", "score", "band"), [
    (1689, 311, 84, "medium"),   # 84.45 stays below the boundary
    (169, 31, 85, "low"),        # 84.5 reaches it
    (119, 81, 60, "medium"),     # 59.5 rounds up into medium
    (118, 82, 59, "high"),       # 59.0
    (1, 7, 13, "high"),          # 12.5 → 13, not 12
])
def test_scores_round_half_up_at_the_band_boundaries(earned, lost, score, band):
    evaluation = evaluate(_weighted_definition(earned, lost), {"good": True, "bad": False})
    assert evaluation.score == score
    assert evaluation.band is not None and evaluation.band.code == band


def test_band_codes_come_from_the_questionnaire():
    from portal.selfcheck.engine import band_codes

    assert band_codes(_weighted_definition(1, 1)) == ("low", "medium", "high")
    assert band_codes(_questionnaire([])) == ()


# --------------------------------------------------------------------------- stored form

def test_a_stored_result_keeps_its_shape():
    # Submitted results (self_checks.result) and the findings backfill read this JSON:
    # evaluating the typed questionnaire must give it key for key, in the same order.
    stored = questionnaire_from_stored(TEST_QUESTIONNAIRE)
    result = evaluate(stored, {"licensed": False}).as_dict()
    assert json.dumps(result, ensure_ascii=False) == json.dumps({
        "findings": [{"question_id": "licensed", "obligation": "t-01", "severity": "high",
                      "action": {"zh_Hans": "办理许可证", "en": "Get a licence"},
                      "correction_working_days": 5, "exemptions": [],
                      "problem": {"zh_Hans": "未持证经营", "en": "Not licensed"}}],
        "contributions": [{"question_id": "licensed", "weight": 10.0, "earned": 0.0,
                           "outcome": "finding"}],
        "earned": 0.0, "possible": 10.0, "score": 0,
        "band": TEST_QUESTIONNAIRE["bands"][0],
        "missing_required": []}, ensure_ascii=False)


@pytest.mark.parametrize("definition", [to_jsonable(g.questionnaire) for g in
                                        load_content(CONTENT_ROOT).guides.values()])
def test_the_stored_band_is_the_one_of_the_stored_definition(definition):
    typed = questionnaire_from_stored(definition)
    for score in range(101):
        band = band_for(typed, score)
        assert band is not None
        stored = [b for b in definition["bands"] if b["min"] <= score <= b["max"]]
        assert Evaluation((), (), 0, 0, score, band, ()).as_dict()["band"] == stored[0]


def test_a_stored_questionnaire_without_problems_heads_findings_by_the_question():
    # Questionnaire versions stored before findings had a problem text.
    old = copy.deepcopy(TEST_QUESTIONNAIRE)
    del old["sections"][0]["questions"][0]["findings"][0]["problem"]
    [finding] = evaluate(questionnaire_from_stored(old), {"licensed": False}).findings
    assert finding.problem == {"zh_Hans": "是否持证经营？", "en": "Licensed?"}
    [current] = evaluate(questionnaire_from_stored(TEST_QUESTIONNAIRE),
                         {"licensed": False}).findings
    assert current.problem == {"zh_Hans": "未持证经营", "en": "Not licensed"}
