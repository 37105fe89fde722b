"""The notification centre: what happened to a user's cases, in the app and by email."""

from portal.notifications.routes import bp

__all__ = ["bp"]
