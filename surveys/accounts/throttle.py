"""Sign-in throttling, per account and per address, kept in the database so that every web worker
sees the same counts. Flush only; callers commit.

A lock is not a flag that someone must clear: it is the fact that too many failures happened
within the window, so it lifts by itself when the oldest counted failure leaves the window.

Counting is atomic: `reserve_attempt` records the attempt as a failure first (it becomes a
success only once the password is verified), and attempts on the same account or from the same
address are counted one after the other, so parallel guesses cannot all slip under the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from surveys.accounts.models import LoginAttempt
from surveys.columns import utcnow
from surveys.engine import lock_names
from surveys.extensions import db

# Attempts are kept a day at most: long enough for any window, short enough to stay small.
RETENTION = timedelta(days=1)
# Many focal points sign in from one government network address; a whole office should not be
# locked out by one person's typos, so an address gets more failures than an account.
DEFAULT_ADDRESS_FACTOR = 4


@dataclass(frozen=True)
class Limits:
    account_failures: int
    address_failures: int
    window: timedelta


def current_limits() -> Limits:
    config = current_app.config
    per_account = int(config.get("LOGIN_MAX_FAILURES", 5))
    per_address = config.get("LOGIN_MAX_FAILURES_PER_ADDRESS")
    return Limits(
        account_failures=per_account,
        address_failures=int(per_address or per_account * DEFAULT_ADDRESS_FACTOR),
        window=timedelta(minutes=int(config.get("LOGIN_WINDOW_MINUTES", 15))),
    )


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()[:254]


def record_attempt(
    email: str, ip: str | None, *, succeeded: bool, now: datetime | None = None
) -> None:
    db.session.add(
        LoginAttempt(
            email=normalise_email(email), ip=ip or "", succeeded=succeeded, at=now or utcnow()
        )
    )
    db.session.flush()


def reserve_attempt(
    email: str, ip: str | None, now: datetime | None = None
) -> tuple[LoginAttempt, datetime | None]:
    """Record an attempt (failed until the password is verified) and whether it is locked out.

    The caller commits before checking the password: the attempt counts for everyone else from
    then on, and the slow password check holds no lock.
    """
    now = now or utcnow()
    email = normalise_email(email)
    lock_names(f"sign-in:{email}", f"sign-in:{ip or ''}")
    attempt = LoginAttempt(email=email, ip=ip or "", succeeded=False, at=now)
    db.session.add(attempt)
    db.session.flush()  # SQLite: from here other sign-ins wait for our commit
    return attempt, locked_until(email, ip, now, excluding=attempt.id)


def locked_until(
    email: str, ip: str | None, now: datetime | None = None, *, excluding: int | None = None
) -> datetime | None:
    """When sign-in may be tried again for this email or from this address; None if not locked.

    `excluding`: an attempt not to count (the one being decided).
    """
    now = now or utcnow()
    limits = current_limits()
    candidates = [
        _account_lock(normalise_email(email), now, limits, excluding),
        _address_lock(ip or "", now, limits, excluding) if ip else None,
    ]
    locks = [moment for moment in candidates if moment is not None and moment > now]
    return max(locks) if locks else None


def _account_lock(
    email: str, now: datetime, limits: Limits, excluding: int | None
) -> datetime | None:
    # A successful sign-in wipes the slate for the account (its owner knows the password).
    since = now - limits.window
    last_success = db.session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email == email, LoginAttempt.succeeded, LoginAttempt.at > since
        )
    )
    if last_success is not None:
        since = last_success
    failures = select(LoginAttempt.at).where(
        LoginAttempt.email == email, ~LoginAttempt.succeeded, LoginAttempt.at > since
    )
    return _lock_end(failures, limits.account_failures, limits.window, excluding)


def _address_lock(ip: str, now: datetime, limits: Limits, excluding: int | None) -> datetime | None:
    # No reset on success here: an attacker with one valid account must not be able to clear it.
    failures = select(LoginAttempt.at).where(
        LoginAttempt.ip == ip, ~LoginAttempt.succeeded, LoginAttempt.at > now - limits.window
    )
    return _lock_end(failures, limits.address_failures, limits.window, excluding)


def _lock_end(failures, limit: int, window: timedelta, excluding: int | None) -> datetime | None:
    """If at least `limit` failures: the moment the limit-th latest one leaves the window."""
    if excluding is not None:
        failures = failures.where(LoginAttempt.id != excluding)
    moments = db.session.scalars(failures.order_by(LoginAttempt.at.desc()).limit(limit)).all()
    if len(moments) < limit:
        return None
    return moments[limit - 1] + window


def prune_attempts(now: datetime | None = None) -> int:
    now = now or utcnow()
    result = db.session.execute(
        delete(LoginAttempt)
        .where(LoginAttempt.at < now - max(RETENTION, current_limits().window))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
