"""The real questionnaires ask what the law requires of whom (issue 9, §3 Questionnaires).

Each test answers a real questionnaire as a compliant business would, except for the
facts it names, and checks which questions are asked and which findings are raised.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from portal.core.text import to_zh_hant
from portal.guides.content import Content, load_content
from portal.guides.content.model import Questionnaire
from portal.selfcheck.engine import (
    NOT_APPLICABLE,
    evaluate,
    question_index,
    visible_question_ids,
)
from tests.unit.guides.conftest import REAL_CONTENT


@cache
def content() -> Content:
    return load_content(REAL_CONTENT)


def questionnaire(slug: str) -> Questionnaire:
    return content().guides[slug].questionnaire


def _compliant_answer(question: Any) -> Any:
    # The answer that raises none of the question's findings.
    triggered = {(f.when.op, f.when.value) for f in question.findings}
    if question.type == "yes_no":
        # A question without findings is a fact that opens others: "no" unless told.
        return ("equals", False) in triggered
    if question.type == "single_choice":
        return next(o.value for o in question.options
                    if ("equals", o.value) not in triggered)
    if question.type == "number":
        return int(question.min or 0)
    return None


def answer(slug: str, facts: dict[str, Any]) -> dict[str, Any]:
    """Answer every question shown, compliantly unless ``facts`` says otherwise."""
    definition = questionnaire(slug)
    index = question_index(definition)
    answers: dict[str, Any] = {}
    while True:
        shown = [qid for qid in visible_question_ids(definition, answers) if qid not in answers]
        if not shown:
            return answers
        qid = shown[0]
        answers[qid] = facts[qid] if qid in facts else _compliant_answer(index[qid])


def problems(slug: str, facts: dict[str, Any]) -> dict[str, str]:
    """Return {question id: problem (en)} of the findings raised."""
    result = evaluate(questionnaire(slug), answer(slug, facts))
    return {f.question_id: f.problem["en"] for f in result.findings}


def asked(slug: str, facts: dict[str, Any]) -> set[str]:
    return set(visible_question_ids(questionnaire(slug), answer(slug, facts)))


# --- Chemicals ----------------------------------------------------------------------

PLASTICS_MAKER = {"produces_hazchem": False, "trades_hazchem": False,
                  "stores_hazchem_site": False, "employees": 40}


def test_every_questionnaire_can_be_answered_without_a_finding() -> None:
    for slug in content().guides:
        assert problems(slug, {}) == {}, slug


def test_a_storage_operator_with_120_staff_and_part_time_managers_gets_a_finding() -> None:
    # 安全生产法 Art. 24: storers of dangerous goods need full-time safety managers.
    facts = PLASTICS_MAKER | {"stores_hazchem_site": True, "employees": 120,
                              "safety_staffing_full_time": "part_time"}
    found = problems("chemicals", facts)
    assert found["safety_staffing_full_time"] == ("No safety management body and no "
                                                  "full-time safety managers")


def test_a_trader_with_ten_staff_needs_full_time_safety_managers() -> None:
    facts = PLASTICS_MAKER | {"trades_hazchem": True, "employees": 10,
                              "safety_staffing_full_time": "part_time"}
    assert "safety_staffing_full_time" in problems("chemicals", facts)
    assert "safety_managers" not in asked("chemicals", facts)


def test_any_business_over_100_staff_needs_full_time_safety_managers() -> None:
    facts = PLASTICS_MAKER | {"employees": 101, "safety_staffing_full_time": "part_time"}
    assert "safety_staffing_full_time" in problems("chemicals", facts)


def test_100_staff_without_hazardous_chemicals_may_have_part_time_managers() -> None:
    facts = PLASTICS_MAKER | {"employees": 100, "safety_managers": "part_time"}
    assert problems("chemicals", facts) == {}
    assert "safety_staffing_full_time" not in asked("chemicals", facts)
    assert "No safety managers" in problems(
        "chemicals", PLASTICS_MAKER | {"safety_managers": "none"})["safety_managers"]


def test_licences_are_asked_of_producers_and_traders_only() -> None:
    producer = PLASTICS_MAKER | {"produces_hazchem": True}
    trader = PLASTICS_MAKER | {"trades_hazchem": True}
    assert {"production_safety_licence"} <= asked("chemicals", producer)
    assert "business_licence_hazchem" not in asked("chemicals", producer)
    assert "business_licence_hazchem" in asked("chemicals", trader)
    assert "production_safety_licence" not in asked("chemicals", trader)
    assert not {"production_safety_licence", "business_licence_hazchem"} & asked(
        "chemicals", PLASTICS_MAKER)
    found = problems("chemicals", trader | {"business_licence_hazchem": False})
    assert found["business_licence_hazchem"] == "No valid hazardous-chemical business licence"
    assert "business_licence_hazchem" not in problems(
        "chemicals", trader | {"business_licence_hazchem": NOT_APPLICABLE})


def test_an_unlicensed_producer_stops_at_once() -> None:
    result = evaluate(questionnaire("chemicals"), answer(
        "chemicals", PLASTICS_MAKER | {"produces_hazchem": True,
                                       "production_safety_licence": False}))
    finding = next(f for f in result.findings if f.question_id == "production_safety_licence")
    assert finding.correction_working_days == 0
    assert finding.obligation == "CHE-15"


def test_major_hazards_are_followed_up_only_when_found() -> None:
    storer = PLASTICS_MAKER | {"stores_hazchem_site": True}
    assert "major_hazard_identification" in asked("chemicals", storer)
    assert "major_hazard_filed" not in asked("chemicals", storer)  # none found
    found = problems("chemicals", storer | {"major_hazard_identification": "found",
                                            "major_hazard_filed": False})
    assert found["major_hazard_filed"].startswith("Major hazard installations are not filed")
    assert "major_hazard_identification" in problems(
        "chemicals", storer | {"major_hazard_identification": "not_done"})
    assert "major_hazard_identification" not in asked("chemicals", PLASTICS_MAKER)


def test_storage_and_toxic_questions_go_to_the_businesses_they_concern() -> None:
    storer = PLASTICS_MAKER | {"stores_hazchem_site": True}
    assert {"dedicated_store", "store_keeper", "store_register"} <= asked("chemicals", storer)
    assert "dedicated_store" not in asked("chemicals", PLASTICS_MAKER | {"trades_hazchem": True})
    assert "toxic_two_person_custody" not in asked("chemicals", storer)
    toxic = storer | {"stores_toxic": True, "toxic_two_person_custody": False,
                      "toxic_storage_filed": False}
    assert {"toxic_two_person_custody", "toxic_storage_filed"} <= set(problems("chemicals", toxic))
    seller = PLASTICS_MAKER | {"trades_hazchem": True, "handles_toxic_or_precursor": True,
                               "toxic_sales_filed": False}
    assert "toxic_sales_filed" in problems("chemicals", seller)
    assert "handles_toxic_or_precursor" not in asked("chemicals", PLASTICS_MAKER)


def test_chemicals_obligations_cite_the_articles_they_rest_on() -> None:
    obligations = {o.code: o for o in content().guides["chemicals"].obligations}

    def cited(code: str) -> set[tuple[str, str | None]]:
        return {(c.law, c.article["zh_Hans"] if c.article else None)
                for c in obligations[code].legal_basis}

    assert ("work_safety_law", "第二十四条") in cited("CHE-05")
    assert ("hazardous_chemicals_regulations", "第三十三条") in cited("CHE-16")
    assert ("work_safety_law", "第四十条") in cited("CHE-17")
    assert ("hazardous_chemicals_regulations", "第二十四条第一款") in cited("CHE-18")
    assert ("hazardous_chemicals_regulations", "第四十一条") in cited("CHE-21")


# --- Catering -----------------------------------------------------------------------

RESTAURANT = {"business_type": "restaurant"}
SCHOOL_CANTEEN = {"business_type": "canteen", "canteen_kind": "school"}


def test_a_school_canteen_without_samples_gets_a_finding() -> None:
    found = problems("catering", SCHOOL_CANTEEN | {"samples_kept": False})
    assert found["samples_kept"] == "Not every dish of every meal is sampled"
    short = problems("catering", SCHOOL_CANTEEN | {"samples_quantity_kept": False})
    assert "125 g" in short["samples_quantity_kept"]


def test_samples_are_asked_of_the_kitchens_the_operating_code_names() -> None:
    for facts in (SCHOOL_CANTEEN, {"business_type": "canteen", "canteen_kind": "elderly_care"},
                  {"business_type": "canteen", "canteen_kind": "medical"},
                  {"business_type": "central_kitchen"},
                  RESTAURANT | {"large_gatherings": True}):
        assert "samples_kept" in asked("catering", facts), facts


def test_a_restaurant_without_large_gatherings_is_not_asked_about_samples() -> None:
    for facts in (RESTAURANT, RESTAURANT | {"large_gatherings": False},
                  {"business_type": "canteen", "canteen_kind": "other"},
                  {"business_type": "drinks"}, {"business_type": "snack_bar"}):
        assert not {"samples_kept", "samples_quantity_kept", "samples_recorded"} & asked(
            "catering", facts), facts
    assert "large_gatherings" not in asked("catering", {"business_type": "drinks"})


def test_every_caterer_is_asked_about_fire_equipment_and_escape_routes() -> None:
    found = problems("catering", RESTAURANT | {"escape_routes_clear": False,
                                               "fire_equipment_working": False})
    assert found["escape_routes_clear"].startswith("Escape routes or exits are blocked")
    assert "fire_equipment_working" in found
    result = evaluate(questionnaire("catering"), answer(
        "catering", RESTAURANT | {"escape_routes_clear": False}))
    blocked = next(f for f in result.findings if f.question_id == "escape_routes_clear")
    assert blocked.correction_working_days == 0 and blocked.obligation == "CAT-14"


REGISTRATION_FACTS = ("registered_name_current", "registered_address_current",
                      "registered_scope_current", "registered_representative_current")


def test_registration_is_asked_one_fact_at_a_time_with_yes_compliant() -> None:
    definition = questionnaire("catering")
    index = question_index(definition)
    assert "registration_current" not in index  # new ids: old answers never carried over
    for qid in REGISTRATION_FACTS:
        assert [(f.when.op, f.when.value) for f in index[qid].findings] == [("equals", False)]
        found = problems("catering", RESTAURANT | {qid: False})
        assert list(found) == [qid]


def test_no_yes_no_question_raises_a_finding_on_yes() -> None:
    # "Yes" is the compliant answer everywhere (the reversed expired_found is gone).
    for slug, guide in content().guides.items():
        for question in guide.questionnaire.questions:
            if question.type == "yes_no":
                assert all(f.when.value is False for f in question.findings), (slug, question.id)


# --- Construction -------------------------------------------------------------------

CONTRACTOR = {"role": "general_contractor", "active_site": True}


def test_a_site_without_its_project_sign_gets_a_finding() -> None:
    assert problems("construction", CONTRACTOR | {"project_sign": False}) == {
        "project_sign": "No project sign at the site"}


def test_night_work_near_homes_needs_an_emergency_or_a_certificate_and_notice() -> None:
    assert "night_work_basis" not in asked("construction", CONTRACTOR)
    night = CONTRACTOR | {"night_work_near_homes": True}
    assert problems("construction", night | {"night_work_basis": "emergency"}) == {}
    emergency = night | {"night_work_basis": "emergency"}
    assert "night_work_notice" not in asked("construction", emergency)
    assert "night_work_basis" in problems("construction", night | {"night_work_basis": "neither"})
    assert "night_work_notice" in problems("construction", night | {
        "night_work_basis": "certified", "night_work_notice": False})
    assert "night_work_near_homes" not in asked(
        "construction", {"role": "supervision", "active_site": True})


def test_wage_duties_fall_on_the_general_contractor_and_real_names_on_subcontractors_too() -> None:
    contractor_duties = {"wage_account", "wage_deposit", "rights_notice_board"}
    assert contractor_duties | {"workers_registered"} <= asked("construction", CONTRACTOR)
    subcontractor = {"role": "subcontractor", "active_site": True}
    assert "workers_registered" in asked("construction", subcontractor)
    assert not contractor_duties & asked("construction", subcontractor)
    assert not (contractor_duties | {"workers_registered"}) & asked(
        "construction", {"role": "general_contractor", "active_site": False})
    found = problems("construction", CONTRACTOR | {"wage_account": False,
                                                   "rights_notice_board": False})
    assert set(found) == {"wage_account", "rights_notice_board"}
    obligations = {o.code: o for o in content().guides["construction"].obligations}
    articles = {code: [c.article["zh_Hans"] for c in obligations[code].legal_basis if c.article]
                for code in ("CON-12", "CON-13", "CON-14", "CON-15", "CON-16")}
    assert articles == {"CON-12": ["第四十三条"], "CON-13": ["第二十六条"],
                        "CON-14": ["第二十八条"], "CON-15": ["第三十二条"],
                        "CON-16": ["第三十四条"]}


# --- Routing: divisions 51 and 52 by class --------------------------------------------


def _slug(code: str) -> str | None:
    guide = content().guide_for_division(code)
    return guide.slug if guide else None


def test_fuel_stations_and_chemical_wholesalers_get_the_chemicals_self_check() -> None:
    for code in ("5162", "5166", "5167", "5169", "5265", "5266"):
        assert _slug(code) == "chemicals", code


def test_food_wholesalers_and_retailers_get_the_food_self_check() -> None:
    for code in ("5121", "5129", "5211", "5212", "5213", "5221", "5229"):
        assert _slug(code) == "food_retail", code


def test_other_wholesale_and_retail_and_a_bare_division_get_no_food_self_check() -> None:
    # A clothes shop, a car dealer, a charging station, a coal wholesaler: no guide yet.
    for code in ("5132", "5232", "5261", "5267", "5161", "51", "52"):
        assert _slug(code) is None, code


def test_a_class_of_an_undivided_division_goes_to_its_divisions_guide() -> None:
    assert _slug("2614") == "chemicals"
    assert _slug("62") == "catering" and _slug("6210") == "catering"


def test_new_content_reads_as_hong_kong_traditional() -> None:
    assert to_zh_hant("开设农民工工资专用账户") == "開設農民工工資專用帳戶"
    assert to_zh_hant("并输入计算机系统") == "並輸入電腦系統"
