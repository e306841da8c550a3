"""Withdrawing messages that have not gone yet (their news was overtaken): a withdrawn message is
never sent, whatever delivery is running or restarts; a sent one is never touched.

Delivery claims a message (status "sending", committed) before it hands it to the relay, so a
withdrawal sees what is on its way, on SQLite as on PostgreSQL, without waiting for the relay:
committed before the claim, it stops the send; during the send, it cannot unsend, but a failed
attempt is then not retried. Each concurrent withdrawal here runs in another thread with its
own database session, as a coordinator's request would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from surveys.columns import utcnow
from surveys.extensions import db as _db
from surveys.notifications.delivery import DeliveryError, Mail, MemoryBackend
from surveys.notifications.models import OutboxMessage
from surveys.notifications.outbox import (
    DEFAULT_SENDING_LEASE,
    ResendError,
    Withdrawal,
    can_resend,
    deliver_pending,
    queue_message,
    resend,
    withdraw_messages,
)

REASON = "closing_moved"


def _queue(db, subject: str, **overrides) -> OutboxMessage:
    fields = {
        "recipient_email": "focal.point@example.org",
        "subject": subject,
        "body": f"{subject}: the round closes on 10 January.",
        "language": "en",
        "kind": "round.reminder",
    }
    fields.update(overrides)
    message = queue_message(**fields)
    db.session.commit()
    return message


def _status(db, message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def _withdraw(*ids: int, now=None) -> Withdrawal:
    withdrawal = withdraw_messages(OutboxMessage.id.in_(ids), reason=REASON, now=now or utcnow())
    _db.session.commit()
    return withdrawal


def in_another_session(app, work: Callable[[], object]) -> object:
    """`work` in another thread and database session (a coordinator's request), committed; it
    must not wait for the delivery under way."""
    done: dict = {}

    def run() -> None:
        with app.app_context():
            try:
                done["value"] = work()
            except BaseException as exc:
                done["error"] = exc
            finally:
                _db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the withdrawal waited for the message being sent"
    if "error" in done:
        raise done["error"]
    return done["value"]


class Relay:
    """Hands mail over like MemoryBackend; `during(mail)` runs in the middle of each send."""

    name = "relay"

    def __init__(self, during: Callable[[Mail], None] = lambda mail: None, fail=()) -> None:
        self.sent: list[Mail] = []
        self.during = during
        self.fail = set(fail)

    def send(self, mail: Mail) -> None:
        self.during(mail)
        if mail.outbox_id in self.fail:
            raise DeliveryError("SMTP 451: try again later")
        self.sent.append(mail)


def test_withdrawn_messages_are_never_sent_and_sent_ones_never_touched(db):
    sent = _queue(db, "Sent already")
    deliver_pending(MemoryBackend([]))
    retrying = _queue(db, "Retrying")
    deliver_pending(Relay(fail={retrying.id}), now=utcnow())
    waiting = _queue(db, "Waiting")
    _queue(db, "Another matter", kind="account.invitation")

    withdrawal = _withdraw(sent.id, waiting.id, retrying.id)

    assert sorted(withdrawal.withdrawn) == sorted([waiting.id, retrying.id])
    assert withdrawal.being_sent == []
    assert _status(db, sent.id).status == "sent"
    assert _status(db, sent.id).withdrawn_at is None
    for message_id in (waiting.id, retrying.id):
        message = _status(db, message_id)
        assert (message.status, message.withdrawn_reason) == ("withdrawn", REASON)
        assert message.withdrawn_at is not None and message.next_attempt_at is None
    assert _status(db, retrying.id).last_error == "SMTP 451: try again later"  # history kept

    relay = Relay()
    deliver_pending(relay, now=utcnow() + timedelta(days=1))
    assert [m.subject for m in relay.sent] == ["Another matter"]
    # Withdrawn is final: not sent again by hand either.
    message = _status(db, waiting.id)
    assert not can_resend(message)
    with pytest.raises(ResendError, match="withdrawn"):
        resend(message)
    # Withdrawing again changes nothing; a sent message is never withdrawn.
    assert _withdraw(waiting.id, sent.id) == Withdrawal([], [])


def test_a_withdrawal_committed_while_the_batch_is_on_its_way_stops_the_later_message(app, db):
    first = _queue(db, "First")
    second = _queue(db, "Second")
    reported: list[Withdrawal] = []

    def withdraw_second(mail: Mail) -> None:
        if mail.outbox_id == first.id:
            reported.append(in_another_session(app, lambda: _withdraw(second.id)))

    relay = Relay(during=withdraw_second)
    counts = deliver_pending(relay)

    assert [m.subject for m in relay.sent] == ["First"]
    assert reported == [Withdrawal([second.id], [])]
    assert (counts.sent, counts.skipped) == (1, 1)
    assert _status(db, second.id).status == "withdrawn"
    assert deliver_pending(Relay(), now=utcnow() + timedelta(days=1)).sent == 0


def test_a_withdrawal_during_a_failed_send_is_not_retried(app, db):
    message = _queue(db, "Stale")
    reported: list[Withdrawal] = []
    relay = Relay(
        during=lambda mail: reported.append(in_another_session(app, lambda: _withdraw(message.id))),
        fail={message.id},
    )
    counts = deliver_pending(relay)

    assert counts.failed == 1
    assert reported == [Withdrawal([], [message.id])]  # it was on its way
    stale = _status(db, message.id)
    assert (stale.status, stale.withdrawn_reason) == ("withdrawn", REASON)
    assert stale.next_attempt_at is None
    assert stale.last_error == "SMTP 451: try again later"
    later = Relay()
    deliver_pending(later, now=utcnow() + timedelta(days=1))
    assert later.sent == []


def test_a_withdrawal_during_a_successful_send_leaves_it_recorded_as_sent(app, db):
    message = _queue(db, "Stale")
    reported: list[Withdrawal] = []
    relay = Relay(
        during=lambda mail: reported.append(in_another_session(app, lambda: _withdraw(message.id)))
    )
    deliver_pending(relay)

    assert [m.subject for m in relay.sent] == ["Stale"]
    assert reported == [Withdrawal([], [message.id])]
    went = _status(db, message.id)
    # What happened: it went, and the withdrawal came while it was going.
    assert went.status == "sent" and went.sent_at is not None
    assert went.withdrawn_at is not None
    assert not can_resend(went)


class Crash(BaseException):
    """The scheduler process dies in the middle of a send (SIGKILL, power cut)."""


def _crash(mail: Mail) -> None:
    raise Crash()


def test_a_claim_left_by_a_dead_delivery_is_retried_after_its_lease_unless_withdrawn(db):
    kept = _queue(db, "Still right")
    stale = _queue(db, "Outdated")
    now = utcnow()
    for _ in (kept, stale):
        with pytest.raises(Crash):
            deliver_pending(Relay(during=_crash), now=now)
        db.session.rollback()
    assert {_status(db, m.id).status for m in (kept, stale)} == {"sending"}

    # A restarted scheduler leaves them while the dead one's claim may still be sending ...
    relay = Relay()
    assert deliver_pending(relay, now=now + timedelta(minutes=1)).sent == 0
    # ... the outdated one is withdrawn meanwhile ...
    assert _withdraw(stale.id, now=now + timedelta(minutes=2)) == Withdrawal([], [stale.id])
    # ... and once the claim has lapsed, the one still right is sent again (at least once),
    # never the withdrawn one.
    deliver_pending(relay, now=now + DEFAULT_SENDING_LEASE + timedelta(minutes=1))
    assert [m.subject for m in relay.sent] == ["Still right"]
    assert _status(db, kept.id).status == "sent"
    assert _status(db, stale.id).status == "withdrawn"
    deliver_pending(relay, now=now + timedelta(days=1))
    assert len(relay.sent) == 1


def test_two_deliveries_at_once_send_each_message_once(app, db):
    messages = [_queue(db, f"Message {n}") for n in range(4)]
    relay = Relay()
    other = Relay()

    def second_delivery(mail: Mail) -> None:
        if mail.outbox_id == messages[0].id:
            in_another_session(app, lambda: deliver_pending(other))

    relay.during = second_delivery
    deliver_pending(relay)
    subjects = sorted(m.subject for m in relay.sent + other.sent)
    assert subjects == sorted(m.subject for m in messages)
    assert db.session.scalar(
        sa.select(sa.func.count()).where(OutboxMessage.status == "sent")
    ) == len(messages)
