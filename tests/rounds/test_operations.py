"""Round operations: each refusal gives its own message and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from surveys.audit.models import AuditEvent
from surveys.review.workflow import reopen_country
from surveys.roles import Role
from surveys.rounds.models import Round, RoundCountry
from surveys.rounds.operations import (
    RoundError,
    cadence_occurrence_due,
    cancel_round,
    create_cadence,
    create_round,
    extend_country,
    move_closing,
    period_label_for,
    state_of,
    update_round,
)
from surveys.rounds.state import RoundState
from tests.conftest import MINI_V2

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def setup(db, create_country, create_version, create_user):
    niger = create_country("NE", "NER", "Niger", "Niger")
    mali = create_country("ML", "MLI", "Mali", "Mali")
    version = create_version()
    coordinator = create_user(Role.COORDINATOR)
    return {"niger": niger, "mali": mali, "version": version, "coordinator": coordinator}


def _create(setup, **overrides) -> Round:
    fields = {
        "version": setup["version"],
        "period_label": "2026-H2",
        "opens_at": NOW + 10 * DAY,
        "closes_at": NOW + 40 * DAY,
        "now": NOW,
    }
    fields.update(overrides)
    return create_round(**fields)


def _database_state(db) -> tuple:
    rounds = [
        (r.id, r.period_label, r.opens_at, r.closes_at, r.cancelled_at, tuple(r.reminder_offsets))
        for r in db.session.query(Round).order_by(Round.id)
    ]
    overrides = [
        (p.round_id, p.country_id, p.closes_at_override)
        for p in db.session.query(RoundCountry).order_by(RoundCountry.country_id)
    ]
    return rounds, overrides, db.session.query(AuditEvent).count()


def _refused(db, call, expected: str, field: str | None = None) -> RoundError:
    before = _database_state(db)
    with pytest.raises(RoundError) as caught:
        call()
    db.session.rollback()
    assert expected in caught.value.message
    if field is not None:
        assert caught.value.field == field
    assert _database_state(db) == before
    return caught.value


def test_create_takes_all_active_countries_by_default(db, setup):
    round_ = _create(setup)
    db.session.commit()
    assert {p.country_id for p in round_.participants} == {setup["niger"].id, setup["mali"].id}
    assert round_.reminder_offsets == [14, 7, 1]
    assert state_of(round_, NOW) == RoundState.SCHEDULED
    assert state_of(round_, NOW + 11 * DAY) == RoundState.OPEN
    assert state_of(round_, NOW + 41 * DAY) == RoundState.CLOSED


def test_closing_before_opening_is_refused(db, setup):
    _refused(
        db,
        lambda: _create(setup, closes_at=NOW + 5 * DAY),
        "closing date must be after the opening date",
        "closes_at",
    )


def test_unpublished_version_is_refused(db, setup, create_version):
    draft = create_version(MINI_V2, publish=False)
    _refused(db, lambda: _create(setup, version=draft), "is not published", "version_id")


def test_unknown_and_inactive_countries_are_refused(db, setup):
    _refused(db, lambda: _create(setup, country_ids=[999]), "Unknown country: 999", "country_ids")
    _refused(db, lambda: _create(setup, country_ids=[]), "at least one country", "country_ids")
    setup["mali"].active = False
    db.session.commit()
    _refused(db, lambda: _create(setup, country_ids=[setup["mali"].id]), "Mali is inactive")


def test_period_label_clash_is_refused_across_versions(db, setup, create_version):
    _create(setup)
    db.session.commit()
    v2 = create_version(MINI_V2)
    _refused(
        db,
        lambda: _create(setup, version=v2, period_label=" 2026-h2 "),
        "already a round for period 2026-H2",
        "period_label",
    )


def test_bad_reminder_offsets_and_past_opening_are_refused(db, setup):
    _refused(db, lambda: _create(setup, reminder_offsets=["7", "x"]), "between 1 and 365")
    _refused(db, lambda: _create(setup, reminder_offsets=[0]), "between 1 and 365")
    _refused(db, lambda: _create(setup, opens_at=NOW - DAY), "opening date is in the past")
    _refused(db, lambda: _create(setup, period_label="  "), "Give the period", "period_label")


def test_before_opening_everything_may_change(db, setup):
    round_ = _create(setup)
    db.session.commit()
    update_round(
        round_,
        period_label="2026-H2b",
        opens_at=NOW + 2 * DAY,
        country_ids=[setup["niger"].id],
        reminder_offsets=[3],
        now=NOW,
    )
    db.session.commit()
    assert round_.period_label == "2026-H2b"
    assert [p.country_id for p in round_.participants] == [setup["niger"].id]
    assert round_.reminder_offsets == [3]


def test_after_opening_only_the_closing_date_moves(db, setup):
    round_ = _create(setup)
    db.session.commit()
    opened = NOW + 11 * DAY
    _refused(
        db,
        lambda: update_round(round_, period_label="2027-H1", now=opened),
        "only its closing date can change",
    )
    _refused(
        db,
        lambda: update_round(round_, country_ids=[setup["niger"].id], now=opened),
        "only its closing date can change",
    )
    update_round(round_, closes_at=NOW + 50 * DAY, now=opened)
    db.session.commit()
    assert round_.closes_at == NOW + 50 * DAY


def test_cancel_only_before_opening(db, setup):
    round_ = _create(setup)
    db.session.commit()
    _refused(db, lambda: cancel_round(round_, now=NOW + 11 * DAY), "only be cancelled before")
    cancel_round(round_, now=NOW)
    db.session.commit()
    assert state_of(round_, NOW) == RoundState.CANCELLED
    _refused(db, lambda: cancel_round(round_, now=NOW), "already cancelled")
    _refused(
        db,
        lambda: extend_country(round_, setup["niger"].id, NOW + 60 * DAY, now=NOW),
        "cancelled",
    )


def test_extension_on_a_closed_round_is_refused(db, setup):
    round_ = _create(setup)
    db.session.commit()
    closed = NOW + 41 * DAY
    _refused(
        db,
        lambda: extend_country(round_, setup["niger"].id, NOW + 60 * DAY, now=closed),
        "reopen the country's submission instead",
    )
    _refused(db, lambda: move_closing(round_, NOW + 60 * DAY, now=closed), "This round is closed")


def test_extension_must_be_later_and_for_a_participant(db, setup, create_country):
    round_ = _create(setup, country_ids=[setup["niger"].id])
    db.session.commit()
    during = NOW + 20 * DAY
    refused = _refused(
        db,
        lambda: extend_country(round_, setup["niger"].id, NOW + 30 * DAY, now=during),
        "must end after the current closing date",
    )
    # The closing date as the pages write it (it read "2026-12-31 18:00 UTC").
    closes = round_.participant(setup["niger"].id).closes_at
    assert f"({closes.day} {closes:%b %Y, %H:%M})." in refused.message
    _refused(
        db,
        lambda: extend_country(round_, setup["mali"].id, NOW + 60 * DAY, now=during),
        "Mali: this country does not take part",
    )
    _refused(
        db,
        lambda: extend_country(round_, 4242, NOW + 60 * DAY, now=during),
        "Unknown country",
    )
    extend_country(round_, setup["niger"].id, NOW + 60 * DAY, now=during)
    db.session.commit()
    participant = round_.participant(setup["niger"].id)
    assert participant.closes_at == NOW + 60 * DAY
    assert state_of(round_, NOW + 45 * DAY) == RoundState.OPEN


def test_reopen_after_closing_sends_the_submission_back(db, setup, create_submission):
    round_ = _create(setup)
    db.session.commit()
    submission = create_submission(round_, setup["niger"], status="submitted")
    closed = NOW + 41 * DAY
    _refused(
        db,
        lambda: reopen_country(
            round_,
            setup["niger"].id,
            NOW + 60 * DAY,
            now=NOW + 20 * DAY,
            actor=setup["coordinator"],
            note="x",
        ),
        "still open",
    )
    reopen_country(
        round_,
        setup["niger"].id,
        closed + 7 * DAY,
        now=closed,
        actor=setup["coordinator"],
        note="Figures for 2025 were missing.",
    )
    db.session.commit()
    db.session.refresh(submission)
    assert submission.status == "returned"
    assert round_.participant(setup["niger"].id).closes_at == closed + 7 * DAY


def test_reopening_for_a_country_that_had_not_submitted_tells_its_respondents(
    db, setup, create_submission, create_user
):
    """Its respondents learn the round is open to them again and until when; a submitted
    country's are told by the reopening notice (with the reason), not twice."""
    from surveys.notifications.models import OutboxMessage

    round_ = _create(setup)
    db.session.commit()
    create_submission(round_, setup["niger"], status="draft")
    respondent = create_user("respondent", countries=[setup["niger"]], email="ne@example.org")
    closed = NOW + 41 * DAY
    reopen_country(
        round_, setup["niger"].id, closed + 7 * DAY, now=closed, actor=setup["coordinator"]
    )
    db.session.commit()
    [told] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert (told.recipient_email, told.kind) == (respondent.email, "round.extended")


def test_cadence_dates_and_labels(db, setup):
    cadence = create_cadence(
        questionnaire=setup["version"].questionnaire,
        every_months=6,
        open_weeks=8,
        lead_days=14,
        first_opens_at=datetime(2026, 1, 15, 8, 0, tzinfo=UTC),
        now=NOW,
    )
    db.session.commit()
    # Mid-way between occurrences: nothing to create.
    assert cadence_occurrence_due(cadence, datetime(2026, 4, 1, tzinfo=UTC)) is None
    # Fourteen days before July's opening: July's round.
    due = cadence_occurrence_due(cadence, datetime(2026, 7, 1, 8, 0, tzinfo=UTC))
    assert due == datetime(2026, 7, 15, 8, 0, tzinfo=UTC)
    assert period_label_for(due, 6) == "2026-H2"
    assert period_label_for(datetime(2026, 2, 1, tzinfo=UTC), 3) == "2026-Q1"


def test_overlapping_cadence_is_refused(db, setup):
    _refused(
        db,
        lambda: create_cadence(
            questionnaire=setup["version"].questionnaire,
            every_months=1,
            open_weeks=8,
            lead_days=7,
            first_opens_at=NOW,
            now=NOW,
        ),
        "overlap",
        "open_weeks",
    )


def test_every_wrong_value_of_a_new_round_is_reported_at_once(db, setup):
    error = _refused(
        db,
        lambda: _create(
            setup,
            period_label=" ",
            closes_at=NOW + 5 * DAY,
            country_ids=[],
            reminder_offsets=["14", "abc", "-3"],
        ),
        "Give the period",
    )
    assert [(p.field, p.message) for p in error.problems] == [
        ("period_label", "Give the period the round covers, e.g. 2026-H2."),
        ("closes_at", "The closing date must be after the opening date."),
        ("country_ids", "Choose at least one country."),
        (
            "reminder_offsets",
            "Reminders are whole numbers of days between 1 and 365: abc, -3 are not.",
        ),
    ]


def test_a_reminder_that_would_go_before_the_opening_is_refused(db, setup, app):
    with app.test_request_context():
        error = _refused(
            db,
            lambda: _create(setup, closes_at=NOW + 15 * DAY, reminder_offsets=[1, 7, 14]),
            "A reminder 7 days before closing would go on 9 Jun 2026, 12:00, before the round "
            "opens on 11 Jun 2026, 12:00.",
            "reminder_offsets",
        )
    assert [p.message.split(" before closing")[0] for p in error.problems] == [
        "A reminder 14 days",
        "A reminder 7 days",
    ]


def test_default_reminders_are_those_that_fit_in_a_short_round(db, setup):
    round_ = _create(setup, closes_at=NOW + 15 * DAY)  # five days open: 14 and 7 would not fit
    db.session.commit()
    assert round_.reminder_offsets == [1]


def test_moving_a_scheduled_rounds_closing_before_its_reminders_is_refused(db, setup):
    round_ = _create(setup, reminder_offsets=[7])
    db.session.commit()
    _refused(
        db,
        lambda: move_closing(round_, NOW + 12 * DAY, now=NOW),
        "A reminder 7 days before closing would go on",
        "closes_at",
    )


def test_a_cadence_whose_reminders_do_not_fit_still_gets_its_rounds(db, setup):
    from surveys.rounds.models import Cadence
    from surveys.rounds.operations import create_cadence_round

    # Saved before reminders were checked against the rounds' length.
    cadence = Cadence(
        questionnaire_id=setup["version"].questionnaire_id,
        every_months=6,
        open_weeks=2,
        lead_days=7,
        first_opens_at=NOW + 10 * DAY,
        reminder_offsets=[30, 7],
        active=True,
    )
    db.session.add(cadence)
    db.session.commit()
    round_ = create_cadence_round(cadence, NOW + 10 * DAY, now=NOW)
    db.session.commit()
    assert round_.reminder_offsets == [7]
    refused = _refused(
        db,
        lambda: create_cadence(
            questionnaire=setup["version"].questionnaire,
            every_months=6,
            open_weeks=2,
            lead_days=7,
            first_opens_at=NOW + 10 * DAY,
            reminder_offsets=["30", "7"],
            now=NOW,
        ),
        "A reminder 30 days before closing would go before the round opens",
        "reminder_offsets",
    )
    assert len(refused.problems) == 1
