"""Who may manage which membership: predicates for templates, loaders for routes.

The members page asks the same predicates as the routes, so a button is shown
exactly when the action behind it is allowed.
"""

from __future__ import annotations

from flask import Flask, abort, g
from flask_login import current_user

from portal.accounts.models import Enterprise, Membership, MembershipRole, MembershipStatus, User
from portal.core.permissions import Permission, Role, can, role_has
from portal.extensions import db


def can_manage_membership(membership: Membership, *, role: Role | None,
                          acting: Membership | None) -> bool:
    """Return whether the acting member may manage ``membership`` (same enterprise, admin)."""
    return (acting is not None and membership.enterprise_id == acting.enterprise_id
            and role_has(role, Permission.ENTERPRISE_MEMBERS_MANAGE)
            and membership.status == MembershipStatus.ACTIVE)


def can_revoke_membership(user: User, membership: Membership, *, role: Role | None,
                          acting: Membership | None) -> bool:
    """Return whether to offer removing ``membership``'s access (never one's own).

    The service still refuses removing the last administrator.
    """
    return (can_manage_membership(membership, role=role, acting=acting)
            and membership.user_id != user.id)


def can_change_mandate(membership: Membership, *, role: Role | None,
                       acting: Membership | None) -> bool:
    """Return whether the acting member may change ``membership``'s mandate (agents only)."""
    return (can_manage_membership(membership, role=role, acting=acting)
            and membership.role == MembershipRole.AGENT)


def load_enterprise_for(enterprise_id: int, permission: Permission) -> Enterprise:
    """Return the enterprise the user acts for, if it is ``enterprise_id``.

    :raises NotFound: the enterprise is not the user's (never reveals whether it exists).
    :raises Forbidden: it is the user's, but the role lacks ``permission``.
    """
    membership: Membership | None = g.get("membership")
    if membership is None or membership.enterprise_id != enterprise_id:
        abort(404)
    if not can(permission):
        abort(403)
    return membership.enterprise


def load_membership_for(enterprise: Enterprise, membership_id: int) -> Membership:
    """Return a membership of ``enterprise``.

    :raises NotFound: no such membership in this enterprise.
    """
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.enterprise_id != enterprise.id:
        abort(404)
    return membership


def register_template_predicates(app: Flask) -> None:
    """Let templates ask the same predicates for the signed-in user."""

    def revoke(membership: Membership) -> bool:
        return current_user.is_authenticated and can_revoke_membership(
            current_user, membership, role=g.get("role"), acting=g.get("membership"))

    def mandate(membership: Membership) -> bool:
        return current_user.is_authenticated and can_change_mandate(
            membership, role=g.get("role"), acting=g.get("membership"))

    app.jinja_env.globals.update(can_revoke_membership=revoke, can_change_mandate=mandate)
