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
