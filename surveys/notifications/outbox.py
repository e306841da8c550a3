"""Queueing messages (flush only, committed with the change they announce) and delivering them.

Delivery is at-least-once: each message is locked, sent and marked in its own transaction, so a
crash between the SMTP server accepting a message and the commit may send it again, but a message
is never lost. Failed attempts are retried with exponential backoff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context

from surveys.columns import utcnow
from surveys.extensions import db
from surveys.i18n import gettext as _
from surveys.notifications.delivery import Backend, DeliveryError, Mail, backend_from_config
from surveys.notifications.models import MessageStatus, OutboxMessage

DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_RETRY_BASE_SECONDS = 60
MAX_RETRY_DELAY = timedelta(hours=6)
DEFAULT_BATCH = 200
DEFAULT_SENDER = "no-reply@niamey-monitoring.invalid"


@dataclass
class DeliveryCounts:
    sent: int = 0
    failed: int = 0  # failed this time (retried later or given up)
    gave_up: int = 0  # of which no further attempt will be made
    skipped: int = 0  # locked by another process or no longer due

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
    """Whether "resend" makes sense: the message went (or failed) and its recipient, when it
    was written for an account, may still receive mail."""
    return message.status != MessageStatus.PENDING and recipient_active


def resend(
    message: OutboxMessage, *, recipient_active: bool = True, now: datetime | None = None
) -> OutboxMessage:
    """Deliver a message again (flush only): a failed one is retried at once, a sent one is
    copied into a new pending message so the history keeps both.

    Refused (ResendError) for a message still waiting for delivery, and for one whose
    recipient's account was deactivated (`recipient_active`, which the caller knows: accounts
    stand above notifications)."""
    now = now or utcnow()
    if message.status == MessageStatus.PENDING:
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
            kind=message.kind,
        )
    message.status = MessageStatus.PENDING.value
    message.attempts = 0
    message.next_attempt_at = now
    db.session.flush()
    return message


def due_messages_query(now: datetime) -> sa.Select:
    """Pending or failed-but-retrying messages whose attempt time has come, oldest first."""
    return (
        sa.select(OutboxMessage.id)
        .where(
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
            )
        )
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
    """Send every due message through the backend; commits after each message.

    `source` is the app configuration (MAIL_BACKEND and SMTP settings) or a backend instance.
    """
    now = now or utcnow()
    config = _settings(source)
    backend = backend_from_config(source) if isinstance(source, Mapping) else source
    sender = config.get("MAIL_FROM") or DEFAULT_SENDER
    max_attempts = int(config.get("OUTBOX_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)
    base_seconds = float(config.get("OUTBOX_RETRY_BASE_SECONDS") or DEFAULT_RETRY_BASE_SECONDS)

    counts = DeliveryCounts()
    ids = db.session.scalars(due_messages_query(now).limit(limit)).all()
    db.session.commit()  # end the read transaction before the first row lock
    for message_id in ids:
        message = _claim(message_id, now)
        if message is None:
            counts.skipped += 1
            db.session.commit()
            continue
        _attempt(message, backend, sender, now, max_attempts, base_seconds, counts)
        db.session.commit()
    return counts


def _settings(source: Mapping | Backend) -> Mapping:
    if isinstance(source, Mapping):
        return source
    return current_app.config if has_app_context() else {}


def _claim(message_id: int, now: datetime) -> OutboxMessage | None:
    """Lock the message row (skipping one another process holds) if it is still due."""
    return db.session.scalar(
        sa.select(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.id.in_(due_messages_query(now)))
        .with_for_update(skip_locked=True, of=OutboxMessage)
        .execution_options(populate_existing=True)
    )


def _attempt(
    message: OutboxMessage,
    backend: Backend,
    sender: str,
    now: datetime,
    max_attempts: int,
    base_seconds: float,
    counts: DeliveryCounts,
) -> None:
    message.attempts += 1
    message.last_attempt_at = now
    try:
        backend.send(mail_for(message, sender))
    except DeliveryError as exc:
        message.status = MessageStatus.FAILED.value
        message.last_error = str(exc)[:2000]
        counts.failed += 1
        if message.attempts >= max_attempts:
            message.next_attempt_at = None
            counts.gave_up += 1
        else:
            message.next_attempt_at = now + retry_delay(message.attempts, base_seconds)
        if has_app_context():
            current_app.logger.warning(
                "outbox message %s to %s failed (attempt %s): %s",
                message.id,
                message.recipient_email,
                message.attempts,
                exc,
            )
        return
    message.status = MessageStatus.SENT.value
    message.sent_at = now
    message.next_attempt_at = None
    message.last_error = ""
    counts.sent += 1


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
