"""The open-data API keeps the promises of its OpenAPI document (Schemathesis).

Schemathesis generates requests from ``/api/v1/openapi.json`` — valid ones and
ones that break the stated minimums, formats and enums — and checks every answer
against the document: no 5xx, the declared status codes, content types and
response schemas. Examples are bounded and derandomised so that CI is stable.

(Schemathesis's own pytest plugin does not yet support this pytest; the
strategies are driven by Hypothesis directly, which is what the plugin does.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_the_document_lists_the_api_operations(app):
    labels = [operation.label for operation in _operations(app)]
    assert sorted(labels) == ["GET /decisions", "GET /decisions/{id}", "GET /exemption-entries",
                              "GET /precheck/{key}"]


@pytest.fixture
def published_decision(app, world):  # type: ignore[no-untyped-def]
    """Return the id of a decision published since yesterday (the world's enterprise)."""
    import datetime as dt

    from portal.core.clock import local_today
    from portal.extensions import db
    from tests.exemptions.helpers import apply, entries, grant, verify_all

    with app.test_request_context():
        entries(world)
        application = apply(world, app.extensions["storage"])
        verify_all(world, application)
        decision = grant(world, application)
        decision.publish_on = local_today() - dt.timedelta(days=1)
        db.session.commit()
        return decision.id


#: Operations on one object whose id generated requests cannot guess: checked with a real one.
BY_ID = {"GET /decisions/{id}"}


def test_a_published_decision_conforms_to_the_document(app, published_decision):
    operation = next(o for o in _operations(app) if o.label == "GET /decisions/{id}")
    response = operation.Case(path_parameters={"id": published_decision}).call_and_validate()
    assert response.status_code == 200


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_conforms_to_its_document(app, world, published_decision, mode):
    operations = _operations(app)
    strategy = st.one_of(*(operation.as_strategy(generation_mode=mode)
                           for operation in operations))
    seen: list[int] = []
    served: dict[str, set[int]] = {}

    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case):  # type: ignore[no-untyped-def]
        response = case.call_and_validate()
        seen.append(response.status_code)
        served.setdefault(case.operation.label, set()).add(response.status_code)

    check()
    assert seen, "no request was generated"
    if mode is GenerationMode.NEGATIVE:
        assert 400 in seen  # requests that break the document are refused, not served
    else:
        assert 200 in seen
        assert {label for label, codes in served.items() if 200 in codes} == {
            operation.label for operation in operations} - BY_ID, served
