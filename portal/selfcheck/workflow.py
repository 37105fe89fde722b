"""The self-check workflow: a draft is submitted by someone acting for its enterprise."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.core.permissions import Permission, Role
from portal.core.workflow import Transition, Workflow
from portal.selfcheck.models import SelfCheck, SelfCheckStatus


def _role_of(self_check: SelfCheck, actor: User) -> Role | None:
    return actor.role_toward(self_check.enterprise_id)


SELF_CHECK_WORKFLOW: Workflow[SelfCheckStatus] = Workflow(
    SelfCheck, states=SelfCheckStatus, audit_area="selfcheck", object_type="self_check",
    role_of=_role_of,
    invalid_message=_l("This self-check was already submitted; here is its confirmation."),
    transitions=[
        Transition(SelfCheckStatus.DRAFT, SelfCheckStatus.SUBMITTED,
                   permission=Permission.SELFCHECK_OWN_EDIT, name="submit"),
    ])
