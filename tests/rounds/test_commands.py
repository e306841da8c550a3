"""`surveys rounds ...` commands."""

from __future__ import annotations

from datetime import UTC, datetime

from surveys.rounds.models import Cadence, Round


def test_create_list_extend_cancel(runner, db, create_country, create_version):
    create_country("NE", "NER", "Niger", "Niger")
    create_country("ML", "MLI", "Mali", "Mali")
    create_version()
    result = runner.invoke(
        args=[
            "rounds",
            "create",
            "--version",
            "mini:1",
            "--period",
            "2030-H1",
            "--opens",
            "2030-01-10 09:00",
            "--closes",
            "2030-03-10 18:00",
            "--timezone",
            "Africa/Niamey",
        ]
    )
    assert result.exit_code == 0, result.output
    round_ = db.session.query(Round).one()
    assert round_.opens_at == datetime(2030, 1, 10, 8, 0, tzinfo=UTC)
    assert len(round_.participants) == 2

    listing = runner.invoke(args=["rounds", "list"])
    assert "mini v1" in listing.output and "2030-H1" in listing.output
    assert "scheduled" in listing.output

    extended = runner.invoke(
        args=["rounds", "extend", str(round_.id), "--closes", "2030-03-20 18:00", "--country", "NE"]
    )
    assert extended.exit_code == 0, extended.output

    cancelled = runner.invoke(args=["rounds", "cancel", str(round_.id)])
    assert cancelled.exit_code == 0, cancelled.output
    assert "cancelled" in runner.invoke(args=["rounds", "list"]).output


def test_bad_input_is_refused_with_a_message(runner, db, create_country, create_version):
    create_country("NE", "NER", "Niger", "Niger")
    create_version()
    result = runner.invoke(
        args=[
            "rounds",
            "create",
            "--version",
            "mini",
            "--period",
            "2030-H1",
            "--opens",
            "2030-03-10 09:00",
            "--closes",
            "2030-01-10 18:00",
        ]
    )
    assert result.exit_code != 0
    assert "The closing date must be after the opening date." in result.output
    result = runner.invoke(
        args=[
            "rounds",
            "create",
            "--version",
            "mini",
            "--period",
            "2030-H1",
            "--opens",
            "2030-01-10",
            "--closes",
            "2030-03-10",
            "--countries",
            "ZZ",
        ]
    )
    assert result.exit_code != 0 and "unknown country code(s): ZZ" in result.output
    result = runner.invoke(args=["rounds", "cancel", "999"])
    assert result.exit_code != 0 and "no round 999" in result.output
    assert db.session.query(Round).count() == 0


def test_cadence_command(runner, db, create_version):
    create_version()
    result = runner.invoke(
        args=["rounds", "cadence", "--questionnaire", "mini", "--first-opening", "2030-01-15 09:00"]
    )
    assert result.exit_code == 0, result.output
    assert db.session.query(Cadence).one().every_months == 6
    assert "every 6 months" in runner.invoke(args=["rounds", "cadences"]).output


def test_open_now_and_close_now_have_the_scheduled_effects_once(
    runner, db, create_country, create_version, create_user, create_submission
):
    from datetime import timedelta

    import sqlalchemy as sa

    from surveys.audit.models import AuditEvent
    from surveys.columns import utcnow
    from surveys.export.models import ArchivedWorkbook
    from surveys.notifications.models import OutboxMessage
    from surveys.results.models import ScoreSnapshot
    from surveys.rounds import notices
    from surveys.rounds.operations import create_round
    from surveys.scheduling import jobs

    niger, mali = create_country("NE", "NER", "Niger", "Niger"), create_country("ML", "MLI")
    create_user("respondent", countries=[niger], language="fr")
    create_user("respondent", countries=[mali])
    create_user("coordinator")
    now = utcnow()
    round_ = create_round(
        version=create_version(),
        period_label="2030-H1",
        opens_at=now + timedelta(days=10),
        closes_at=now + timedelta(days=40),
        country_ids=[niger.id, mali.id],
    )
    db.session.commit()

    def sent(kind: str) -> int:
        db.session.rollback()
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == kind)
        )

    opened = runner.invoke(args=["rounds", "open-now", str(round_.id)])
    assert opened.exit_code == 0, opened.output
    assert "is open; 2 opening notices queued" in opened.output
    again = runner.invoke(args=["rounds", "open-now", str(round_.id)])
    assert again.exit_code == 1 and "already opened" in again.output
    assert jobs.sweep(now=utcnow()) == 0  # the scheduler finds nothing left to do
    assert sent(notices.OPENING) == 2

    create_submission(db.session.get(Round, round_.id), niger, status="submitted")
    closed = runner.invoke(args=["rounds", "close-now", str(round_.id)])
    assert closed.exit_code == 0, closed.output
    assert sent(notices.CLOSING) == 2 and sent(notices.CLOSED_SUMMARY) == 1
    archived = db.session.scalars(sa.select(ArchivedWorkbook.language)).all()
    assert sorted(archived) == ["en", "fr"]
    assert "scorecard_mini_2030-H1_fr_" in closed.output
    snapshots = db.session.scalar(sa.select(sa.func.count()).select_from(ScoreSnapshot))
    assert snapshots > 0

    assert jobs.sweep(now=utcnow() + timedelta(minutes=1)) == 0
    assert runner.invoke(args=["rounds", "close-now", str(round_.id)]).exit_code == 1
    assert sent(notices.CLOSING) == 2 and sent(notices.CLOSED_SUMMARY) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ArchivedWorkbook)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreSnapshot)) == snapshots
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "round.opened_now" in actions and "round.closed_now" in actions
