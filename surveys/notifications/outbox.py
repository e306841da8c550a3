"""Queueing messages (flush only, committed with the change they announce), withdrawing those
whose news was overtaken before they went, and delivering the others.

A message is written once, when it is queued, in its recipient's language and time zone; it is
sent as written. When what it says stops being true before it went (a round's closing date
moved), its sender withdraws it (`withdraw_messages`) in the transaction that changes the fact.

Delivery is at-least-once. Each message is first claimed: one conditional UPDATE (status
"sending", committed) that only a due message that nobody withdrew passes; then handed to the
relay with no lock held; then marked sent or failed. So a withdrawal committed before the claim
stops the send, on SQLite as on PostgreSQL, and one that comes during the send does not wait for
the relay: it cannot unsend, but a failed attempt is then not retried. A claim older than the
lease (OUTBOX_SENDING_LEASE_SECONDS; the delivery died mid-send) lapses and the message is due
again, so a crash between the relay accepting a message and its marking may send it twice, but a
message is never lost. Failed attempts are retried with exponential backoff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context

from surveys.columns import utcnow
from surveys.extensions import db
from surveys.i18n import gettext as _
from surveys.notifications.delivery import Backend, DeliveryError, Mail, backend_from_config
from surveys.notifications.models import UNSENT, MessageStatus, OutboxMessage

DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_RETRY_BASE_SECONDS = 60
MAX_RETRY_DELAY = timedelta(hours=6)
DEFAULT_BATCH = 200
DEFAULT_SENDER = "no-reply@niamey-monitoring.invalid"
# How long a delivery's claim holds: far longer than a send takes (SMTP_TIMEOUT_SECONDS, 30 s,
# bounds each step of it), so that only a delivery that died lets it lapse.
DEFAULT_SENDING_LEASE = timedelta(minutes=10)


@dataclass
class DeliveryCounts:
    sent: int = 0
    failed: int = 0  # failed this time (retried later or given up)
    gave_up: int = 0  # of which no further attempt will be made
    skipped: int = 0  # claimed by another delivery, withdrawn, or no longer due

    def as_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "gave_up": self.gave_up,
            "skipped": self.skipped,
        }


def queue_message(
    *,
    recipient_email: str,
    subject: str,
    body: str,
    language: str,
    user_id: int | None = None,
    round_id: int | None = None,
    country_id: int | None = None,
    kind: str,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox (flush only). The same `dedupe_key` twice gives the first."""
    if dedupe_key is not None:
        existing = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        if existing is not None:
            return existing
    message = OutboxMessage(
        recipient_email=recipient_email.strip().lower(),
        subject=subject.replace("\r", " ").replace("\n", " ").strip()[:255],
        body=body,
        language=language,
        user_id=user_id,
        round_id=round_id,
        country_id=country_id,
        kind=kind,
        dedupe_key=dedupe_key,
        status=MessageStatus.PENDING.value,
        attempts=0,
        last_error="",
        created_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    return message


class ResendError(Exception):
    """A message that is not to be sent again; the message says why, in the reader's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def can_resend(message: OutboxMessage, *, recipient_active: bool = True) -> bool:
    """Whether "resend" makes sense: the message went (or failed), nothing it says was
    overtaken (it was never withdrawn), and its recipient, when it was written for an account,
    may still receive mail."""
    return (
        message.status in (MessageStatus.SENT, MessageStatus.FAILED)
        and message.withdrawn_at is None
        and recipient_active
    )


def resend(
    message: OutboxMessage, *, recipient_active: bool = True, now: datetime | None = None
) -> OutboxMessage:
    """Deliver a message again (flush only): a failed one is retried at once, a sent one is
    copied into a new pending message so the history keeps both.

    Refused (ResendError) for a message still waiting for delivery or being sent, for one
    that was withdrawn (what it says was overtaken), and for one whose recipient's account was
    deactivated (`recipient_active`, which the caller knows: accounts stand above
    notifications)."""
    now = now or utcnow()
    if message.withdrawn_at is not None:
        raise ResendError(
            _(
                "The message to %(email)s was withdrawn: what it says was overtaken, so it is "
                "not sent again.",
                email=message.recipient_email,
            )
        )
    if message.status in (MessageStatus.PENDING, MessageStatus.SENDING):
        raise ResendError(
            _(
                "The message to %(email)s has not been sent yet: it is waiting for delivery, "
                "so there is nothing to send again.",
                email=message.recipient_email,
            )
        )
    if not recipient_active:
        raise ResendError(
            _(
                "The account of %(email)s is deactivated: the message was not sent again.",
                email=message.recipient_email,
            )
        )
    if message.status == MessageStatus.SENT:
        return queue_message(
            recipient_email=message.recipient_email,
            subject=message.subject,
            body=message.body,
            language=message.language,
            user_id=message.user_id,
            round_id=message.round_id,
            country_id=message.country_id,
            kind=message.kind,
        )
    message.status = MessageStatus.PENDING.value
    message.attempts = 0
    message.next_attempt_at = now
    db.session.flush()
    return message


@dataclass
class Withdrawal:
    """What a withdrawal took back: `withdrawn`, never to be sent; `being_sent`, handed to the
    relay at that moment (sent unless that attempt fails, and then never retried)."""

    withdrawn: list[int] = field(default_factory=list)
    being_sent: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.withdrawn or self.being_sent)


def withdraw_messages(
    condition: sa.ColumnElement[bool], *, reason: str, now: datetime
) -> Withdrawal:
    """Withdraw every message matching `condition` that has not been sent (flush only; commit
    it with the change that overtook them). A sent message is never touched, a withdrawn one
    keeps its first reason. `reason` is a short code the caller's pages explain.

    One UPDATE: on PostgreSQL it waits for a delivery claiming one of these rows at that
    moment (milliseconds), then sees its claim; it never waits for the relay."""
    sending = OutboxMessage.status == MessageStatus.SENDING.value
    rows = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            condition,
            OutboxMessage.status.in_(UNSENT),
            OutboxMessage.withdrawn_at.is_(None),
        )
        .values(
            # One being sent stays "sending": its delivery marks it sent, or withdrawn if
            # the attempt fails.
            status=sa.case((sending, OutboxMessage.status), else_=MessageStatus.WITHDRAWN.value),
            next_attempt_at=sa.case((sending, OutboxMessage.next_attempt_at), else_=None),
            withdrawn_at=now,
            withdrawn_reason=reason,
        )
        .returning(OutboxMessage.id, OutboxMessage.status)
        .execution_options(synchronize_session=False)
    ).all()
    _expire_loaded(row.id for row in rows)
    withdrawal = Withdrawal()
    for message_id, status in sorted(rows):
        if status == MessageStatus.SENDING:
            withdrawal.being_sent.append(message_id)
        else:
            withdrawal.withdrawn.append(message_id)
    return withdrawal


def _expire_loaded(ids) -> None:
    """Messages this session holds read the new values on their next use."""
    wanted = set(ids)
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, OutboxMessage) and instance.id in wanted:
            db.session.expire(instance)


def due_condition(
    now: datetime, lease: timedelta = DEFAULT_SENDING_LEASE
) -> sa.ColumnElement[bool]:
    """A message's own row is due: pending, or failed but retrying, once its attempt time has
    come, or claimed by a delivery longer ago than the lease (it died mid-send); and nobody
    withdrew it. Written on the row itself, so that PostgreSQL checks it again on the row a
    concurrent claim or withdrawal has just changed."""
    return sa.and_(
        OutboxMessage.withdrawn_at.is_(None),
        sa.or_(
            sa.and_(
                OutboxMessage.status == MessageStatus.PENDING.value,
                sa.or_(
                    OutboxMessage.next_attempt_at.is_(None),
                    OutboxMessage.next_attempt_at <= now,
                ),
            ),
            sa.and_(
                OutboxMessage.status == MessageStatus.FAILED.value,
                OutboxMessage.next_attempt_at.is_not(None),
                OutboxMessage.next_attempt_at <= now,
            ),
            sa.and_(
                OutboxMessage.status == MessageStatus.SENDING.value,
                OutboxMessage.last_attempt_at <= now - lease,
            ),
        ),
    )


def due_messages_query(now: datetime, lease: timedelta = DEFAULT_SENDING_LEASE) -> sa.Select:
    """The ids of the due messages (`due_condition`), oldest first."""
    return (
        sa.select(OutboxMessage.id)
        .where(due_condition(now, lease))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )


def retry_delay(attempts: int, base_seconds: float) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base, ... capped at six hours."""
    delay = timedelta(seconds=base_seconds * (2 ** max(attempts - 1, 0)))
    return min(delay, MAX_RETRY_DELAY)


def deliver_pending(
    source: Mapping | Backend,
    *,
    now: datetime | None = None,
    limit: int = DEFAULT_BATCH,
) -> DeliveryCounts:
    """Send every due message through the backend: claim, send, mark, each committed.

    `source` is the app configuration (MAIL_BACKEND and SMTP settings) or a backend instance.
    """
    now = now or utcnow()
    config = _settings(source)
    backend = backend_from_config(source) if isinstance(source, Mapping) else source
    sender = config.get("MAIL_FROM") or DEFAULT_SENDER
    max_attempts = int(config.get("OUTBOX_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)
    base_seconds = float(config.get("OUTBOX_RETRY_BASE_SECONDS") or DEFAULT_RETRY_BASE_SECONDS)
    lease = sending_lease(config)

    counts = DeliveryCounts()
    _settle_lapsed_withdrawals(now, lease)
    ids = db.session.scalars(due_messages_query(now, lease).limit(limit)).all()
    db.session.commit()  # end the read transaction before the first claim
    for message_id in ids:
        message = _claim(message_id, now, lease)
        if message is None:
            counts.skipped += 1
            continue
        _attempt(message, backend, sender, now, max_attempts, base_seconds, counts)
    return counts


def sending_lease(config: Mapping) -> timedelta:
    seconds = config.get("OUTBOX_SENDING_LEASE_SECONDS")
    return timedelta(seconds=float(seconds)) if seconds else DEFAULT_SENDING_LEASE


def _settings(source: Mapping | Backend) -> Mapping:
    if isinstance(source, Mapping):
        return source
    return current_app.config if has_app_context() else {}


def _settle_lapsed_withdrawals(now: datetime, lease: timedelta) -> None:
    """A message withdrawn while a delivery that then died was sending it: once the claim has
    lapsed, nobody will mark it, and it is withdrawn. (Looked for first: most runs find none,
    and need not take SQLite's write lock.)"""
    lapsed = sa.and_(
        OutboxMessage.status == MessageStatus.SENDING.value,
        OutboxMessage.withdrawn_at.is_not(None),
        OutboxMessage.last_attempt_at <= now - lease,
    )
    if db.session.scalar(sa.select(OutboxMessage.id).where(lapsed).limit(1)) is not None:
        db.session.execute(
            sa.update(OutboxMessage)
            .where(lapsed)
            .values(status=MessageStatus.WITHDRAWN.value, next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def _claim(message_id: int, now: datetime, lease: timedelta) -> OutboxMessage | None:
    """Claim the message for this delivery (committed) if it is still due; None otherwise.

    The claim is one conditional UPDATE: of two deliveries, or of a delivery and a withdrawal,
    whichever commits first wins, and the other sees it (PostgreSQL re-checks the condition on
    the row once the other's transaction ends; SQLite lets one writer at a time)."""
    claimed = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, due_condition(now, lease))
        .values(
            status=MessageStatus.SENDING.value,
            attempts=OutboxMessage.attempts + 1,
            last_attempt_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return None
    return db.session.get(OutboxMessage, message_id, populate_existing=True)


def _attempt(
    message: OutboxMessage,
    backend: Backend,
    sender: str,
    now: datetime,
    max_attempts: int,
    base_seconds: float,
    counts: DeliveryCounts,
) -> None:
    """Hand the claimed message to the relay (no transaction open meanwhile), then mark it."""
    mail = mail_for(message, sender)
    message_id, attempts = message.id, message.attempts
    db.session.commit()  # nothing held while the relay takes its time
    try:
        backend.send(mail)
    except DeliveryError as exc:
        _mark_failed(message_id, attempts, str(exc), now, max_attempts, base_seconds, counts)
        db.session.commit()
        if has_app_context():
            current_app.logger.warning(
                "outbox message %s to %s failed (attempt %s): %s",
                message_id,
                mail.recipient,
                attempts,
                exc,
            )
        return
    # It went: recorded as sent, even when a withdrawal came meanwhile (it says so).
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            status=MessageStatus.SENT.value,
            sent_at=now,
            next_attempt_at=None,
            last_error="",
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    counts.sent += 1


def _mark_failed(
    message_id: int,
    attempts: int,
    error: str,
    now: datetime,
    max_attempts: int,
    base_seconds: float,
    counts: DeliveryCounts,
) -> None:
    """Failed: retried later (or given up after max_attempts), unless it was withdrawn while
    it was being sent; then it is withdrawn now."""
    counts.failed += 1
    give_up = attempts >= max_attempts
    retried = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == MessageStatus.SENDING.value,
            OutboxMessage.withdrawn_at.is_(None),
        )
        .values(
            status=MessageStatus.FAILED.value,
            last_error=error[:2000],
            next_attempt_at=None if give_up else now + retry_delay(attempts, base_seconds),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if retried:
        counts.gave_up += give_up
        return
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.SENDING.value)
        .values(status=MessageStatus.WITHDRAWN.value, last_error=error[:2000], next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )


def mail_for(message: OutboxMessage, sender: str) -> Mail:
    return Mail(
        sender=sender,
        recipient=message.recipient_email,
        subject=message.subject,
        body=message.body,
        language=message.language,
        kind=message.kind,
        outbox_id=message.id,
    )
