"""Reminders say how far the country has come, with answers carried over from the previous round
counted as their own state ("to confirm"), as the round page counts them (issue 14, point 2)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from surveys.columns import utcnow
from surveys.notifications.models import OutboxMessage
from surveys.responses.models import Answer
from surveys.responses.operations import counted_countries, round_answers
from surveys.roles import Role
from surveys.rounds.overview import country_rows
from surveys.rounds.reminders import send_reminder_now
from surveys.scheduling import jobs


@pytest.fixture
def round_with_progress(
    db, create_country, create_user, create_version, create_round, create_submission
):
    niger = create_country("NE", "NER", "Niger", "Niger")
    mali = create_country("ML", "MLI", "Mali", "Mali")
    people = {
        "NE": create_user(
            Role.RESPONDENT, countries=[niger], language="en", email="ne@example.org"
        ),
        "NE-fr": create_user(
            Role.RESPONDENT, countries=[niger], language="fr", email="fr@example.org"
        ),
        "ML": create_user(Role.RESPONDENT, countries=[mali], language="en", email="ml@example.org"),
    }
    round_ = create_round(create_version(), [niger, mali])
    submission = create_submission(
        round_,
        niger,
        {
            "legal_tip_offence": "yes",
            "legal_framework_status": "adopted",
            "protection_shelters": 4,
            "protection_focal_point": "Ministry of Justice",
        },
    )
    # Two answers came from the previous round and wait for the country's confirmation.
    for answer in db.session.scalars(
        sa.select(Answer).where(
            Answer.submission_id == submission.id,
            Answer.question_id.in_(("legal_framework_status", "protection_shelters")),
        )
    ):
        answer.carried_over = True
    db.session.commit()
    return round_, niger, mali, people


def remind(round_, country) -> None:
    """What the round page's "remind now" does (views.remind)."""
    from surveys.extensions import db

    send_reminder_now(
        round_.id,
        country.id,
        submitted=counted_countries(round_.id),
        answers=round_answers(round_.id),
    )
    db.session.commit()


def _body(db, email: str) -> str:
    return db.session.scalars(
        sa.select(OutboxMessage.body).where(OutboxMessage.recipient_email == email)
    ).one()


def test_the_reminder_counts_carried_over_answers_apart_as_the_round_page_does(
    db, round_with_progress
):
    round_, niger, mali, _people = round_with_progress
    rows = country_rows(round_, round_answers(round_.id), "en", utcnow())
    row = next(r for r in rows if r.country_id == niger.id)
    assert (row.answered, row.to_confirm) == (2, 2) and row.required > 4
    for country in (niger, mali):
        remind(round_, country)

    english = _body(db, "ne@example.org")
    assert f"Answered so far: 2 of {row.required} required questions." in english
    assert (
        "2 answers carried over from the previous round are waiting for your confirmation: "
        "confirm them, or change them, in their areas." in english
    )
    french = _body(db, "fr@example.org")
    assert (
        f"Réponses données à ce jour\u00a0: 2 sur {row.required} questions obligatoires." in french
    )
    assert "2 réponses reprises du cycle précédent attendent votre confirmation" in french
    assert "Nobody has started answering yet." in _body(db, "ml@example.org")
    # One paragraph each, one blank line between them.
    assert "\n\n\n" not in english and "\n\n\n" not in french
    assert "(Niger).\n\nAnswered so far" in english


def test_one_carried_over_answer_and_nothing_to_confirm(db, round_with_progress):
    round_, niger, _mali, _people = round_with_progress
    answer = db.session.scalars(
        sa.select(Answer).where(Answer.question_id == "protection_shelters")
    ).one()
    answer.carried_over = False  # confirmed: now an answer of this round
    db.session.commit()
    remind(round_, niger)
    english = _body(db, "ne@example.org")
    assert "Answered so far: 3 of" in english
    assert (
        "1 answer carried over from the previous round is waiting for your confirmation" in english
    )


def test_the_scheduled_reminder_says_the_same(db, round_with_progress):
    """The scheduler's reminder (a reminder offset fell due) carries the same figures."""
    from datetime import timedelta

    round_, _niger, _mali, _people = round_with_progress
    round_.reminder_offsets = [29]  # the round closes in 30 days: due tomorrow
    db.session.commit()
    assert jobs.send_reminders(round_.id, now=utcnow() + timedelta(days=2)) == 3
    db.session.commit()
    assert "Answered so far: 2 of" in _body(db, "ne@example.org")
    assert "2 answers carried over" in _body(db, "ne@example.org")
    assert "Nobody has started answering yet." in _body(db, "ml@example.org")
