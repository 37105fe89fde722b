"""Administration: staff accounts, departments and the audit trail."""

from portal.admin.routes import bp

__all__ = ["bp"]
