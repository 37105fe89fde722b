"""Password hashing and strength, and the HTTP security headers."""

from __future__ import annotations

import re
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, Response, request
from zxcvbn.frequency_lists import FREQUENCY_LISTS

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


#: The 30,000 most common passwords of breach corpora (zxcvbn's list), plus ones common
#: in China and this portal's own name, which those corpora underweight.
_COMMON = frozenset(FREQUENCY_LISTS["passwords"]) | {
    "woaini1314", "woaini520", "5201314", "1qaz2wsx3edc", "p@ssw0rd123", "admin12345",
    "nansha12345", "nansha2026", "guangzhou123", "zhongguo123", "aa123456789",
}

#: Digits and symbols people add to a common word to pass a length rule ("password123!").
_DECORATION = re.compile(r"^[\d\W_]*(?P<core>.*?)[\d\W_]*$")


def is_common_password(password: str) -> bool:
    """Return whether ``password`` is, or merely decorates, a commonly used password."""
    lowered = password.lower()
    if lowered in _COMMON:
        return True
    match = _DECORATION.match(lowered)
    core = match.group("core") if match else lowered
    return len(core) >= 4 and core in _COMMON


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
    if is_common_password(password):
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
