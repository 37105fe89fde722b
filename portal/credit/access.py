"""Who may see or act on which credit record and repair application.

Enterprise users see their acting enterprise's records (an agent only while the
mandate runs); officers and legal reviewers see the records of their
department (the deciding authority). Anything else is "not found".
"""

from __future__ import annotations

from typing import Literal

from flask import abort, g
from flask_login import current_user

from portal.accounts.models import Membership, User
from portal.core.permissions import Permission, Role, role_has
from portal.credit.models import CreditRecord, RepairApplication, RepairFile
from portal.extensions import db

Action = Literal["view", "edit", "decide"]

_PERMISSIONS: dict[tuple[bool, Action], Permission] = {
    (True, "view"): Permission.CREDIT_OWN_VIEW,
    (True, "edit"): Permission.CREDIT_OWN_EDIT,
    (False, "view"): Permission.CREDIT_DEPARTMENT_VIEW,
    (False, "decide"): Permission.CREDIT_DEPARTMENT_DECIDE,
}


def is_in_scope(user: User, enterprise_id: int, department_code: str, *,
                membership: Membership | None) -> bool:
    """Return whether an object of ``enterprise_id`` before ``department_code`` is the user's."""
    if membership is not None:
        return enterprise_id == membership.enterprise_id
    department = getattr(user, "department", None)
    return (user.staff_role is not None and department is not None
            and department.code == department_code)


def may(user: User, enterprise_id: int, department_code: str, action: Action, *,
        role: Role | None, membership: Membership | None) -> bool:
    """Return whether the user, acting as ``role``, may ``action`` such an object."""
    if not is_in_scope(user, enterprise_id, department_code, membership=membership):
        return False
    permission = _PERMISSIONS.get((membership is not None, action))
    return permission is not None and role_has(role, permission)


def _check(enterprise_id: int, department_code: str, action: Action) -> None:
    membership = g.get("membership")
    if not current_user.is_authenticated or not is_in_scope(
            current_user, enterprise_id, department_code, membership=membership):
        abort(404)
    if not may(current_user, enterprise_id, department_code, action, role=g.get("role"),
               membership=membership):
        abort(403)


def load_record_for(record_id: int, action: Action) -> CreditRecord:
    """Return a record the current user may ``action``.

    :raises NotFound: it does not exist or is not the user's to know about.
    :raises Forbidden: it is in the user's scope but the role may not ``action`` it.
    """
    record = db.session.get(CreditRecord, record_id)
    if record is None:
        abort(404)
    _check(record.enterprise_id, record.department_code, action)
    return record


def load_application_for(application_id: int, action: Action) -> RepairApplication:
    """Return a repair application the current user may ``action`` (404/403 otherwise)."""
    application = db.session.get(RepairApplication, application_id)
    if application is None:
        abort(404)
    _check(application.enterprise_id, application.department_code, action)
    return application


def load_file_for(application_id: int, file_id: int) -> RepairFile:
    """Return a file of an application the current user may see (404 for anyone else's)."""
    application = load_application_for(application_id, "view")
    row = db.session.get(RepairFile, file_id)
    if row is None or row.application_id != application.id:
        abort(404)
    return row
