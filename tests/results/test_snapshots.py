"""Snapshots: stored on submit, validate and round close; recompute reproduces them exactly."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from surveys.responses.models import Answer
from surveys.results.models import ScoreSnapshot
from surveys.results.operations import (
    latest_snapshots,
    recompute,
    responses_for,
    snapshot_round_close,
    snapshot_submission,
)
from surveys.scoring import score, scorecard_from_dict
from surveys.scoring.engine import IndexStatus
from tests.results.conftest import SPARSE, STRONG, WEAK


def test_snapshot_stores_the_scorecard_with_hash_version_and_answers(db, scored_round):
    round_, _, subs = scored_round({"NE": (STRONG, "submitted")})
    snapshot = snapshot_submission(subs["NE"], "submitted")
    db.session.commit()

    stored = db.session.get(ScoreSnapshot, snapshot.id)
    assert stored.trigger == "submitted"
    assert stored.definition_sha256 == round_.version.sha256
    assert stored.scoring_version == "1"
    card = scorecard_from_dict(stored.result)
    assert card == score(round_.version.definition, responses_for(subs["NE"]))
    assert card.overall.status is IndexStatus.SCORED
    assert {i["q"] for i in stored.inputs} == set(STRONG)


def test_responses_for_reads_not_applicable_and_values(db, scored_round):
    _, _, subs = scored_round({"ML": (WEAK, "submitted")})
    responses = {r.question_id: r for r in responses_for(subs["ML"])}
    assert responses["protection_assisted_share"].not_applicable is True
    assert responses["legal_instruments"].value == ["untoc"]
    assert responses["protection_shelters"].value == 0


def test_unknown_trigger_is_refused(db, scored_round):
    _, _, subs = scored_round({"NE": (STRONG, "submitted")})
    with pytest.raises(ValueError):
        snapshot_submission(subs["NE"], "edited")


def test_database_refuses_an_unknown_trigger(db, scored_round):
    round_, _, subs = scored_round({"NE": (STRONG, "submitted")})
    db.session.add(
        ScoreSnapshot(
            submission_id=subs["NE"].id,
            trigger="edited",
            definition_sha256=round_.version.sha256,
            scoring_version="1",
            inputs=[],
            result={},
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_round_close_snapshots_every_submission_once(db, scored_round):
    round_, _, subs = scored_round(
        {"NE": (STRONG, "validated"), "ML": (WEAK, "draft"), "TD": ({}, None)},
        opens_in=timedelta(days=-20),
        closes_in=timedelta(days=-1),
    )
    assert snapshot_round_close(round_.id) == 2
    db.session.commit()
    assert snapshot_round_close(round_.id) == 0  # idempotent
    latest = latest_snapshots(s.id for s in subs.values())
    assert {snapshot.trigger for snapshot in latest.values()} == {"round_closed"}
    assert len(latest) == 2


def test_a_reopened_country_closing_again_gets_a_new_closing_snapshot(db, scored_round):
    round_, _, subs = scored_round(
        {"ML": (WEAK, "draft")}, opens_in=timedelta(days=-20), closes_in=timedelta(days=-1)
    )
    first = snapshot_round_close(round_.id)
    db.session.commit()
    answer = db.session.scalar(
        sa.select(Answer).where(
            Answer.submission_id == subs["ML"].id, Answer.question_id == "legal_tip_offence"
        )
    )
    answer.value = "yes"
    db.session.commit()
    assert (first, snapshot_round_close(round_.id)) == (1, 1)
    stored = db.session.scalars(sa.select(ScoreSnapshot).order_by(ScoreSnapshot.id)).all()
    assert scorecard_from_dict(stored[0].result) != scorecard_from_dict(stored[1].result)


def test_a_cancelled_round_gets_no_closing_snapshot(db, scored_round):
    from surveys.columns import utcnow

    round_, _, _ = scored_round({"NE": (STRONG, "submitted")})
    round_.cancelled_at = utcnow()
    db.session.commit()
    assert snapshot_round_close(round_.id) == 0


def test_round_close_of_an_unknown_round_stores_nothing(db):
    assert snapshot_round_close(12345) == 0


def test_latest_snapshot_is_the_newest(db, scored_round):
    _, _, subs = scored_round({"NE": (STRONG, "validated")})
    snapshot_submission(subs["NE"], "submitted")
    validated = snapshot_submission(subs["NE"], "validated")
    db.session.commit()
    assert latest_snapshots([subs["NE"].id])[subs["NE"].id].id == validated.id


def test_recompute_reproduces_every_snapshot(db, scored_round, runner):
    round_, _, subs = scored_round(
        {"NE": (STRONG, "validated"), "ML": (WEAK, "submitted"), "BF": (SPARSE, "draft")}
    )
    for submission in subs.values():
        snapshot_submission(submission, "submitted")
    db.session.commit()

    report = recompute(round_.id)
    assert report.checked == 3
    assert report.ok, [d.describe() for d in report.differences]
    result = runner.invoke(args=["scores", "recompute", "--round", str(round_.id)])
    assert result.exit_code == 0, result.output
    assert "3 snapshot(s) checked" in result.output


def test_recompute_reports_a_tampered_result(db, scored_round, runner):
    _, _, subs = scored_round({"NE": (STRONG, "validated")})
    snapshot = snapshot_submission(subs["NE"], "validated")
    result = dict(snapshot.result)
    result["overall"] = dict(result["overall"], value="99.99")
    snapshot.result = result
    db.session.commit()

    report = recompute()
    assert [d.kind for d in report.differences] == ["result"]
    assert any("overall.value: '99.99' ->" in line for line in report.differences[0].details)
    cli = runner.invoke(args=["scores", "recompute"])
    assert cli.exit_code == 1
    assert f"snapshot {snapshot.id}" in cli.output
    assert "overall.value" in cli.output


def test_recompute_reports_answers_changed_after_validation(db, scored_round):
    _, _, subs = scored_round({"NE": (STRONG, "validated")})
    snapshot_submission(subs["NE"], "validated")
    db.session.commit()
    answer = db.session.scalar(
        sa.select(Answer).where(
            Answer.submission_id == subs["NE"].id, Answer.question_id == "legal_tip_offence"
        )
    )
    answer.value = "no"
    db.session.commit()

    differences = recompute().differences
    assert [d.kind for d in differences] == ["answers"]
    assert "legal_tip_offence" in differences[0].details[0]


def test_recompute_ignores_later_edits_of_a_returned_submission(db, scored_round):
    _, _, subs = scored_round({"NE": (STRONG, "returned")})
    snapshot_submission(subs["NE"], "submitted")
    answer = db.session.scalar(sa.select(Answer).where(Answer.submission_id == subs["NE"].id))
    answer.value = None
    db.session.commit()
    assert recompute().ok


def test_recompute_with_nothing_stored_says_so(runner, db):
    result = runner.invoke(args=["scores", "recompute"])
    assert result.exit_code == 0
    assert "0 snapshot(s) checked" in result.output


def test_dashboards_use_a_snapshot_only_under_todays_scoring_rules(db, scored_round):
    from surveys.results.operations import scorecards_for

    _, _, subs = scored_round({"NE": (STRONG, "validated"), "ML": (WEAK, "submitted")})
    current = snapshot_submission(subs["NE"], "validated")
    older = snapshot_submission(subs["ML"], "submitted")
    # ML's snapshot was taken by an earlier scoring code, whose result differed.
    older.scoring_version = "0"
    older.result = {**older.result, "scoring_version": "0"}
    db.session.commit()

    found = scorecards_for([subs["NE"], subs["ML"]])
    assert found[subs["NE"].id].snapshot_id == current.id
    assert found[subs["ML"].id].snapshot_id is None  # scored now, by today's rules
    expected = score(subs["ML"].round.version.definition, responses_for(subs["ML"]))
    assert found[subs["ML"].id].scorecard == expected
