"""The outbox: queueing, delivery through the memory backend, retries with backoff."""

from __future__ import annotations

from datetime import timedelta

import pytest

from surveys.columns import utcnow
from surveys.notifications.delivery import DeliveryError, Mail, MemoryBackend
from surveys.notifications.models import OutboxMessage
from surveys.notifications.outbox import deliver_pending, queue_message, resend, retry_delay


class RefusingBackend:
    name = "refusing"

    def __init__(self) -> None:
        self.calls = 0

    def send(self, mail: Mail) -> None:
        self.calls += 1
        raise DeliveryError("SMTP 554: no thanks")


def _queue(db, **overrides) -> OutboxMessage:
    fields = {
        "recipient_email": "Focal.Point@example.org",
        "subject": "Round open",
        "body": "Hello",
        "language": "fr",
        "kind": "round.opening",
    }
    fields.update(overrides)
    message = queue_message(**fields)
    db.session.commit()
    return message


def test_queued_message_is_pending_and_delivered_once(db):
    message = _queue(db)
    assert message.status == "pending"
    assert message.recipient_email == "focal.point@example.org"
    sink: list[Mail] = []
    counts = deliver_pending(MemoryBackend(sink))
    assert counts.sent == 1
    assert [m.recipient for m in sink] == ["focal.point@example.org"]
    assert sink[0].language == "fr"
    assert db.session.get(OutboxMessage, message.id).status == "sent"
    # Nothing is due any more: a second run sends nothing.
    assert deliver_pending(MemoryBackend(sink)).sent == 0
    assert len(sink) == 1


def test_dedupe_key_returns_the_first_message(db):
    first = _queue(db, dedupe_key="k1")
    second = _queue(db, dedupe_key="k1", body="other")
    assert first.id == second.id
    assert db.session.query(OutboxMessage).count() == 1


def test_failure_records_error_and_backs_off(db):
    message = _queue(db)
    now = utcnow()
    backend = RefusingBackend()
    counts = deliver_pending(backend, now=now)
    assert (counts.sent, counts.failed) == (0, 1)
    message = db.session.get(OutboxMessage, message.id)
    assert message.status == "failed"
    assert "554" in message.last_error
    assert message.attempts == 1
    assert message.next_attempt_at > now
    # Not yet due again: nothing attempted.
    deliver_pending(backend, now=now + timedelta(seconds=1))
    assert backend.calls == 1
    # Due: a working backend delivers it.
    sink: list[Mail] = []
    deliver_pending(MemoryBackend(sink), now=message.next_attempt_at)
    message = db.session.get(OutboxMessage, message.id)
    assert message.status == "sent"
    assert message.last_error == ""
    assert len(sink) == 1


def test_gives_up_after_max_attempts_and_resend_retries(app, db):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    try:
        message = _queue(db)
        backend = RefusingBackend()
        now = utcnow()
        deliver_pending(backend, now=now)
        deliver_pending(backend, now=now + timedelta(days=1))
        message = db.session.get(OutboxMessage, message.id)
        assert message.status == "failed"
        assert message.next_attempt_at is None  # given up
        deliver_pending(backend, now=now + timedelta(days=2))
        assert backend.calls == 2
        resend(message)
        db.session.commit()
        sink: list[Mail] = []
        deliver_pending(MemoryBackend(sink))
        assert db.session.get(OutboxMessage, message.id).status == "sent"
    finally:
        app.config.pop("OUTBOX_MAX_ATTEMPTS")


def test_resend_of_a_sent_message_queues_a_copy(db):
    message = _queue(db)
    deliver_pending(MemoryBackend([]))
    copy = resend(db.session.get(OutboxMessage, message.id))
    db.session.commit()
    assert copy.id != message.id
    assert copy.status == "pending"
    assert copy.body == message.body


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 60), (2, 120), (3, 240), (20, 6 * 3600)])
def test_retry_delay_doubles_and_is_capped(attempts, seconds):
    assert retry_delay(attempts, 60) == timedelta(seconds=seconds)


def test_subject_cannot_inject_headers(db):
    message = _queue(db, subject="Hello\r\nBcc: evil@example.org")
    assert "\n" not in message.subject and "\r" not in message.subject


def test_resend_refuses_a_pending_message_and_a_deactivated_recipient(db):
    from surveys.notifications.outbox import ResendError

    message = _queue(db)
    with pytest.raises(ResendError, match="has not been sent yet"):
        resend(message)
    deliver_pending(MemoryBackend([]))
    message = db.session.get(OutboxMessage, message.id)
    with pytest.raises(ResendError, match="is deactivated"):
        resend(message, recipient_active=False)
    assert db.session.query(OutboxMessage).count() == 1
