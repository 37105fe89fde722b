"""Who may manage which membership: the predicates the members page and routes share."""

from __future__ import annotations

import pytest

from portal.accounts.access import (
    can_change_mandate,
    can_manage_membership,
    can_revoke_membership,
)
from portal.accounts.models import Membership, MembershipRole, MembershipStatus, User
from portal.core.permissions import Role

OWN, OTHER = 1, 2


def _membership(*, user_id=10, enterprise_id=OWN, role=MembershipRole.MEMBER,
                status=MembershipStatus.ACTIVE) -> Membership:
    return Membership(user_id=user_id, enterprise_id=enterprise_id, role=role, status=status)


ADMIN_USER = User(id=1)
ACTING_ADMIN = _membership(user_id=1, role=MembershipRole.ADMIN)


def test_an_administrator_manages_active_memberships_of_their_enterprise():
    member = _membership()
    agent = _membership(role=MembershipRole.AGENT)
    kwargs = {"role": Role.ENTERPRISE_ADMIN, "acting": ACTING_ADMIN}
    assert can_revoke_membership(ADMIN_USER, member, **kwargs)
    assert not can_change_mandate(member, **kwargs)  # only agents have a mandate
    assert can_change_mandate(agent, **kwargs)
    assert can_revoke_membership(ADMIN_USER, agent, **kwargs)


def test_nobody_revokes_their_own_access_from_the_page():
    assert can_manage_membership(ACTING_ADMIN, role=Role.ENTERPRISE_ADMIN, acting=ACTING_ADMIN)
    assert not can_revoke_membership(ADMIN_USER, ACTING_ADMIN, role=Role.ENTERPRISE_ADMIN,
                                     acting=ACTING_ADMIN)


def test_another_enterprises_memberships_are_out_of_reach():
    other = _membership(enterprise_id=OTHER, role=MembershipRole.AGENT)
    kwargs = {"role": Role.ENTERPRISE_ADMIN, "acting": ACTING_ADMIN}
    assert not can_revoke_membership(ADMIN_USER, other, **kwargs)
    assert not can_change_mandate(other, **kwargs)


def test_revoked_memberships_offer_no_action():
    revoked = _membership(role=MembershipRole.AGENT, status=MembershipStatus.REVOKED)
    kwargs = {"role": Role.ENTERPRISE_ADMIN, "acting": ACTING_ADMIN}
    assert not can_revoke_membership(ADMIN_USER, revoked, **kwargs)
    assert not can_change_mandate(revoked, **kwargs)


@pytest.mark.parametrize("role", [Role.ENTERPRISE_MEMBER, Role.ENTERPRISE_AGENT, Role.OFFICER,
                                  Role.ADMIN, None])
def test_other_roles_manage_nobody(role):
    agent = _membership(role=MembershipRole.AGENT)
    acting = _membership(user_id=1, role=MembershipRole.MEMBER)
    assert not can_revoke_membership(ADMIN_USER, agent, role=role, acting=acting)
    assert not can_change_mandate(agent, role=role, acting=acting)
    assert not can_change_mandate(agent, role=role, acting=None)
