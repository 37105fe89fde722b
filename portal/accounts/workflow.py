"""The membership workflow: an active membership is revoked by an enterprise administrator."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Membership, MembershipRole, MembershipStatus, User
from portal.core.permissions import Permission, Role
from portal.core.workflow import Transition, Workflow


def active_admin_count(session: Session, enterprise_id: int) -> int:
    """Return how many active administrators the enterprise has."""
    return session.scalar(select(func.count(Membership.id)).where(
        Membership.enterprise_id == enterprise_id, Membership.role == MembershipRole.ADMIN,
        Membership.status == MembershipStatus.ACTIVE)) or 0


def _keeps_an_administrator(session: Session, membership: Membership, _actor: User) -> Any:
    """Refuse to remove the enterprise's last active administrator."""
    if (membership.role == MembershipRole.ADMIN
            and active_admin_count(session, membership.enterprise_id) <= 1):
        return _l("The enterprise must keep at least one administrator.")
    return None


def _role_of(membership: Membership, actor: User) -> Role | None:
    return actor.role_toward(membership.enterprise_id)


MEMBERSHIP_WORKFLOW: Workflow[MembershipStatus] = Workflow(
    Membership, states=MembershipStatus, audit_area="membership", object_type="membership",
    role_of=_role_of, invalid_message=_l("This person no longer has access."),
    transitions=[
        Transition(MembershipStatus.ACTIVE, MembershipStatus.REVOKED,
                   permission=Permission.ENTERPRISE_MEMBERS_MANAGE, name="revoke",
                   guard=_keeps_an_administrator),
    ])
