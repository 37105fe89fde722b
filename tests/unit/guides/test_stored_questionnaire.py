"""A stored questionnaire definition reads back into the same typed Questionnaire."""

from __future__ import annotations

from portal.guides.content import load_content
from portal.guides.content.stored import questionnaire_from_stored
from portal.guides.services import to_jsonable
from tests.unit.guides.conftest import REAL_CONTENT


def test_every_real_questionnaire_survives_the_round_trip_through_json() -> None:
    guides = load_content(REAL_CONTENT).guides
    assert guides
    for guide in guides.values():
        questionnaire = guide.questionnaire
        assert questionnaire_from_stored(to_jsonable(questionnaire)) == questionnaire, guide.slug
