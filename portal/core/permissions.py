"""Named permissions, the one table of who holds them, and route guards.

Access is denied by default: a permission not in a role's row is not held.
Object-level checks (is this enterprise yours?) live in each feature's
``load_*_for`` loaders; this module answers only "may this role do that".
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g
from flask_login import current_user

from portal.extensions import login_manager


class Role(StrEnum):
    """What a signed-in user acts as in the current request."""

    ENTERPRISE_ADMIN = "enterprise_admin"
    ENTERPRISE_MEMBER = "enterprise_member"
    ENTERPRISE_AGENT = "enterprise_agent"
    OFFICER = "officer"
    LEGAL_REVIEWER = "legal_reviewer"
    ADMIN = "admin"


class Permission(StrEnum):
    """Things a role may do, as ``scope:resource:action``. Keep alphabetised."""

    ADMIN_AUDIT_VIEW = "admin:audit:view"
    ADMIN_CONTENT_VIEW = "admin:content:view"
    ADMIN_DEPARTMENTS_MANAGE = "admin:departments:manage"
    ADMIN_USERS_MANAGE = "admin:users:manage"
    CASE_DEPARTMENT_DECIDE = "case:department:decide"
    CASE_DEPARTMENT_VIEW = "case:department:view"
    CASE_OWN_EDIT = "case:own:edit"
    CASE_OWN_VIEW = "case:own:view"
    CREDIT_DEPARTMENT_DECIDE = "credit:department:decide"
    CREDIT_DEPARTMENT_VIEW = "credit:department:view"
    CREDIT_OWN_EDIT = "credit:own:edit"
    CREDIT_OWN_VIEW = "credit:own:view"
    ENTERPRISE_MEMBERS_MANAGE = "enterprise:members:manage"
    ENTERPRISE_MEMBERS_VIEW = "enterprise:members:view"
    ENTERPRISE_PROFILE_EDIT = "enterprise:profile:edit"
    ENTERPRISE_PROFILE_VIEW = "enterprise:profile:view"
    EXEMPTION_DEPARTMENT_DECIDE = "exemption:department:decide"
    EXEMPTION_DEPARTMENT_REVIEW = "exemption:department:review"
    EXEMPTION_DEPARTMENT_VIEW = "exemption:department:view"
    EXEMPTION_OWN_EDIT = "exemption:own:edit"
    EXEMPTION_OWN_VIEW = "exemption:own:view"
    SELFCHECK_DEPARTMENT_VIEW = "selfcheck:department:view"
    SELFCHECK_OWN_EDIT = "selfcheck:own:edit"
    SELFCHECK_OWN_VIEW = "selfcheck:own:view"


#: What everyone acting for an enterprise may do, agents included.
_ENTERPRISE_ACTING = {
    Permission.CASE_OWN_EDIT,
    Permission.CASE_OWN_VIEW,
    Permission.CREDIT_OWN_EDIT,
    Permission.CREDIT_OWN_VIEW,
    Permission.ENTERPRISE_PROFILE_VIEW,
    Permission.EXEMPTION_OWN_EDIT,
    Permission.EXEMPTION_OWN_VIEW,
    Permission.SELFCHECK_OWN_EDIT,
    Permission.SELFCHECK_OWN_VIEW,
}
_ENTERPRISE_STAFF = _ENTERPRISE_ACTING | {Permission.ENTERPRISE_MEMBERS_VIEW}
_OFFICERS = {Permission.SELFCHECK_DEPARTMENT_VIEW, Permission.CASE_DEPARTMENT_VIEW,
             Permission.CREDIT_DEPARTMENT_VIEW, Permission.EXEMPTION_DEPARTMENT_VIEW}

#: The single source of who may do what.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ENTERPRISE_ADMIN: frozenset(_ENTERPRISE_STAFF | {Permission.ENTERPRISE_MEMBERS_MANAGE,
                                                          Permission.ENTERPRISE_PROFILE_EDIT}),
    Role.ENTERPRISE_MEMBER: frozenset(_ENTERPRISE_STAFF),
    # An agent (授权委托) acts for the enterprise but does not see its staff list.
    Role.ENTERPRISE_AGENT: frozenset(_ENTERPRISE_ACTING),
    # Officers order corrections, review them, decide exemptions and credit repairs;
    # legal reviewers read cases and credit records and review proposed exemption
    # decisions (never their own: the workflow's guard and a database constraint see to it).
    Role.OFFICER: frozenset(_OFFICERS | {Permission.CASE_DEPARTMENT_DECIDE,
                                         Permission.CREDIT_DEPARTMENT_DECIDE,
                                         Permission.EXEMPTION_DEPARTMENT_DECIDE}),
    Role.LEGAL_REVIEWER: frozenset(_OFFICERS | {Permission.EXEMPTION_DEPARTMENT_REVIEW}),
    Role.ADMIN: frozenset({
        Permission.ADMIN_AUDIT_VIEW,
        Permission.ADMIN_CONTENT_VIEW,
        Permission.ADMIN_DEPARTMENTS_MANAGE,
        Permission.ADMIN_USERS_MANAGE,
    }),
}


def role_has(role: Role | None, permission: Permission) -> bool:
    """Return whether ``role`` holds ``permission``."""
    return role is not None and permission in ROLE_PERMISSIONS.get(role, frozenset())


def current_role() -> Role | None:
    """Return the role the signed-in user acts as in this request, if any."""
    if not current_user.is_authenticated:
        return None
    return g.get("role")


def can(permission: Permission) -> bool:
    """Return whether the current user holds ``permission`` (for templates)."""
    return role_has(current_role(), permission)


F = TypeVar("F", bound=Callable[..., Any])


def require(permission: Permission) -> Callable[[F], F]:
    """Guard a view: sign-in required, then ``permission`` (403 otherwise)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
