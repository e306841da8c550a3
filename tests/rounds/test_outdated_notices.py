"""A notice that names a country's closing date and still waits for the mail relay is withdrawn
when that date moves (a round extended for every country or for one, a country's round reopened
until a new date, a round closed at once): a respondent never receives "closes on 10 January"
after "now closes on 31 January". Messages already sent, and those of other countries and other
rounds, are left as they are.

Each test plays the relay being down, then back, and looks at the mails each person receives.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from surveys.audit.models import AuditEvent
from surveys.columns import utcnow
from surveys.notifications.delivery import DeliveryError, Mail, MemoryBackend
from surveys.notifications.models import OutboxMessage
from surveys.notifications.outbox import deliver_pending
from surveys.roles import Role
from surveys.rounds import notices
from surveys.scheduling import jobs

DAY = timedelta(days=1)


class RelayDown:
    name = "down"

    def send(self, mail: Mail) -> None:
        raise DeliveryError("SMTP error: ConnectionRefusedError: [Errno 111] Connection refused")


def relay_down(now) -> None:
    """A delivery run while the relay refuses connections: every due message fails (retried)."""
    counts = deliver_pending(RelayDown(), now=now)
    assert counts.sent == 0


def relay_back(now) -> list[Mail]:
    """The relay works again, long enough after for every retry to be due: what goes out."""
    sink: list[Mail] = []
    deliver_pending(MemoryBackend(sink), now=now + 2 * DAY)
    return sink


def mails_to(sink: list[Mail], user) -> list[Mail]:
    return [mail for mail in sink if mail.recipient == user.email]


def deadline_of(participant, user) -> str:
    """The closing date as the notices to `user` write it."""
    return notices.deadline_text(participant.closes_at, user)


@pytest.fixture
def world(db, create_country, create_user, create_version, create_round):
    niger = create_country("NE", "NER", "Niger", "Niger")
    mali = create_country("ML", "MLI", "Mali", "Mali")
    people = {
        "ne_en": create_user(Role.RESPONDENT, countries=[niger], email="ne@example.org"),
        "ne_fr": create_user(
            Role.RESPONDENT,
            countries=[niger],
            language="fr",
            timezone="Africa/Niamey",
            email="ne.fr@example.org",
        ),
        "ml_en": create_user(Role.RESPONDENT, countries=[mali], email="ml@example.org"),
        # Answers for both countries: one reminder per country.
        "both": create_user(Role.RESPONDENT, countries=[niger, mali], email="both@example.org"),
    }
    version = create_version()
    # Open ten days ago, closes in five: the 14- and 7-day reminders are due.
    round_ = create_round(version, [niger, mali], opens_in=-10 * DAY, closes_in=5 * DAY)
    return {
        "round": round_,
        "niger": niger,
        "mali": mali,
        "people": people,
        "version": version,
        "coordinator": create_user(Role.COORDINATOR, timezone="Africa/Niamey"),
    }


def _opening_sent_then_reminders_stuck(db, world) -> dict[int, tuple]:
    """The opening notices went out; the reminders wait while the relay is down. Returns the
    sent messages' (status, sent_at, body), to check later that nothing touched them."""
    round_id, now = world["round"].id, utcnow()
    jobs.open_round(round_id, now=now)
    deliver_pending(MemoryBackend([]), now=now)
    sent = {
        m.id: (m.status, m.sent_at, m.body)
        for m in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.status == "sent"))
    }
    assert len(sent) == 5  # Niger's three respondents, Mali's two
    assert jobs.send_reminders(round_id, now=now) == 10  # two offsets for each of them
    relay_down(now)
    return sent


def _extend(path: str, client, runner, login, world, *, country=None) -> str:
    """Extend the round to 31 January 2099, 18:00 in Niamey (17:00 UTC), by the round page or
    by `surveys rounds extend`; returns what the coordinator reads."""
    round_ = world["round"]
    if path == "page":
        login(world["coordinator"])
        response = client.post(
            f"/rounds/{round_.id}/extend",
            data={
                "extend-country_id": country.id if country else 0,
                "extend-closes_at": "2099-01-31T18:00",
            },
            follow_redirects=True,
        )
        assert response.status_code == 200
        return response.get_data(as_text=True)
    args = ["rounds", "extend", str(round_.id), "--closes", "2099-01-31 18:00"]
    args += ["--timezone", "Africa/Niamey"]
    if country is not None:
        args += ["--country", country.iso2]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", ["page", "cli"])
def test_after_an_extension_no_stuck_reminder_names_the_old_date(
    path, db, client, runner, login, world
):
    people, round_ = world["people"], world["round"]
    niger = round_.participant(world["niger"].id)
    old = {key: deadline_of(niger, user) for key, user in people.items()}
    sent = _opening_sent_then_reminders_stuck(db, world)

    said = _extend(path, client, runner, login, world)

    mails = relay_back(utcnow())
    for key, user in people.items():
        received = mails_to(mails, user)
        # Only the news of the new date, once per country the person answers for ...
        assert [m.kind for m in received] == ["round.extended"] * len(user.countries), key
        # ... and nothing that still names the old one.
        assert not any(old[key] in m.body or old[key] in m.subject for m in received), key
    [french] = mails_to(mails, people["ne_fr"])
    assert french.subject.startswith("Nouvelle date de clôture")
    assert "31 janvier 2099, 18:00 (Africa/Niamey)" in french.body
    [english] = mails_to(mails, people["ne_en"])
    assert "31 January 2099, 17:00 (UTC)" in english.body

    # The stuck reminders are withdrawn, recorded as such; the opening notices that had gone
    # out are exactly as they were.
    db.session.expire_all()
    reminders = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == notices.REMINDER)
    ).all()
    assert len(reminders) == 10
    assert {m.status for m in reminders} == {"withdrawn"}
    assert all(m.withdrawn_at is not None and m.sent_at is None for m in reminders)
    for message_id, before in sent.items():
        message = db.session.get(OutboxMessage, message_id)
        assert (message.status, message.sent_at, message.body) == before
    # Nothing is left to go later.
    assert relay_back(utcnow() + 10 * DAY) == []

    # The coordinator is told, and the audit log keeps which messages and why.
    assert "10" in said and "withdrawn" in said
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "round.notices_withdrawn")
    ).one()
    assert sorted(event.details["messages"]) == sorted(m.id for m in reminders)
    assert event.target_id == round_.id


@pytest.mark.parametrize("path", ["page", "cli"])
def test_extending_one_country_leaves_the_other_countrys_reminders(
    path, db, client, runner, login, world
):
    people, round_ = world["people"], world["round"]
    mali_date = deadline_of(round_.participant(world["mali"].id), people["ml_en"])
    niger_old = deadline_of(round_.participant(world["niger"].id), people["both"])
    _opening_sent_then_reminders_stuck(db, world)

    _extend(path, client, runner, login, world, country=world["niger"])

    mails = relay_back(utcnow())
    assert [m.kind for m in mails_to(mails, people["ne_en"])] == ["round.extended"]
    assert [m.kind for m in mails_to(mails, people["ne_fr"])] == ["round.extended"]
    # Mali's date did not move: its reminders still tell the truth and arrive.
    to_mali = mails_to(mails, people["ml_en"])
    assert [m.kind for m in to_mali] == ["round.reminder", "round.reminder"]
    assert all(mali_date in m.body for m in to_mali)
    # A person answering for both countries keeps Mali's reminders and loses Niger's.
    to_both = mails_to(mails, people["both"])
    assert sorted(m.kind for m in to_both) == ["round.extended", "round.reminder", "round.reminder"]
    assert all("(Mali)" in m.subject for m in to_both if m.kind == "round.reminder")
    [news] = [m for m in to_both if m.kind == "round.extended"]
    assert "Niger: the self-assessment round" in news.body
    assert "now closes on 31 January 2099, 17:00 (UTC)." in news.body  # one bracket, the zone
    assert niger_old not in news.body


def test_reopening_a_country_withdraws_its_stuck_closing_notice_and_reminders(
    db, client, login, world, create_round
):
    """The round closed while the relay was down; Niger's round is reopened until a new date:
    its respondents hear of the new date, not "round closed" nor a reminder of the old date,
    afterwards. Mali's closing notice still goes, and another round's message too."""
    people = world["people"]
    closed = create_round(
        world["version"],
        [world["niger"], world["mali"]],
        period="2025-H2",
        opens_in=-40 * DAY,
        closes_in=-1 * DAY,
    )
    now = utcnow()
    jobs.send_reminders(closed.id, now=closed.closes_at - 2 * DAY)  # the last days' reminders
    assert jobs.close_round(closed.id, now=now) == 6  # closing notices, coordinator's summary
    jobs.send_reminders(world["round"].id, now=now)  # the open round's, about the same countries
    relay_down(now)
    stuck_elsewhere = db.session.scalars(
        sa.select(OutboxMessage.id).where(OutboxMessage.round_id == world["round"].id)
    ).all()

    login(world["coordinator"])
    response = client.post(
        f"/rounds/{closed.id}/countries/{world['niger'].id}/reopen",
        data={"reopen-closes_at": "2099-01-31T18:00", "reopen-note": ""},
    )
    assert response.status_code == 302, response.get_data(as_text=True)

    mails = relay_back(now)
    for key in ("ne_en", "ne_fr"):
        received = [m for m in mails_to(mails, people[key]) if "2025-H2" in m.subject]
        assert [m.kind for m in received] == ["round.extended"], key
    to_mali = [m for m in mails_to(mails, people["ml_en"]) if "2025-H2" in m.subject]
    assert "round.closing" in [m.kind for m in to_mali]
    # The open round's messages were none of this change's business.
    db.session.expire_all()
    assert {db.session.get(OutboxMessage, i).status for i in stuck_elsewhere} == {"sent"}


def test_closing_at_once_withdraws_reminders_of_a_date_that_no_longer_holds(db, runner, world):
    people, round_ = world["people"], world["round"]
    _opening_sent_then_reminders_stuck(db, world)

    result = runner.invoke(args=["rounds", "close-now", str(round_.id)])
    assert result.exit_code == 0, result.output

    mails = relay_back(utcnow())
    # Each respondent hears the round closed, and no reminder to answer before a date that
    # is no longer the closing date.
    for key, user in people.items():
        kinds = [m.kind for m in mails_to(mails, user)]
        assert kinds == ["round.closing"] * len(user.countries), key


def test_the_round_page_shows_a_withdrawn_message_and_why(db, client, login, world):
    _opening_sent_then_reminders_stuck(db, world)
    _extend("page", client, None, login, world, country=world["niger"])
    page = client.get(f"/rounds/{world['round'].id}").get_data(as_text=True)
    assert page.count('class="badge badge-withdrawn"') == 6  # Niger's two reminders to each
    assert "the closing date changed after it was written" in page
    withdrawn = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.status == "withdrawn")
    ).first()
    # A withdrawn message cannot be sent again from the page.
    response = client.post(
        f"/rounds/{world['round'].id}/messages/{withdrawn.id}/resend", follow_redirects=True
    )
    assert "withdrawn" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, withdrawn.id).status == "withdrawn"


def test_a_country_that_submits_gets_no_stuck_reminder_afterwards(
    db, client, login, world, create_submission, monkeypatch
):
    """The reminders to submit that waited for the relay are withdrawn when the country
    submits: its respondents are not asked to submit what they sent. Another country's
    reminders still go, and the round page says why Niger's did not."""
    from surveys.review import workflow
    from tests.review.builders import stub_completeness

    people, round_ = world["people"], world["round"]
    _opening_sent_then_reminders_stuck(db, world)
    stub_completeness(monkeypatch, [])
    submission = create_submission(round_, world["niger"], {"legal_tip_offence": "partly"})
    workflow.submit(submission, people["ne_en"])
    db.session.commit()

    mails = relay_back(utcnow())
    for key in ("ne_en", "ne_fr"):
        assert not any(m.kind in notices.CHASING_NOTICES for m in mails_to(mails, people[key]))
    assert [m.kind for m in mails_to(mails, people["ml_en"])] == ["round.reminder"] * 2
    to_both = mails_to(mails, people["both"])
    assert all("(Mali)" in m.subject for m in to_both if m.kind == "round.reminder")
    assert sum(m.kind == "round.reminder" for m in to_both) == 2

    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "round.notices_withdrawn")
    ).one()
    assert event.details["reason"] == notices.COUNTRY_SUBMITTED
    assert len(event.details["messages"]) == 6  # Niger's three respondents, two offsets each
    login(world["coordinator"])
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "Not sent: the country submitted before it went" in page


@pytest.mark.parametrize("reason", ["submitted", "extended"])
def test_a_message_withdrawn_while_being_sent_is_not_called_unsent(
    reason, db, client, login, world, create_submission, monkeypatch
):
    """A reminder a delivery held when the country submitted (or its date moved) is "Being
    sent", then "Sent": the page says what overtook it while it went, never "Not sent" nor a
    bare "Withdrawn on" beside those badges."""
    from surveys.review import workflow
    from tests.review.builders import stub_completeness

    people, round_ = world["people"], world["round"]
    _opening_sent_then_reminders_stuck(db, world)
    held = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.kind == notices.REMINDER,
            OutboxMessage.recipient_email == people["ne_en"].email,
        )
    ).first()
    held.status = "sending"  # a delivery claimed it and is handing it to the relay
    db.session.commit()
    if reason == "submitted":
        stub_completeness(monkeypatch, [])
        submission = create_submission(round_, world["niger"], {"legal_tip_offence": "partly"})
        workflow.submit(submission, people["ne_en"])
        db.session.commit()
        said = "The country submitted on"
    else:
        _extend("page", client, None, login, world, country=world["niger"])
        said = "The closing date changed on"
    db.session.expire_all()
    assert db.session.get(OutboxMessage, held.id).withdrawn_at is not None

    login(world["coordinator"])

    def status_words(status: str) -> str:
        """The held reminder's row: the only one to its address with that badge."""
        page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
        rows = [
            row.split("</tr>")[0]
            for row in page.split("<tr>")
            if held.recipient_email in row and "Reminder" in row and f"badge-{status}" in row
        ]
        assert len(rows) == 1
        return " ".join(rows[0].split())

    words = status_words("sending")
    assert "Being sent" in words and f"{said}" in words and "while it was being sent" in words
    assert "Not sent" not in words

    held = db.session.get(OutboxMessage, held.id)
    held.status, held.sent_at, held.attempts = "sent", utcnow(), 1  # and it went
    db.session.commit()
    words = status_words("sent")
    assert "Sent" in words and f"{said}" in words and "while it was being sent" in words
    assert "Not sent" not in words and "Withdrawn on" not in words


@pytest.mark.parametrize("path", ["page", "cli"])
def test_a_respondent_still_waiting_for_the_opening_notice_gets_it_with_the_new_date(
    path, db, client, runner, login, world
):
    """The relay was down when the round opened: extending the round withdraws the opening
    notice (it states the old date) and sends it again with the new one, rather than only
    "now closes on ..." for a round its reader was never told had opened."""
    people, round_ = world["people"], world["round"]
    niger = round_.participant(world["niger"].id)
    old = deadline_of(niger, people["ne_en"])
    jobs.open_round(round_.id, now=utcnow())
    relay_down(utcnow())

    _extend(path, client, runner, login, world, country=world["niger"])

    mails = relay_back(utcnow())
    [opening] = mails_to(mails, people["ne_en"])
    assert opening.kind == notices.OPENING
    assert "31 January 2099, 17:00 (UTC)" in opening.body and old not in opening.body
    [french] = mails_to(mails, people["ne_fr"])
    assert french.kind == notices.OPENING and "31 janvier 2099, 18:00" in french.body
    # Mali's date did not move: its opening notices went as written.
    assert [m.kind for m in mails_to(mails, people["ml_en"])] == [notices.OPENING]
    # The person answering for both countries: Niger's opening again, Mali's as it was.
    to_both = sorted(mails_to(mails, people["both"]), key=lambda m: m.subject)
    assert [m.kind for m in to_both] == [notices.OPENING, notices.OPENING]


def _reminders_to(db, user) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.kind == notices.REMINDER, OutboxMessage.user_id == user.id)
            .order_by(OutboxMessage.id)
        )
    )


def test_after_an_extension_reminders_count_down_to_the_new_date(db, world):
    """The 14- and 7-day reminders went before the old date; the round is extended by four
    weeks: they come again before the new date, at their moments, naming it. A moment of the
    new date already past when the date moved is not sent at once (the new-date notice is)."""
    from surveys.rounds.reminders import extend_closing

    people, round_ = world["people"], world["round"]
    now = utcnow()
    assert jobs.send_reminders(round_.id, now=now) == 10  # the 14- and 7-day reminders, sent
    new_date = round_.closes_at + 28 * DAY
    extend_closing(round_, new_date, submitted=(), actor=world["coordinator"], now=now)
    db.session.commit()
    assert jobs.send_reminders(round_.id, now=now + DAY) == 0  # the new date is 33 days away

    fourteen_days_before = new_date - 14 * DAY
    assert jobs.send_reminders(round_.id, now=fourteen_days_before + DAY) == 5
    latest = _reminders_to(db, people["ne_en"])[-1]
    assert deadline_of(round_.participant(world["niger"].id), people["ne_en"]) in latest.body
    assert jobs.send_reminders(round_.id, now=fourteen_days_before + 2 * DAY) == 0  # once
    assert jobs.send_reminders(round_.id, now=new_date - 7 * DAY) == 5
    assert len(_reminders_to(db, people["ne_en"])) == 4  # two before each date


def test_an_extension_sends_no_burst_of_reminders_for_moments_already_past(db, world):
    """Extended by three days, five days before closing: the new date's 14-day moment has
    passed (nothing at once, the new-date notice tells the date); its 7-day moment is to come."""
    from surveys.rounds.reminders import extend_closing

    round_ = world["round"]
    now = utcnow()
    assert jobs.send_reminders(round_.id, now=now) == 10
    new_date = round_.closes_at + 3 * DAY
    extend_closing(round_, new_date, submitted=(), actor=world["coordinator"], now=now)
    db.session.commit()
    assert jobs.send_reminders(round_.id, now=now + timedelta(minutes=1)) == 0
    assert jobs.send_reminders(round_.id, now=new_date - 7 * DAY) == 5
