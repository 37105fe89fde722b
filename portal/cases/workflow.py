"""The rectification case's state machine (STYLE.md 7): one table on the generic helper.

======================  =====================  ========================  ===============
action                  from                   to                        who
======================  =====================  ========================  ===============
submit (report)         open, supplement_req.  submitted                 enterprise
withdraw (the report)   submitted              open                      enterprise
request_supplement      submitted              supplement_requested      officer
accept (复查合格)        submitted              rectified                 officer
accept (on site)        open, supplement_req.  rectified                 officer, after
                                                                          a re-inspection
find_not_rectified      submitted              not_rectified             officer
find_not_rectified      open, supplement_req.  not_rectified             officer, once
                                                                          overdue
======================  =====================  ========================  ===============

"Enterprise" is anyone acting for the case's enterprise (an agent while the
mandate runs); "officer" is an officer of the case's department. Legal
reviewers of the department read cases but take none of these actions.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.cases.models import ENTERPRISE_TURN, Case, CaseStatus
from portal.core.clock import local_today
from portal.core.permissions import Permission, Role
from portal.core.workflow import Transition, Workflow


def role_of(case: Case, actor: User) -> Role | None:
    """Return the role ``actor`` holds toward ``case``: staff only within its department."""
    if actor.staff_role is not None:
        department = actor.department
        if department is None or department.code != case.department_code:
            return None
        return actor.staff_role
    return actor.role_toward(case.enterprise_id)


def _reinspected(_session: Session, case: Case, _actor: User) -> Any:
    if not case.reinspections:
        return _l("Record the on-site re-inspection first: without a report from the "
                  "enterprise, only a re-inspection shows that it was put right.")
    return None


def _overdue(_session: Session, case: Case, _actor: User) -> Any:
    if case.status in ENTERPRISE_TURN and local_today() > case.due_date:
        return None
    return _l("The enterprise still has time to report: a case can be found not put right "
              "before its report only once its deadline has passed.")


_ENTERPRISE_WAITS = (CaseStatus.OPEN, CaseStatus.SUPPLEMENT_REQUESTED)

CASE_WORKFLOW: Workflow[CaseStatus] = Workflow(
    Case, states=CaseStatus, audit_area="case", object_type="case", role_of=role_of,
    invalid_message=_l("This case has moved on since; here is where it stands now."),
    transitions=[
        Transition(_ENTERPRISE_WAITS, CaseStatus.SUBMITTED,
                   permission=Permission.CASE_OWN_EDIT, name="submit"),
        Transition(CaseStatus.SUBMITTED, CaseStatus.OPEN,
                   permission=Permission.CASE_OWN_EDIT, name="withdraw", event="withdrawn"),
        Transition(CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT_REQUESTED,
                   permission=Permission.CASE_DEPARTMENT_DECIDE, name="request_supplement"),
        Transition(CaseStatus.SUBMITTED, CaseStatus.RECTIFIED,
                   permission=Permission.CASE_DEPARTMENT_DECIDE, name="accept"),
        Transition(_ENTERPRISE_WAITS, CaseStatus.RECTIFIED,
                   permission=Permission.CASE_DEPARTMENT_DECIDE, name="accept_on_site",
                   guard=_reinspected),
        Transition(CaseStatus.SUBMITTED, CaseStatus.NOT_RECTIFIED,
                   permission=Permission.CASE_DEPARTMENT_DECIDE, name="find_not_rectified"),
        Transition(_ENTERPRISE_WAITS, CaseStatus.NOT_RECTIFIED,
                   permission=Permission.CASE_DEPARTMENT_DECIDE, name="find_overdue",
                   guard=_overdue),
    ])
