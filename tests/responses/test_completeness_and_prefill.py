"""What stops a submission from being submitted, and pre-filling from the previous round."""

from __future__ import annotations

from datetime import timedelta

import pytest

from surveys.responses.fields import AnswerInput
from surveys.responses.operations import (
    answers_by_question,
    area_fingerprints,
    area_progress,
    completeness,
    confirm_carried_over,
    predecessor_ids,
    save_area,
    start_submission,
    visible_responses,
)
from tests.conftest import MINI_V2

COMPLETE = {
    "legal_tip_offence": "no",
    "legal_instruments": ["untoc"],
    "legal_framework_status": "in_force",
    "protection_shelters": 3,
    "protection_assisted_share": 55.5,
    "protection_focal_point": "Ministry of Justice",
    "protection_statistics": {"cells": {"prosecuted|2024|total": 12}, "source": "Police"},
}


def problems_by_question(submission):
    return {p.question_id: str(p.message) for p in completeness(submission)}


def test_an_empty_submission_lists_every_visible_required_question(world, started):
    problems = completeness(started)
    ids = [p.question_id for p in problems]
    assert "legal_tip_offence" in ids and "protection_statistics" in ids
    assert "legal_last_review" not in ids  # optional
    assert "legal_strategy_maturity" not in ids  # hidden: its condition is not met
    first = problems[0]
    assert (first.area_id, first.field) == ("legal", "legal_tip_offence-0")


def test_a_complete_submission_has_no_problem(world, create_submission):
    submission = create_submission(world.round, world.country, COMPLETE)
    assert completeness(submission) == []


def test_a_condition_that_shows_a_question_makes_it_required(world, create_submission):
    submission = create_submission(
        world.round, world.country, {**COMPLETE, "legal_tip_offence": "yes"}
    )
    assert list(problems_by_question(submission)) == ["legal_strategy_maturity"]


def test_not_applicable_needs_a_justification(world, create_submission):
    submission = create_submission(
        world.round, world.country, {**COMPLETE, "protection_assisted_share": "N/A"}
    )
    [problem] = completeness(submission)
    assert (problem.question_id, problem.field) == (
        "protection_assisted_share",
        "protection_assisted_share-na_reason",
    )


def test_figures_need_their_source(world, create_submission):
    stats = {"cells": {"prosecuted|2024|total": 12}, "source": " "}
    submission = create_submission(
        world.round, world.country, {**COMPLETE, "protection_statistics": stats}
    )
    [problem] = completeness(submission)
    assert problem.field == "protection_statistics-source"


def test_progress_counts_visible_questions_answered_or_not_applicable(world, create_submission):
    submission = create_submission(
        world.round, world.country, {"legal_tip_offence": "no", "protection_assisted_share": "N/A"}
    )
    definition = world.version.definition
    progress = {
        p.area.id: (p.answered, p.total)
        for p in area_progress(definition, answers_by_question(submission))
    }
    assert progress == {"legal": (1, 5), "protection": (1, 5)}


def test_visible_responses_leave_out_hidden_answers(world, create_submission):
    submission = create_submission(
        world.round, world.country, {"legal_tip_offence": "no", "legal_strategy_maturity": 2}
    )
    assert [r.question_id for r in visible_responses(submission)] == ["legal_tip_offence"]


# ---------------------------------------------------------------- pre-fill


@pytest.fixture
def next_round(world, create_version, create_round):
    """A validated v1 submission for Niger, and an open v2 round for it."""
    return create_round(
        create_version(MINI_V2), [world.country], period="2027-H1", opens_in=timedelta(days=1)
    )


def test_answers_are_carried_over_from_the_previous_validated_round_following_replaces(
    db, world, create_submission, next_round
):
    create_submission(
        world.round,
        world.country,
        {**COMPLETE, "legal_tip_offence": "partly", "protection_assisted_share": "N/A"},
        status="validated",
    )
    submission = start_submission(next_round, world.country, actor=world.respondent)
    db.session.commit()

    answers = answers_by_question(submission)
    renamed = answers["legal_tip_criminalised"]  # replaces legal_tip_offence
    assert (renamed.value, renamed.carried_over) == ("partly", True)
    assert answers["protection_assisted_share"].not_applicable
    assert answers["protection_shelters"].value == 3
    assert "Carried" not in answers["protection_shelters"].comment  # comments stay in their round
    problems = problems_by_question(submission)
    assert "Confirm or update" in problems["legal_tip_criminalised"]


def test_a_draft_of_the_previous_round_is_not_carried_over(
    db, world, create_submission, next_round
):
    create_submission(world.round, world.country, COMPLETE, status="draft")
    submission = start_submission(next_round, world.country, actor=world.respondent)
    assert answers_by_question(submission) == {}


def test_confirming_or_editing_clears_the_carried_over_mark(
    db, world, create_submission, next_round
):
    create_submission(world.round, world.country, COMPLETE, status="validated")
    submission = start_submission(next_round, world.country, actor=world.respondent)
    db.session.commit()
    area = next_round.version.definition.area("protection")
    base = area_fingerprints(area, answers_by_question(submission))

    save_area(
        submission,
        "protection",
        {
            "protection_shelters": AnswerInput(4),
            "protection_focal_point": AnswerInput("Ministry of Justice"),
        },
        actor=world.respondent,
        lock_version=submission.lock_version,
        base=base,
        confirm=["protection_focal_point"],
    )
    confirm_carried_over(submission, ["protection_statistics"], actor=world.respondent)

    answers = answers_by_question(submission)
    assert not answers["protection_shelters"].carried_over  # edited
    assert not answers["protection_focal_point"].carried_over  # confirmed unchanged
    assert not answers["protection_statistics"].carried_over
    assert answers["legal_instruments"].carried_over  # untouched


def test_a_carried_over_not_applicable_waits_for_confirmation_like_a_value(
    db, world, create_submission, next_round
):
    """The area's progress and the list of what stops submitting count the same carried-over
    answers: a "not applicable" (with its reason) carried over is one of them (it was counted
    in one and never asked for in the other, so submitting skipped its confirmation)."""
    from surveys.responses.models import Answer

    previous = create_submission(world.round, world.country, COMPLETE, status="validated")
    share = (
        db.session.query(Answer)
        .filter_by(submission_id=previous.id, question_id="protection_assisted_share")
        .one()
    )
    share.value, share.not_applicable, share.na_justification = None, True, "No victims"
    db.session.commit()
    submission = start_submission(next_round, world.country, actor=world.respondent)
    db.session.commit()

    answers = answers_by_question(submission)
    assert answers["protection_assisted_share"].carried_over
    to_confirm = [p for p in completeness(submission) if p.to_confirm]
    assert "protection_assisted_share" in {p.question_id for p in to_confirm}
    definition = next_round.version.definition
    for progress in area_progress(definition, answers):
        in_area = [p for p in to_confirm if p.area_id == progress.area.id]
        assert progress.to_confirm == len(in_area), progress.area.id


def test_predecessors_follow_replaces_through_intermediate_versions(world):
    from dataclasses import replace

    v1 = world.version.definition
    # v3 renames legal_tip_offence again, v2 (in between) had renamed it first.
    v2_area = replace(
        v1.areas[0],
        questions=(replace(v1.areas[0].questions[0], id="tip_v2", replaces="legal_tip_offence"),),
    )
    v2 = replace(v1, version=2, areas=(v2_area,))
    v3_area = replace(
        v1.areas[0], questions=(replace(v1.areas[0].questions[0], id="tip_v3", replaces="tip_v2"),)
    )
    v3 = replace(v1, version=3, areas=(v3_area,))
    assert predecessor_ids(v3, v1, [v2]) == {"tip_v3": "legal_tip_offence"}
