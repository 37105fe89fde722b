"""Who may see or act on which application and decision: predicates and route loaders.

Enterprise users see their acting enterprise's applications (an agent only while the
mandate runs); officers and legal reviewers see their department's. Anything else is
"not found" (404); in scope but not allowed is 403.
"""

from __future__ import annotations

from typing import Literal

from flask import abort, g
from flask_login import current_user

from portal.accounts.models import Membership, User
from portal.core.permissions import Permission, Role, role_has
from portal.exemptions.models import ApplicationFile, Decision, ExemptionApplication
from portal.extensions import db

Action = Literal["view", "edit", "decide", "review"]

_PERMISSIONS: dict[tuple[bool, Action], Permission] = {
    (True, "view"): Permission.EXEMPTION_OWN_VIEW,
    (True, "edit"): Permission.EXEMPTION_OWN_EDIT,
    (False, "view"): Permission.EXEMPTION_DEPARTMENT_VIEW,
    (False, "decide"): Permission.EXEMPTION_DEPARTMENT_DECIDE,
    (False, "review"): Permission.EXEMPTION_DEPARTMENT_REVIEW,
}


def is_in_scope(user: User, application: ExemptionApplication, *,
                membership: Membership | None) -> bool:
    """Return whether the application is the user's to know about at all."""
    if membership is not None:
        return application.enterprise_id == membership.enterprise_id
    department = getattr(user, "department", None)
    return (user.staff_role is not None and department is not None
            and department.code == application.department_code)


def may(user: User, application: ExemptionApplication, action: Action, *, role: Role | None,
        membership: Membership | None) -> bool:
    """Return whether the user, acting as ``role``, may ``action`` the application."""
    if not is_in_scope(user, application, membership=membership):
        return False
    permission = _PERMISSIONS.get((membership is not None, action))
    return permission is not None and role_has(role, permission)


def can_see_internal(role: Role | None) -> bool:
    """Return whether internal notes and the officers' record are shown (staff only)."""
    return role_has(role, Permission.EXEMPTION_DEPARTMENT_VIEW)


def load_application_for(application_id: int, action: Action) -> ExemptionApplication:
    """Return an application the current user may ``action``.

    :raises NotFound: it does not exist or is not the user's to know about.
    :raises Forbidden: it is in the user's scope but the role may not ``action`` it.
    """
    application = db.session.get(ExemptionApplication, application_id)
    membership = g.get("membership")
    if application is None or not current_user.is_authenticated or not is_in_scope(
            current_user, application, membership=membership):
        abort(404)
    if not may(current_user, application, action, role=g.get("role"), membership=membership):
        abort(403)
    return application


def load_file_for(application_id: int, file_id: int) -> tuple[ExemptionApplication,
                                                                ApplicationFile]:
    """Return a file of an application the current user may see (404 otherwise)."""
    application = load_application_for(application_id, "view")
    row = db.session.get(ApplicationFile, file_id)
    if row is None or row.application_id != application.id:
        abort(404)
    return application, row


def load_decision_for(decision_id: int, action: Action = "view") -> Decision:
    """Return a decision whose application the current user may ``action`` (404 otherwise)."""
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        abort(404)
    load_application_for(decision.application_id, action)
    return decision
