"""A round walked through its life with explicit moments: every notice queued exactly once,
in the recipient's language and time zone, only to the countries it concerns."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from surveys.notifications.models import OutboxMessage
from surveys.roles import Role
from surveys.rounds import notices
from surveys.rounds.models import JobRun
from surveys.rounds.operations import create_round, extend_country
from surveys.scheduling import jobs

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # opening
CLOSE = T0 + timedelta(days=30)
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def world(db, create_country, create_user, create_version):
    niger = create_country("NE", "NER", "Niger", "Niger")
    france = create_country("FR", "FRA", "France", "France")
    mali = create_country("ML", "MLI", "Mali", "Mali")
    outsider = create_country("IT", "ITA", "Italy", "Italie")
    people = {
        "ne_fr": create_user(
            Role.RESPONDENT, countries=[niger], language="fr", timezone="Africa/Niamey"
        ),
        "ne_en": create_user(Role.RESPONDENT, countries=[niger], language="en"),
        "fr_en": create_user(
            Role.RESPONDENT, countries=[france], language="en", timezone="Europe/Paris"
        ),
        "ml_fr": create_user(Role.RESPONDENT, countries=[mali], language="fr"),
        "it_en": create_user(Role.RESPONDENT, countries=[outsider]),
        "coordinator": create_user(Role.COORDINATOR, language="fr"),
        "analyst": create_user(Role.ANALYST),
    }
    disabled = create_user(Role.RESPONDENT, countries=[france])
    disabled.is_enabled = False
    version = create_version()
    round_ = create_round(
        version=version,
        period_label="2026-H2",
        opens_at=T0,
        closes_at=CLOSE,
        country_ids=[niger.id, france.id, mali.id],
        reminder_offsets=[14, 7, 1],
        now=T0 - 10 * DAY,
    )
    db.session.commit()
    return {
        "round": round_,
        "countries": {"NE": niger, "FR": france, "ML": mali},
        "people": people,
        "disabled": disabled,
    }


def _messages(db) -> list[OutboxMessage]:
    return db.session.query(OutboxMessage).order_by(OutboxMessage.id).all()


def _received(db, people) -> Counter:
    """(person key, kind) -> how many messages."""
    by_email = {user.email: key for key, user in people.items()}
    return Counter(
        (by_email.get(m.recipient_email, m.recipient_email), m.kind) for m in _messages(db)
    )


def test_round_life_queues_each_notice_once(db, world, create_submission):
    round_id = world["round"].id
    people = world["people"]

    # Before the opening nothing happens, however often the jobs run.
    assert jobs.sweep(now=T0 - MINUTE) == 0
    assert jobs.open_round(round_id, now=T0 - MINUTE) == 0

    # Opening: each participating country's enabled respondents, once.
    assert jobs.open_round(round_id, now=T0 + MINUTE) == 4
    assert jobs.open_round(round_id, now=T0 + 2 * MINUTE) == 0
    assert jobs.sweep(now=T0 + 3 * MINUTE) == 0
    opening = {k for (k, kind), n in _received(db, people).items() if kind == notices.OPENING}
    assert opening == {"ne_fr", "ne_en", "fr_en", "ml_fr"}

    # Niger submits; Mali gets a ten-day extension.
    create_submission(world["round"], world["countries"]["NE"], status="submitted")
    extend_country(
        db.session.get(type(world["round"]), round_id),
        world["countries"]["ML"].id,
        CLOSE + 10 * DAY,
        now=T0 + 5 * DAY,
    )
    db.session.commit()

    # Walk the round's life, a little less than a day at a time, each moment swept twice.
    moment = T0
    while moment < CLOSE + 12 * DAY:
        jobs.sweep(now=moment)
        jobs.sweep(now=moment)
        moment += timedelta(hours=23)

    received = _received(db, people)
    # Reminders: three each for France and Mali (not Niger, which submitted; not Italy).
    assert received[("fr_en", notices.REMINDER)] == 3
    assert received[("ml_fr", notices.REMINDER)] == 3
    assert received[("ne_fr", notices.REMINDER)] == 0
    assert received[("ne_en", notices.REMINDER)] == 0
    assert not any(key == "it_en" for key, _ in received)
    assert world["disabled"].email not in {m.recipient_email for m in _messages(db)}
    # Closing notices: once per country, at its own closing date.
    for key in ("ne_fr", "ne_en", "fr_en", "ml_fr"):
        assert received[(key, notices.CLOSING)] == 1, key
    # The coordinators' summary once, after Mali's extended closing; analysts get nothing.
    assert received[("coordinator", notices.CLOSED_SUMMARY)] == 1
    assert not any(key == "analyst" for key, _ in received)

    # Mali's reminders follow its extended date: none before the 14-day mark of the new date.
    mali_runs = (
        db.session.query(JobRun)
        .filter_by(kind=jobs.REMINDER, country_id=world["countries"]["ML"].id)
        .all()
    )
    assert sorted(offset_of(r.slot) for r in mali_runs) == ["14d", "1d", "7d"]
    assert all(r.done_at >= CLOSE + 10 * DAY - timedelta(days=r_days(r.slot)) for r in mali_runs)

    # Nothing more is queued afterwards.
    count = len(_messages(db))
    jobs.sweep(now=CLOSE + 60 * DAY)
    assert len(_messages(db)) == count


def offset_of(slot: str) -> str:
    """ "7d" of the reminder slot "7d@2026-07-31T09:00" (its closing date after the "@")."""
    return slot.split("@")[0]


def r_days(slot: str) -> int:
    return int(offset_of(slot).rstrip("d"))


def test_notices_are_in_the_recipients_language_and_time_zone(db, world):
    jobs.open_round(world["round"].id, now=T0 + MINUTE)
    people = world["people"]
    by_email = {m.recipient_email: m for m in _messages(db)}
    french = by_email[people["ne_fr"].email]
    english = by_email[people["fr_en"].email]
    assert (french.language, english.language) == ("fr", "en")
    # Closing 31 July 2026 09:00 UTC: 10:00 in Niamey, 11:00 in Paris.
    assert "31 juillet 2026, 10:00 (Africa/Niamey)" in french.body
    assert "31 July 2026, 11:00 (Europe/Paris)" in english.body
    assert "http://localhost/" in english.body


def test_reminders_missed_during_downtime_are_each_sent_once(db, world):
    """The scheduler was down across the 14- and 7-day reminders: both are caught up, once."""
    round_id = world["round"].id
    jobs.sweep(now=T0 + MINUTE)
    after_downtime = CLOSE - 6 * DAY
    jobs.sweep(now=after_downtime)
    jobs.sweep(now=after_downtime + MINUTE)
    runs = db.session.query(JobRun).filter_by(kind=jobs.REMINDER, round_id=round_id).all()
    assert Counter((r.country_id, offset_of(r.slot)) for r in runs) == {
        (c.id, slot): 1 for c in world["countries"].values() for slot in ("14d", "7d")
    }


def test_cancelled_round_sends_nothing(db, world):
    from surveys.rounds.operations import cancel_round

    cancel_round(world["round"], now=T0 - DAY)
    db.session.commit()
    for moment in (T0 + MINUTE, CLOSE - DAY, CLOSE + DAY):
        jobs.sweep(now=moment)
    assert _messages(db) == []


def test_a_short_round_skips_reminders_before_its_opening(db, world, create_version):
    round_ = world["round"]
    round_.closes_at = T0 + 10 * DAY  # the 14-day reminder would fall before the opening
    db.session.commit()
    jobs.sweep(now=T0 + 3 * DAY + MINUTE)
    slots = {offset_of(r.slot) for r in db.session.query(JobRun).filter_by(kind=jobs.REMINDER)}
    assert slots == {"7d"}


def test_a_long_closed_round_gets_no_late_closing_notice(db, world):
    jobs.sweep(now=CLOSE + 30 * DAY)
    assert _messages(db) == []
    # Recorded as done all the same: nothing is sent later either.
    assert db.session.query(JobRun).filter_by(kind=jobs.SNAPSHOT).count() == 1
    jobs.sweep(now=CLOSE + 31 * DAY)
    assert _messages(db) == []


def test_cadence_creates_each_round_once_and_tells_coordinators(db, world):
    from surveys.rounds.models import Round
    from surveys.rounds.operations import create_cadence

    cadence = create_cadence(
        questionnaire=world["round"].version.questionnaire,
        every_months=6,
        open_weeks=8,
        lead_days=14,
        first_opens_at=datetime(2027, 1, 15, 8, 0, tzinfo=UTC),
        now=T0,
    )
    db.session.commit()
    assert jobs.run_cadences(now=datetime(2026, 12, 31, 7, 0, tzinfo=UTC)) == []
    created = jobs.run_cadences(now=datetime(2027, 1, 1, 8, 0, tzinfo=UTC))
    assert len(created) == 1
    assert jobs.run_cadences(now=datetime(2027, 1, 2, 8, 0, tzinfo=UTC)) == []
    round_ = db.session.get(Round, created[0])
    assert round_.period_label == "2027-H1"
    assert round_.cadence_id == cadence.id
    assert round_.opens_at == datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    assert round_.closes_at == datetime(2027, 3, 12, 8, 0, tzinfo=UTC)
    assert len(round_.participants) == 4  # every active country, Italy included
    told = [m for m in _messages(db) if m.kind == notices.CADENCE_CREATED]
    assert [m.recipient_email for m in told] == [world["people"]["coordinator"].email]
    assert told[0].language == "fr"


def test_closing_stores_score_snapshots_and_archives_once(db, world, create_submission):
    from surveys.export.models import ArchivedWorkbook
    from surveys.results.models import ScoreSnapshot, Trigger

    niger = world["countries"]["NE"]
    create_submission(
        world["round"], niger, answers={"legal_tip_offence": "yes"}, status="submitted"
    )
    jobs.close_round(world["round"].id, now=CLOSE - MINUTE)  # still open: nothing yet
    assert db.session.query(ScoreSnapshot).count() == 0

    for _ in range(2):
        jobs.close_round(world["round"].id, now=CLOSE + MINUTE)
    closing = db.session.query(ScoreSnapshot).filter_by(trigger=Trigger.ROUND_CLOSED).all()
    assert len(closing) == 1  # Niger's submission, once
    archives = db.session.query(ArchivedWorkbook).filter_by(round_id=world["round"].id).all()
    assert sorted(a.language for a in archives) == ["en", "fr"]


def test_a_cadence_round_that_cannot_be_created_is_audited_once(db, world):
    from surveys.audit.models import AuditEvent
    from surveys.rounds.models import Round
    from surveys.rounds.operations import create_cadence

    version = world["round"].version
    create_round(  # a coordinator already launched this period by hand
        version=version,
        period_label="2027-H1",
        opens_at=datetime(2027, 2, 1, 8, 0, tzinfo=UTC),
        closes_at=datetime(2027, 3, 1, 8, 0, tzinfo=UTC),
        now=T0,
    )
    create_cadence(
        questionnaire=version.questionnaire,
        every_months=6,
        open_weeks=8,
        lead_days=14,
        first_opens_at=datetime(2027, 1, 15, 8, 0, tzinfo=UTC),
        now=T0,
    )
    db.session.commit()
    rounds_before = db.session.query(Round).count()
    for day in (1, 2):
        assert jobs.run_cadences(now=datetime(2027, 1, day, 8, 0, tzinfo=UTC)) == []
    assert db.session.query(Round).count() == rounds_before
    skipped = db.session.query(AuditEvent).filter_by(action="cadence.round_skipped").all()
    assert len(skipped) == 1
    assert "2027-H1" in skipped[0].details["reason"]
    assert not [m for m in _messages(db) if m.kind == notices.CADENCE_CREATED]
