"""Sign-in, sign-out, registration, passwords and invitations."""

from portal.auth.routes import bp

__all__ = ["bp"]
