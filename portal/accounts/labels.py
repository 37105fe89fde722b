"""How account states and roles are named on pages, in every language."""

from flask_babel import lazy_gettext as _l

from portal.accounts.models import MembershipRole, MembershipStatus, UserKind

ROLE_LABELS = {
    MembershipRole.ADMIN: _l("Administrator"),
    MembershipRole.MEMBER: _l("Staff member"),
    MembershipRole.AGENT: _l("Agent (mandated)"),
}

STATUS_LABELS = {
    MembershipStatus.ACTIVE: _l("Has access"),
    MembershipStatus.REVOKED: _l("Access removed"),
}

KIND_LABELS = {
    UserKind.ENTERPRISE: _l("Enterprise user"),
    UserKind.OFFICER: _l("Officer"),
    UserKind.LEGAL_REVIEWER: _l("Legal reviewer"),
    UserKind.ADMIN: _l("Administrator"),
}
