"""The demo tells the truth about time (issue 14, point 11): period labels follow the rounds'
dates, each questionnaire version was published before the round that used it, closing snapshots
and archives carry the round's closing date, and focal points have names of their country's
language, in pages and e-mails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from surveys.accounts.labels import FRANCOPHONE_COUNTRIES
from surveys.accounts.models import User
from surveys.demo import load_demo
from surveys.demo.accounts import RESPONDENT_NAMES
from surveys.demo.rounds import closed_demo_round, open_demo_round
from surveys.demo.timeline import demo_timeline
from surveys.export.models import ArchivedWorkbook
from surveys.notifications.models import OutboxMessage
from surveys.questionnaire.models import QuestionnaireVersion
from surveys.responses.models import AnswerRevision, Submission
from surveys.results.models import ScoreSnapshot, Trigger
from surveys.rounds.models import Round
from surveys.rounds.operations import period_label_for

# Loaded on these days, the demo must tell the same story (each half-year edge included).
TODAYS = [
    datetime(2026, 1, 2, 9, 0, tzinfo=UTC),
    datetime(2026, 7, 30, 23, 59, tzinfo=UTC),
    datetime(2026, 12, 4, 13, 0, tzinfo=UTC),
    datetime(2027, 3, 31, 6, 0, tzinfo=UTC),
    datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
]


@pytest.mark.parametrize("today", TODAYS, ids=lambda d: d.date().isoformat())
def test_timeline_labels_follow_the_dates_and_versions_precede_their_rounds(today):
    timeline = demo_timeline(today)
    assert timeline.open_period == period_label_for(timeline.open_opens, 6)
    assert timeline.closed_period == period_label_for(timeline.closed_opens, 6)
    assert timeline.closed_period != timeline.open_period
    half = "H1" if timeline.open_opens.month <= 6 else "H2"
    assert timeline.open_period == f"{timeline.open_opens.year}-{half}"
    v1, v2, v3 = (timeline.published_at(n, 3) for n in (1, 2, 3))
    # v1 over a year ago and before the closed round; v2 between the rounds; v3 before the
    # open round, which is open today.
    assert today - v1 > timedelta(days=365)
    assert v1 < timeline.closed_opens < timeline.closed_closes < v2 < v3 < timeline.open_opens
    assert timeline.open_opens < today < timeline.open_closes


@pytest.fixture
def demo(app, db, monkeypatch, tmp_path):
    from surveys.demo import accounts as accounts_demo

    monkeypatch.setattr(accounts_demo, "demo_logins_path", lambda: tmp_path / "demo-logins.txt")
    load_demo()
    db.session.commit()


def test_demo_dates_labels_versions_and_stamps_agree(db, demo, runner):
    """One load of the whole demo (slow), every time-related fact checked on it."""
    _rounds_are_labelled_by_their_dates(db)
    _no_version_is_published_after_a_round_that_used_it(db)
    _snapshots_and_archives_are_stamped_when_they_were_taken(db)
    result = runner.invoke(args=["scores", "recompute"])
    assert result.exit_code == 0, result.output
    assert "all reproduced exactly" in result.output


def _rounds_are_labelled_by_their_dates(db):
    rounds = db.session.scalars(sa.select(Round)).all()
    assert len(rounds) == 2
    for round_ in rounds:
        assert round_.period_label == period_label_for(round_.opens_at, 6)
    closed, open_ = closed_demo_round(), open_demo_round()
    assert closed.closes_at < datetime.now(UTC) < open_.closes_at
    assert add_year(closed.opens_at) == open_.opens_at


def add_year(moment: datetime) -> datetime:
    from surveys.rounds.operations import add_months

    return add_months(moment, 12)


def _no_version_is_published_after_a_round_that_used_it(db):
    now = datetime.now(UTC)
    versions = db.session.scalars(
        sa.select(QuestionnaireVersion).order_by(QuestionnaireVersion.version)
    ).all()
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[0].published_at < now - timedelta(days=365)
    assert versions[0].published_at < versions[1].published_at < versions[2].published_at < now
    for round_ in db.session.scalars(sa.select(Round)):
        assert round_.version.published_at < round_.opens_at


def _snapshots_and_archives_are_stamped_when_they_were_taken(db):
    closed = closed_demo_round()
    closing = db.session.scalars(
        sa.select(ScoreSnapshot)
        .join(Submission)
        .where(Submission.round_id == closed.id, ScoreSnapshot.trigger == Trigger.ROUND_CLOSED)
    ).all()
    assert len(closing) == 16
    assert {s.created_at for s in closing} == {closed.latest_closes_at}
    archives = db.session.scalars(
        sa.select(ArchivedWorkbook).where(ArchivedWorkbook.round_id == closed.id)
    ).all()
    assert len(archives) == 2
    assert {a.created_at for a in archives} == {closed.latest_closes_at}
    stamp = closed.latest_closes_at.strftime("%Y%m%dT%H%M%SZ")
    assert all(stamp in a.filename for a in archives)
    for snapshot in db.session.scalars(
        sa.select(ScoreSnapshot).where(ScoreSnapshot.trigger != Trigger.ROUND_CLOSED)
    ):
        submission = snapshot.submission
        expected = {
            Trigger.SUBMITTED: submission.submitted_at,
            Trigger.VALIDATED: submission.validated_at,
        }[Trigger(snapshot.trigger)]
        assert snapshot.created_at == expected <= closed.latest_closes_at
    # The latest snapshot of each submission is also the most recent: the closing one.
    latest = {}
    for snapshot in db.session.scalars(sa.select(ScoreSnapshot).order_by(ScoreSnapshot.id)):
        assert snapshot.created_at >= latest.get(snapshot.submission_id, snapshot.created_at)
        latest[snapshot.submission_id] = snapshot.created_at
    # Answers of the closed round were saved while it was open.
    saved = db.session.scalars(
        sa.select(AnswerRevision.saved_at)
        .join(Submission, Submission.id == AnswerRevision.submission_id)
        .where(Submission.round_id == closed.id)
    ).all()
    assert saved and all(closed.opens_at < moment < closed.closes_at for moment in saved)


def test_focal_points_have_names_of_their_countrys_language(db, demo, client, login):
    respondents = db.session.scalars(
        sa.select(User).where(User.email.like("respondent-%@demo.example.org"))
    ).all()
    assert len(respondents) == 17
    names = [user.name for user in respondents]
    assert len(set(names)) == len(names)
    for user in respondents:
        codes = {c.iso2 for c in user.countries}
        country_names = {c.name("en") for c in user.countries} | {
            c.name("fr") for c in user.countries
        }
        assert not any(word in user.name.lower() for word in ("focal", "point", "respondent"))
        assert not any(name in user.name for name in country_names)
        assert len(user.name.split()) >= 2  # a given name and a family name
        assert user.language == ("fr" if codes & FRANCOPHONE_COUNTRIES else "en")
    niger = next(u for u in respondents if u.email == "respondent-ne@demo.example.org")
    assert niger.name == "Aïssa Maïga" == RESPONDENT_NAMES["NE"]
    # French focal points of the francophone Sahel carry French-spelt names (accents, no
    # English given names); the British one an English name.
    french = {RESPONDENT_NAMES[code] for code in ("NE", "ML", "BF", "FR")}
    assert all(any(ch in name for ch in "éèïëç") for name in french)
    # E-mails greet people by their names, in their language.
    opening = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient_email == niger.email)
    ).first()
    assert opening is not None and opening.language == "fr"
    assert opening.body.startswith("Bonjour Aïssa Maïga,")
    british = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.recipient_email == "respondent-gb@demo.example.org"
        )
    ).first()
    assert british.body.startswith("Dear Emma Clarke,")
    # Pages name them too: the reminder confirmation lists Niger's people.
    coordinator = db.session.scalar(
        sa.select(User).where(User.email == "coordinator@demo.example.org")
    )
    login(coordinator)
    niger_id = next(c.id for c in niger.countries)
    page = client.get(f"/rounds/{open_demo_round().id}/countries/{niger_id}/remind")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Aïssa Maïga" in html and "Ibrahim Touré" in html and "Focal point" not in html
