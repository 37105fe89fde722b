"""Who may see or edit which self-check: predicates for templates, loaders for routes.

The predicates decide once; routes reach a self-check only through
``load_self_check_for`` (404 when it is not the user's to know about, 403 when
it is but the role may not do the action) and templates ask the same
predicates through the ``can_view_self_check``/``can_edit_self_check`` globals.

Officer scope is the set of departments stored on the self-check when it was
started (``SelfCheck.departments``), never the guide content of today.
"""

from __future__ import annotations

from typing import Any, Literal

from flask import Flask, abort, g
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.accounts.models import Membership, User
from portal.core.permissions import Permission, Role, role_has
from portal.extensions import db
from portal.selfcheck.models import SelfCheck, SelfCheckStatus

Action = Literal["view", "edit"]


def is_in_scope(user: User, self_check: SelfCheck, *, membership: Membership | None) -> bool:
    """Return whether the self-check is the user's to know about at all.

    Enterprise users see their acting enterprise's self-checks; officers see
    submitted self-checks whose stored scope names their department.
    """
    if membership is not None:
        return self_check.enterprise_id == membership.enterprise_id
    department = getattr(user, "department", None)
    return (department is not None and self_check.status == SelfCheckStatus.SUBMITTED
            and department.code in self_check.department_codes)


def can_view_self_check(user: User, self_check: SelfCheck, *, role: Role | None,
                        membership: Membership | None) -> bool:
    """Return whether the user, acting as ``role``, may read the self-check."""
    if not is_in_scope(user, self_check, membership=membership):
        return False
    permission = (Permission.SELFCHECK_OWN_VIEW if membership is not None
                  else Permission.SELFCHECK_DEPARTMENT_VIEW)
    return role_has(role, permission)


def can_edit_self_check(user: User, self_check: SelfCheck, *, role: Role | None,
                        membership: Membership | None) -> bool:
    """Return whether the user may change the self-check's answers (a draft of theirs)."""
    return (membership is not None and self_check.status == SelfCheckStatus.DRAFT
            and is_in_scope(user, self_check, membership=membership)
            and role_has(role, Permission.SELFCHECK_OWN_EDIT))


def _acting() -> dict[str, Any]:
    return {"role": g.get("role") if current_user.is_authenticated else None,
            "membership": g.get("membership")}


def load_self_check_for(self_check_id: int, action: Action) -> SelfCheck:
    """Return a self-check the current user may ``action``.

    An edit of a submitted self-check is allowed through: the route sends the
    user to its result.

    :raises NotFound: it does not exist, is another enterprise's, or is outside the
        officer's department.
    :raises Forbidden: it is in the user's scope, but the role may not ``action`` it.
    """
    # Every self-check page works on its questionnaire: read it in the same statement.
    self_check = db.session.get(SelfCheck, self_check_id,
                                options=[joinedload(SelfCheck.questionnaire)])
    acting = _acting()
    if self_check is None or not current_user.is_authenticated or not is_in_scope(
            current_user, self_check, membership=acting["membership"]):
        abort(404)
    if action == "view":
        allowed = can_view_self_check(current_user, self_check, **acting)
    else:
        allowed = (acting["membership"] is not None
                   and role_has(acting["role"], Permission.SELFCHECK_OWN_EDIT))
    if not allowed:
        abort(403)
    return self_check


def register_template_predicates(app: Flask) -> None:
    """Let templates ask the same predicates for the signed-in user."""

    def view(self_check: SelfCheck) -> bool:
        return current_user.is_authenticated and can_view_self_check(
            current_user, self_check, **_acting())

    def edit(self_check: SelfCheck) -> bool:
        return current_user.is_authenticated and can_edit_self_check(
            current_user, self_check, **_acting())

    app.jinja_env.globals.update(can_view_self_check=view, can_edit_self_check=edit)
