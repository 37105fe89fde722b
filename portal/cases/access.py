"""Who may see or act on which case: one predicate for pages and loaders for routes.

Enterprise users see their acting enterprise's cases (an agent only while the
mandate runs: the request then has no acting membership); officers and legal
reviewers see their department's. Anything else is "not found".
"""

from __future__ import annotations

from typing import Literal

from flask import abort, g
from flask_login import current_user

from portal.accounts.models import Membership, User
from portal.cases.models import Case, EvidenceFile
from portal.core.permissions import Permission, Role, role_has
from portal.extensions import db

Action = Literal["view", "edit", "decide"]

_PERMISSIONS: dict[tuple[bool, Action], Permission] = {
    (True, "view"): Permission.CASE_OWN_VIEW,
    (True, "edit"): Permission.CASE_OWN_EDIT,
    (False, "view"): Permission.CASE_DEPARTMENT_VIEW,
    (False, "decide"): Permission.CASE_DEPARTMENT_DECIDE,
}


def is_in_scope(user: User, case: Case, *, membership: Membership | None) -> bool:
    """Return whether the case is the user's to know about at all."""
    if membership is not None:
        return case.enterprise_id == membership.enterprise_id
    department = getattr(user, "department", None)
    return (user.staff_role is not None and department is not None
            and department.code == case.department_code)


def may(user: User, case: Case, action: Action, *, role: Role | None,
        membership: Membership | None) -> bool:
    """Return whether the user, acting as ``role``, may ``action`` the case."""
    if not is_in_scope(user, case, membership=membership):
        return False
    permission = _PERMISSIONS.get((membership is not None, action))
    return permission is not None and role_has(role, permission)


def load_case_for(case_id: int, action: Action) -> Case:
    """Return a case the current user may ``action``.

    :raises NotFound: it does not exist or is not the user's to know about.
    :raises Forbidden: it is in the user's scope but the role may not ``action`` it.
    """
    case = db.session.get(Case, case_id)
    membership = g.get("membership")
    if case is None or not current_user.is_authenticated or not is_in_scope(
            current_user, case, membership=membership):
        abort(404)
    if not may(current_user, case, action, role=g.get("role"), membership=membership):
        abort(403)
    return case


def load_file_for(case_id: int, file_id: int) -> tuple[Case, EvidenceFile]:
    """Return a file of a case the current user may see (404 for anyone else's)."""
    case = load_case_for(case_id, "view")
    row = db.session.get(EvidenceFile, file_id)
    if row is None or row.case_id != case.id:
        abort(404)
    return case, row
