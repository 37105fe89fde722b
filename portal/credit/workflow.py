"""The repair application's state machine (STYLE.md 7): one table on the generic helper.

=====================  =====================  =====================  ==========
action                 from                   to                     who
=====================  =====================  =====================  ==========
request_supplement     submitted              supplement_requested   officer
supplement             supplement_requested   submitted              enterprise
not_accept (不予受理)   submitted              not_accepted           officer
accept (受理)           submitted              accepted               officer
approve                accepted               approved               officer
refuse                 accepted               refused                officer
object (异议)           refused                objected               enterprise
grant_objection        objected               approved               officer
uphold_refusal         objected               refusal_upheld         officer
=====================  =====================  =====================  ==========

"Enterprise" is anyone acting for the record's enterprise (an agent while the
mandate runs); "officer" is an officer of the deciding authority's department.
Legal reviewers of the department read applications but take none of these steps.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.core.permissions import Permission, Role
from portal.core.workflow import Transition, Workflow
from portal.credit.models import RepairApplication, RepairStatus


def role_of(application: RepairApplication, actor: User) -> Role | None:
    """Return the role ``actor`` holds toward ``application``: staff only within its department."""
    if actor.staff_role is not None:
        department = actor.department
        if department is None or department.code != application.department_code:
            return None
        return actor.staff_role
    return actor.role_toward(application.enterprise_id)


_DECIDE = Permission.CREDIT_DEPARTMENT_DECIDE
_EDIT = Permission.CREDIT_OWN_EDIT

REPAIR_WORKFLOW: Workflow[RepairStatus] = Workflow(
    RepairApplication, states=RepairStatus, audit_area="credit_repair",
    object_type="credit_repair", role_of=role_of,
    invalid_message=_l("This application has moved on since; here is where it stands now."),
    transitions=[
        Transition(RepairStatus.SUBMITTED, RepairStatus.SUPPLEMENT_REQUESTED, permission=_DECIDE,
                   name="request_supplement"),
        Transition(RepairStatus.SUPPLEMENT_REQUESTED, RepairStatus.SUBMITTED, permission=_EDIT,
                   name="supplement", event="supplemented"),
        Transition(RepairStatus.SUBMITTED, RepairStatus.NOT_ACCEPTED, permission=_DECIDE,
                   name="not_accept"),
        Transition(RepairStatus.SUBMITTED, RepairStatus.ACCEPTED, permission=_DECIDE,
                   name="accept"),
        Transition(RepairStatus.ACCEPTED, RepairStatus.APPROVED, permission=_DECIDE,
                   name="approve"),
        Transition(RepairStatus.ACCEPTED, RepairStatus.REFUSED, permission=_DECIDE,
                   name="refuse"),
        Transition(RepairStatus.REFUSED, RepairStatus.OBJECTED, permission=_EDIT,
                   name="object"),
        Transition(RepairStatus.OBJECTED, RepairStatus.APPROVED, permission=_DECIDE,
                   name="grant_objection", event="objection_granted"),
        Transition(RepairStatus.OBJECTED, RepairStatus.REFUSAL_UPHELD, permission=_DECIDE,
                   name="uphold_refusal"),
    ])
