"""Single-use, expiring password links (invitations and resets). Flush only; callers commit.

The link carries a random token; the database keeps only its SHA-256, so reading the database
(or a backup) does not give anyone a working link.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from surveys.accounts.models import PasswordToken, TokenPurpose, User
from surveys.columns import utcnow
from surveys.extensions import db

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 100  # anything longer is not one of ours; refused before hashing


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def token_lifetime() -> timedelta:
    return timedelta(days=int(current_app.config.get("TOKEN_MAX_AGE_DAYS", 7)))


def issue_token(
    user: User,
    purpose: TokenPurpose | str,
    *,
    created_by: User | None = None,
    now: datetime | None = None,
) -> str:
    """A new link for `user`; earlier open links of the same purpose stop working."""
    now = now or utcnow()
    revoke_open_tokens(user, purpose=purpose, now=now)
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(
        PasswordToken(
            user_id=user.id,
            purpose=str(purpose),
            token_hash=hash_token(raw),
            created_at=now,
            expires_at=now + token_lifetime(),
            created_by_id=created_by.id if created_by is not None else None,
        )
    )
    db.session.flush()
    return raw


def find_token(raw: str, purpose: TokenPurpose | str) -> PasswordToken | None:
    """The stored token for this link and purpose, usable or not (None if unknown)."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    return db.session.scalar(
        select(PasswordToken).where(
            PasswordToken.token_hash == hash_token(raw), PasswordToken.purpose == str(purpose)
        )
    )


def usable_token(
    raw: str, purpose: TokenPurpose | str, now: datetime | None = None
) -> PasswordToken | None:
    """The token if the link still works: not used, not replaced, not expired, account enabled."""
    token = find_token(raw, purpose)
    if token is None or not token.is_usable(now or utcnow()) or not token.user.is_enabled:
        return None
    return token


def consume_token(token: PasswordToken, now: datetime | None = None) -> bool:
    """Mark the token used; False if another request used or revoked it first.

    A conditional UPDATE rather than a read-then-write, so that two workers given the same link
    at the same moment cannot both succeed.
    """
    now = now or utcnow()
    result = db.session.execute(
        update(PasswordToken)
        .where(
            PasswordToken.id == token.id,
            PasswordToken.used_at.is_(None),
            PasswordToken.revoked_at.is_(None),
            PasswordToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(token)
    return result.rowcount == 1


def revoke_open_tokens(
    user: User, *, purpose: TokenPurpose | str | None = None, now: datetime | None = None
) -> int:
    """Stop every open link of the user (of one purpose, or all); returns how many."""
    now = now or utcnow()
    statement = (
        update(PasswordToken)
        .where(
            PasswordToken.user_id == user.id,
            PasswordToken.used_at.is_(None),
            PasswordToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if purpose is not None:
        statement = statement.where(PasswordToken.purpose == str(purpose))
    return db.session.execute(statement).rowcount


def users_with_open_tokens(
    user_ids: Iterable[int], purpose: TokenPurpose | str, now: datetime | None = None
) -> set[int]:
    """Which of these users hold a link of this purpose that still works (one query)."""
    ids = set(user_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(PasswordToken.user_id).where(
                PasswordToken.user_id.in_(ids),
                PasswordToken.purpose == str(purpose),
                PasswordToken.used_at.is_(None),
                PasswordToken.revoked_at.is_(None),
                PasswordToken.expires_at > (now or utcnow()),
            )
        )
    )


def recent_token_count(user: User, purpose: TokenPurpose | str, since: datetime) -> int:
    return db.session.scalar(
        select(func.count(PasswordToken.id)).where(
            PasswordToken.user_id == user.id,
            PasswordToken.purpose == str(purpose),
            PasswordToken.created_at >= since,
        )
    )
