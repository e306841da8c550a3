"""The notification outbox: every e-mail is a row first, delivered later by the scheduler."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from surveys.columns import UTCDateTime, utcnow
from surveys.extensions import db
from surveys.languages import DEFAULT_LANGUAGE, LANGUAGE_CODE_LENGTH


class MessageStatus(StrEnum):
    PENDING = "pending"  # waiting for its first delivery attempt
    # A delivery claimed it (committed) and is handing it to the relay now; a claim older than
    # the lease (a delivery that died mid-send) lapses and the message is due again.
    SENDING = "sending"
    SENT = "sent"
    # The last attempt failed; retried at next_attempt_at, or given up when that is empty.
    FAILED = "failed"
    # Taken back before it went: what it says was overtaken (withdrawn_reason); never sent.
    WITHDRAWN = "withdrawn"


# Not sent (yet): what a withdrawal may still take back.
UNSENT = (MessageStatus.PENDING.value, MessageStatus.SENDING.value, MessageStatus.FAILED.value)


class OutboxMessage(db.Model):
    """One e-mail to one recipient, already written in the recipient's language."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'withdrawn')", name="known_status"
        ),
        CheckConstraint("attempts >= 0", name="non_negative_attempts"),
        CheckConstraint(
            "(withdrawn_at IS NULL) = (withdrawn_reason IS NULL)", name="withdrawal_explained"
        ),
        CheckConstraint(
            "status != 'withdrawn' OR withdrawn_at IS NOT NULL", name="withdrawn_when_known"
        ),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_email: Mapped[str] = mapped_column(String(254))
    # The account it was written for (None for an address outside the platform).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    # The country it is about, for a message about one country's part in a round (None
    # otherwise): what a change of that country's closing date looks for.
    country_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"))
    # What it is about: "round.opening", "round.reminder", "account.invitation", ...
    kind: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(LANGUAGE_CODE_LENGTH), default=DEFAULT_LANGUAGE)
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    # Optional caller-chosen key: queueing the same key twice returns the first message.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=MessageStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # When the next delivery attempt is due; None means "now" for pending messages and
    # "given up" for failed ones.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When and why it was withdrawn (outbox.withdraw_messages), a code its sender explains,
    # e.g. "closing_moved". Set on a message being sent at that moment too: it then went
    # (status "sent") unless that attempt failed, and it is never retried.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(String(40))

    @property
    def will_retry(self) -> bool:
        return self.status == MessageStatus.FAILED and self.next_attempt_at is not None

    @property
    def withdrawn_too_late(self) -> bool:
        """Withdrawn while it was being sent, and it went."""
        return self.status == MessageStatus.SENT and self.withdrawn_at is not None

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} to {self.recipient_email} {self.status}>"
