"""Enterprise profile, members, agents' mandates and the user's own account."""

from portal.accounts.routes import bp

__all__ = ["bp"]
