"""Password hashing (scrypt by default through Werkzeug)."""

from __future__ import annotations

from functools import lru_cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

MIN_PASSWORD_LENGTH = 10


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
