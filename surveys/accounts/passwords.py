"""Password hashing (scrypt by default through Werkzeug)."""

from __future__ import annotations

from functools import lru_cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from surveys.translatable import NP_

MIN_PASSWORD_LENGTH = 10
# The rule, as the form and check_new_password say it (the hint says "At least 10 characters.").
PASSWORD_TOO_SHORT = NP_(
    "The password must have at least %(count)s character.",
    "The password must have at least %(count)s characters.",
)


def hash_password(password: str) -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    return check_password_hash(password_hash, password)


@lru_cache(maxsize=4)
def _decoy_hash(method: str) -> str:
    return generate_password_hash("decoy password, never valid", method=method)


def spend_a_password_check(password: str) -> None:
    """Verify against a decoy hash so that an unknown email takes as long as a wrong password."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    verify_password(_decoy_hash(method), password)
