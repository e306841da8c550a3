"""Stored score snapshots are the record for rounds whose answers the workbook does not print."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from surveys.export.queries import load_round, stored_scorecards
from surveys.export.scorecard import build_scorecard
from surveys.export.trends import build_trends
from surveys.responses.models import Answer
from surveys.results.operations import snapshot_submission
from surveys.scoring import OVERALL, compare_scorecards
from tests.export.helpers import engine_scorecard, openpyxl_book, table, values


def summary_rows(path) -> dict:
    rows = table(values(openpyxl_book(path)["Summary"]), "Country")
    return {r["Country code"]: r for r in rows}


def change_answer(db, submission, question_id: str, value) -> None:
    answer = db.session.scalar(
        sa.select(Answer).where(
            Answer.submission_id == submission.id, Answer.question_id == question_id
        )
    )
    answer.value = value
    db.session.commit()


def test_trends_indices_come_from_the_latest_snapshot(export_data, db, tmp_path):
    niger = export_data.submissions["NE"]
    recorded = engine_scorecard(niger)
    snapshot_submission(niger, "validated")
    db.session.commit()
    change_answer(db, niger, "legal_tip_criminalised", "no")  # edited after the snapshot
    live = engine_scorecard(niger)
    assert live.overall.value != recorded.overall.value

    for with_responses in (False, True):
        path = tmp_path / f"trends-{with_responses}.xlsx"
        build_trends("mini", "en", path, with_responses=with_responses)
        book = openpyxl_book(path)
        rows = table(values(book["Indices (long)"]), "Questionnaire version")
        shown = next(
            r
            for r in rows
            if r["Period"] == "2026" and r["Country code"] == "NE" and r["Key"] == OVERALL
        )
        assert shown["Index (0-100)"] == float(recorded.overall.value)
    # The answers printed are today's, scored as they are.
    tidy = table(values(book["Responses"]), "Round")
    row = next(
        r
        for r in tidy
        if r["Period"] == "2026"
        and r["Country code"] == "NE"
        and r["Question id"] == "legal_tip_criminalised"
    )
    assert (row["Answer value"], row["Score"]) == ("no", 0)


def test_the_scorecard_scores_the_answers_it_prints(export_data, db, tmp_path):
    niger = export_data.submissions["NE"]
    snapshot_submission(niger, "validated")
    db.session.commit()
    change_answer(db, niger, "legal_tip_criminalised", "no")
    path = tmp_path / "scorecard.xlsx"
    build_scorecard(export_data.round.id, "en", path)
    summary = {
        r["Country code"]: r for r in table(values(openpyxl_book(path)["Summary"]), "Country")
    }
    assert summary["NE"]["Overall index"] == float(engine_scorecard(niger).overall.value)


def test_the_previous_round_baseline_is_its_snapshot(export_data, db, tmp_path):
    niger = export_data.submissions["NE"]
    previous = next(s for s in export_data.previous_submissions if s.country_id == niger.country_id)
    recorded = engine_scorecard(previous)
    snapshot_submission(previous, "round_closed")
    db.session.commit()
    change_answer(db, previous, "legal_tip_offence", "no")  # e.g. a correction after closing
    path = tmp_path / "scorecard.xlsx"
    build_scorecard(export_data.round.id, "en", path)
    summary = {
        r["Country code"]: r for r in table(values(openpyxl_book(path)["Summary"]), "Country")
    }
    progress = compare_scorecards(
        previous.round.version.definition,
        recorded,
        niger.round.version.definition,
        engine_scorecard(niger),
    )
    assert summary["NE"]["Change since previous round"] == pytest.approx(
        float(progress.overall.change)
    )


def test_snapshots_of_another_definition_or_rule_version_are_not_used(export_data, db):
    from surveys.results.models import ScoreSnapshot

    niger = export_data.submissions["NE"]
    snapshot = snapshot_submission(niger, "validated")
    db.session.commit()
    loaded = load_round(export_data.round.id)
    assert set(stored_scorecards(loaded, [niger.id])) == {niger.id}
    for field, value in (("scoring_version", "0"), ("definition_sha256", "b" * 64)):
        stale = ScoreSnapshot(
            submission_id=niger.id,
            trigger="validated",
            definition_sha256=snapshot.definition_sha256,
            scoring_version=snapshot.scoring_version,
            inputs=[],
            result=snapshot.result,
        )
        setattr(stale, field, value)
        db.session.add(stale)
        db.session.commit()
        assert stored_scorecards(loaded, [niger.id]) == {}
