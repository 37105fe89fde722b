"""Exemption applications for tests, made by the same services as the portal's pages."""

from __future__ import annotations

import datetime as dt

from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.exemptions import rules, services
from portal.exemptions.models import EducationForm, ExemptionApplication
from portal.extensions import db
from portal.guides.conditions import Corrected, Harm
from tests.factories import make_entry

#: A minor-violation entry (Art. 33(1), mandatory): no legal review by default.
MINOR = "minor-01"
#: A first-violation entry (首违不罚, discretionary): legal review by default.
FIRST = "first-01"


def entries(world, **overrides):  # type: ignore[no-untyped-def]
    """Create the two test entries under the world's department and confirm its short name."""
    world.department.short_name_confirmed = True
    make_entry(MINOR, department=world.department.code, **overrides)
    make_entry(FIRST, department=world.department.code, list_type="first_violation",
               ground="art33_1_first_violation",
               conditions=[{"type": "first_discovery"}, {"type": "slight_harm"},
                           {"type": "corrected_within_ordered_period"}])
    db.session.commit()


def statement(**overrides) -> services.ApplicationInput:  # type: ignore[no-untyped-def]
    """Return an application's statement: first time, no harm, corrected on the spot."""
    values = {"facts": "门店价签缺失，已当场补齐",
              "violation_on": local_today() - dt.timedelta(days=3),
              "harm": Harm.NONE, "harm_statement": "未造成消费者损失",
              "first_violation": True, "exempted_before": False,
              "corrected": Corrected.ON_THE_SPOT, "commitment_text": "本单位承诺所述属实"}
    values.update(overrides)
    return services.ApplicationInput(**values)


def apply(world, storage, *, entry: str = MINOR, actor=None, case=None,  # type: ignore[no-untyped-def]
          **overrides) -> ExemptionApplication:
    """Apply under ``entry`` for ``world.enterprise`` and commit."""
    application = services.open_application(
        db.session, storage, world.enterprise, actor=actor or world.enterprise_admin,
        entry_key=entry, statement=statement(**overrides), case=case, today=local_today(),
        now=utcnow(), review_working_days=10)
    db.session.commit()
    return application


def verify_all(world, application: ExemptionApplication, *, officer=None,  # type: ignore[no-untyped-def]
               confirmed: bool = True, **overrides) -> None:
    """Confirm every condition and record the education (and a reasoned choice)."""
    values = {"discretion_reason": "首次违法且当场改正，情节轻微",
              "education_form": EducationForm.TALK, "education_on": local_today(),
              "education_content": "讲解《明码标价和禁止价格欺诈规定》"}
    values.update(overrides)
    services.record_verification(
        db.session, application, actor=officer or world.officer,
        verification=services.Verification(
            checks={c.key: (confirmed, "已核实") for c in rules.conditions_of(application)},
            **values),
        expected_version=application.version, today=local_today(), now=utcnow())
    db.session.commit()


def grant(world, application: ExemptionApplication, *, officer=None):  # type: ignore[no-untyped-def]
    """Grant (or propose for legal review) and commit; return the decision, if any."""
    decision = services.grant(db.session, application, actor=officer or world.officer,
                              expected_version=application.version, today=local_today(),
                              now=utcnow(), disclosure_delay_working_days=7)
    db.session.commit()
    return decision
