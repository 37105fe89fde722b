"""Public pages: home, language choice, health check."""

from portal.main.routes import bp

__all__ = ["bp"]
