"""Password hashing and strength, and the HTTP security headers."""

from __future__ import annotations

import re
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, Response, request

_hasher = PasswordHasher()


def configure_hasher(*, time_cost: int, memory_cost: int) -> None:
    """Set Argon2id cost parameters (lower only in tests)."""
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)


def hash_password(password: str) -> str:
    """Return an Argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Return whether ``password`` matches ``password_hash``."""
    if not password_hash:
        # Spend the same time as a real check so that timing reveals nothing.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Return whether the hash was made with older parameters."""
    return _hasher.check_needs_rehash(password_hash)


class PasswordProblem(StrEnum):
    """Why a password is refused (the form maps each to a message)."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    NEEDS_LETTERS_AND_DIGITS = "needs_letters_and_digits"
    TOO_COMMON = "too_common"
    CONTAINS_IDENTITY = "contains_identity"


_COMMON = {
    "password", "password1", "password123", "1234567890", "qwertyuiop", "12345678910",
    "iloveyou123", "a123456789", "abc1234567", "qwerty123456", "woaini1314", "1qaz2wsx3edc",
    "p@ssw0rd123", "admin12345", "nansha12345",
}


def password_problems(password: str, *, min_length: int,
                      identities: tuple[str, ...] = ()) -> list[PasswordProblem]:
    """Return every reason ``password`` is too weak (empty when it is acceptable)."""
    problems = []
    if len(password) < min_length:
        problems.append(PasswordProblem.TOO_SHORT)
    if len(password) > 128:
        problems.append(PasswordProblem.TOO_LONG)
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        problems.append(PasswordProblem.NEEDS_LETTERS_AND_DIGITS)
    if password.lower() in _COMMON:
        problems.append(PasswordProblem.TOO_COMMON)
    lowered = password.lower()
    for identity in identities:
        identity = (identity or "").lower().split("@")[0]
        if len(identity) >= 4 and identity in lowered:
            problems.append(PasswordProblem.CONTAINS_IDENTITY)
            break
    return problems


CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def add_security_headers(response: Response) -> Response:
    """Add the security headers every response carries."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def register_security_headers(app: Flask) -> None:
    """Attach the security headers to every response of ``app``."""
    app.after_request(add_security_headers)
