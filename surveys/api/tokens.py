"""Personal access tokens: issuing, checking (with the rate limit) and revoking. Flush only,
except `use_token`, which commits its own bookkeeping (see there).

A token is "nmy_" followed by 43 random URL-safe characters; the database keeps its SHA-256 and
its first characters (to recognise it in a list), so a copy of the database opens nothing.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, case, select, update

from surveys.accounts.models import User
from surveys.accounts.tokens import hash_token
from surveys.api.models import ApiToken
from surveys.audit.models import AuditEvent
from surveys.audit.operations import client_address, record
from surveys.columns import UTCDateTime, utcnow
from surveys.extensions import db

TOKEN_PREFIX = "nmy_"  # noqa: S105 - the marker of our tokens, not a secret
PREFIX_SHOWN = 12  # "nmy_" and 8 characters: enough to tell one's tokens apart
MAX_TOKEN_LENGTH = 100
MAX_NAME_LENGTH = 100


class TokenError(ValueError):
    """A token could not be created as asked (the message says why, for the form)."""


def default_days() -> int:
    return int(current_app.config.get("API_TOKEN_DAYS", 90))


def max_days() -> int:
    return int(current_app.config.get("API_TOKEN_MAX_DAYS", 366))


def issue_api_token(
    user: User, name: str, days: int | None = None, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user` (audited); returns the row and the token, shown only once."""
    now = now or utcnow()
    name = (name or "").strip()
    days = default_days() if days is None else days
    if not name:
        raise TokenError("name")
    if len(name) > MAX_NAME_LENGTH:
        raise TokenError("name")
    if not 1 <= days <= max_days():
        raise TokenError("days")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(raw),
        prefix=raw[:PREFIX_SHOWN],
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    record(
        "api_token.created",
        target_type="api_token",
        target_id=token.id,
        details={"name": name, "owner": user.email, "expires_at": token.expires_at.isoformat()},
    )
    return token, raw


def revoke_api_token(token: ApiToken, by: User | None, now: datetime | None = None) -> bool:
    """Stop the token at once (audited); False if it was already revoked. `by`: None for the
    command line."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    token.revoked_by_id = by.id if by is not None else None
    record(
        "api_token.revoked",
        target_type="api_token",
        target_id=token.id,
        details={"name": token.name, "owner": token.user.email},
        actor=by,
    )
    return True


def revoke_tokens_of_deactivated(user: User, *, actor: User | None, now: datetime) -> None:
    """A deactivated person's tokens stop for good (`accounts.operations.user_deactivated`):
    reactivating the account later gives back no key handed out before."""
    for token in tokens_of(user):
        if token.expires_at > now:
            revoke_api_token(token, actor, now)


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def active_tokens(now: datetime | None = None) -> list[ApiToken]:
    """Every token that still works, newest first (the admin's list)."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


# --- Using a token -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why a request's token was not accepted: an error code of the API and its HTTP status."""

    code: str
    status: int
    retry_after: int | None = None


@dataclass(frozen=True)
class Accepted:
    token_id: int
    user: User
    remaining: int
    limit: int
    reset_after: int


def rate_limit() -> tuple[int, int]:
    config = current_app.config
    return int(config.get("API_RATE_LIMIT", 120)), int(config.get("API_RATE_WINDOW_SECONDS", 60))


def use_token(raw: str | None, now: datetime | None = None) -> Accepted | Refusal:
    """Check a request's token and count the request against its rate limit.

    One conditional UPDATE ... RETURNING both checks the token (known, not revoked, not
    expired) and counts the request in the token's window, so parallel requests on any number
    of workers are counted exactly (the row lock / SQLite's write lock orders them). The
    bookkeeping (last use, the count, the audit event of a refusal) is committed at once: an
    API request is read-only and writes nothing else.
    """
    now = now or utcnow()
    if not raw:
        return Refusal("token_missing", 401)
    if len(raw) > MAX_TOKEN_LENGTH or not raw.startswith(TOKEN_PREFIX):
        _refused("token_invalid", None, raw)
        return Refusal("token_invalid", 401)
    limit, window = rate_limit()
    digest = hash_token(raw)
    at = bindparam("now", now, type_=UTCDateTime)
    fresh_window = (ApiToken.window_started_at.is_(None)) | (
        ApiToken.window_started_at
        <= bindparam("cutoff", now - timedelta(seconds=window), type_=UTCDateTime)
    )
    row = db.session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == digest)
        .where(ApiToken.revoked_at.is_(None))
        .where(ApiToken.expires_at > at)
        .values(
            last_used_at=at,
            window_count=case((fresh_window, 1), else_=ApiToken.window_count + 1),
            window_started_at=case((fresh_window, at), else_=ApiToken.window_started_at),
        )
        .returning(ApiToken.id, ApiToken.user_id, ApiToken.window_count, ApiToken.window_started_at)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        code = _why_refused(digest, now)
        _refused(code, digest, raw)
        return Refusal(code, 401)
    token_id, user_id, count, started = row
    db.session.commit()
    reset_after = max(1, math.ceil((started + timedelta(seconds=window) - now).total_seconds()))
    if count > limit:
        return Refusal("rate_limited", 429, retry_after=reset_after)
    user = db.session.get(User, user_id)
    if user is None or not user.is_enabled:
        _refused("account_disabled", digest, raw)
        return Refusal("account_disabled", 401)
    return Accepted(token_id, user, limit - count, limit, reset_after)


def _why_refused(digest: str, now: datetime) -> str:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None:
        return "token_invalid"
    return "token_revoked" if token.revoked_at is not None else "token_expired"


# A token nobody was given is audited once a minute per address, however many requests bring
# one: a script guessing tokens, or a stale one left in a loop, cannot fill the audit log.
UNKNOWN_TOKEN_AUDIT_WINDOW = timedelta(minutes=1)


def _refused(code: str, digest: str | None, raw: str) -> None:
    """Audit a refused token (committed at once: the request itself fails)."""
    token = (
        db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest)) if digest else None
    )
    if token is None and _unknown_token_audited_lately():
        return
    record(
        "api_token.refused",
        target_type="api_token",
        target_id=token.id if token else None,
        details={"reason": code, "prefix": raw[:PREFIX_SHOWN]},
        actor=token.user if token else None,
        actor_label=None if token else "anonymous",
    )
    db.session.commit()


def _unknown_token_audited_lately() -> bool:
    """Whether a refusal of an unknown token from this address is in the audit log already,
    within the last UNKNOWN_TOKEN_AUDIT_WINDOW."""
    return (
        db.session.scalar(
            select(AuditEvent.id)
            .where(
                AuditEvent.action == "api_token.refused",
                AuditEvent.target_id.is_(None),
                AuditEvent.ip == client_address(),
                AuditEvent.at > utcnow() - UNKNOWN_TOKEN_AUDIT_WINDOW,
            )
            .limit(1)
        )
        is not None
    )
