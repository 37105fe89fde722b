"""Each fact the portal derives for the officer, at its boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.cases.models import CaseStatus, CaseSubmission
from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.exemptions import facts
from portal.exemptions.facts import Bearing
from portal.extensions import db
from tests.exemptions.helpers import MINOR, apply, entries, grant, verify_all
from tests.factories import make_entry


@pytest.fixture(autouse=True)
def context(app):  # type: ignore[no-untyped-def]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def storage(app):  # type: ignore[no-untyped-def]
    return app.extensions["storage"]


def _granted(world, storage, *, entry=MINOR, days_ago: int):  # type: ignore[no-untyped-def]
    """Grant an application for a violation ``days_ago`` days ago; return its decision."""
    application = apply(world, storage, entry=entry,
                        violation_on=local_today() - dt.timedelta(days=days_ago))
    verify_all(world, application)
    return grant(world, application)


def test_look_back_comes_from_the_condition_then_the_repeat_rule():
    assert facts.look_back_months({"conditions": [{"type": "first_discovery",
                                                   "look_back_months": 24}]}) == 24
    assert facts.look_back_months({"conditions": [], "repeat_rule": {
        "exempt_again": False, "look_back_months": 12}}) == 12
    assert facts.look_back_months({"conditions": [{"type": "no_harm"}]}) is None


def test_an_earlier_grant_within_the_look_back_contradicts_first_violation(world, storage):
    entries(world)
    make_entry("window-01", department=world.department.code,
               conditions=[{"type": "first_discovery", "look_back_months": 12},
                           {"type": "no_harm"}])
    db.session.commit()
    earlier = _granted(world, storage, entry="window-01", days_ago=30)
    later = apply(world, storage, entry="window-01", violation_on=local_today())
    fact = facts.earlier_decisions(db.session, later)
    assert fact.bearing == Bearing.CONTRADICTS
    assert fact.values["numbers"] == [earlier.document_number]
    assert "condition.first_discovery" in fact.concerns


def test_an_earlier_grant_outside_the_look_back_does_not_count(world, storage):
    entries(world)
    make_entry("window-01", department=world.department.code,
               conditions=[{"type": "first_discovery", "look_back_months": 1},
                           {"type": "no_harm"}])
    db.session.commit()
    earlier = _granted(world, storage, entry="window-01", days_ago=5)
    # Decided today: a violation more than a month after it is outside the window …
    after_window = facts._add_months(earlier.issued_on, 1) + dt.timedelta(days=1)
    application = apply(world, storage, entry="window-01", violation_on=local_today())
    application.violation_on = after_window
    assert facts.earlier_decisions(db.session, application).bearing == Bearing.SUPPORTS
    # … one exactly a month after it is inside.
    application.violation_on = facts._add_months(earlier.issued_on, 1)
    assert facts.earlier_decisions(db.session, application).bearing == Bearing.CONTRADICTS
    db.session.rollback()


def test_an_exemption_of_the_same_kind_ever_contradicts_not_exempted_before(world, storage):
    entries(world)
    # Another entry sharing the obligation "t-01" is the same kind of violation.
    make_entry("same-kind-01", department=world.department.code)
    make_entry("other-kind-01", department=world.department.code, extra={"obligations": ["x"]})
    db.session.commit()
    first = apply(world, storage, entry="other-kind-01")
    assert facts.exempted_before(db.session, first).bearing == Bearing.SUPPORTS
    earlier = _granted(world, storage, days_ago=400)
    same = apply(world, storage, entry="same-kind-01")
    fact = facts.exempted_before(db.session, same)
    assert fact.bearing == Bearing.CONTRADICTS and fact.values["numbers"] == [
        earlier.document_number]
    assert facts.exempted_before(db.session, first).bearing == Bearing.SUPPORTS


def test_the_linked_case_says_whether_the_correction_was_in_time(world, storage):
    entries(world)
    case = world.case
    application = apply(world, storage, case=case)
    assert facts.rectification(application).bearing == Bearing.UNKNOWN  # still open
    db.session.add(CaseSubmission(case=case, description="已改正", completed_on=case.due_date,
                                  commitment_text="承诺", submitted_by_id=world.enterprise_admin.id,
                                  submitted_at=utcnow()))
    case.status = CaseStatus.RECTIFIED
    db.session.flush()
    fact = facts.rectification(application)
    assert fact.bearing == Bearing.SUPPORTS and fact.values["completed_on"] == case.due_date
    case.submissions[-1].completed_on = case.due_date + dt.timedelta(days=1)
    assert facts.rectification(application).bearing == Bearing.CONTRADICTS
    case.status = CaseStatus.NOT_RECTIFIED
    assert facts.rectification(application).bearing == Bearing.CONTRADICTS
    db.session.rollback()


def test_no_linked_case_leaves_the_timing_to_the_officer(world, storage):
    entries(world)
    assert facts.rectification(apply(world, storage)).bearing == Bearing.UNKNOWN


def test_the_limitation_period_ends_two_years_after_the_violation(world, storage):
    entries(world)
    application = apply(world, storage)
    ended = application.violation_on
    application.submitted_on = facts._add_months(ended, 24)
    assert facts.limitation(application).values["passed"] is False
    application.submitted_on = facts._add_months(ended, 24) + dt.timedelta(days=1)
    assert facts.limitation(application).values["passed"] is True
    # A continuing violation counts from its end.
    application.violation_ended_on = ended + dt.timedelta(days=10)
    assert facts.limitation(application).values["passed"] is False
    assert facts.limitation(application).values["serious_limit"] == facts._add_months(
        application.violation_ended_on, 60)
    db.session.rollback()


def test_white_list_and_observation_period_are_shown_while_they_run(world, storage):
    entries(world)
    application = apply(world, storage)
    today = local_today()
    world.enterprise.white_listed_until = today
    world.enterprise.observation_until = today - dt.timedelta(days=1)
    fact = facts.supervision(application, today=today)
    assert fact.values == {"white_listed_until": today, "observation_until": None}
    db.session.rollback()


def test_facts_are_found_beside_the_conditions_they_concern(world, storage):
    entries(world)
    application = apply(world, storage)
    derived = facts.derive_facts(db.session, application, today=local_today())
    assert {f.code for f in derived} == {"earlier_decisions", "rectification",
                                         "exempted_before", "limitation", "supervision"}
    found = facts.facts_for_condition(derived, "03:baseline.not_exempted_before")
    assert [f.code for f in found] == ["exempted_before"]
