"""Progress across rounds: common questions, replaces links, comparability and regressions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from surveys.scoring import (
    ChangeStatus,
    compare,
    compare_scorecards,
    match_questions,
    score,
    scorecard_from_dict,
    scorecard_to_dict,
)

from .builders import answers, area, definition, statistics, text, yes_partly_no


def D(text: str) -> Decimal:
    return Decimal(text)


def two_rounds(**kwargs):
    v1 = definition(area("a", yes_partly_no("q1"), yes_partly_no("q2")), version=1, **kwargs)
    v2 = definition(area("a", yes_partly_no("q1"), yes_partly_no("q2")), version=2, **kwargs)
    return v1, v2


def test_change_is_current_minus_previous_over_the_same_questions():
    v1, v2 = two_rounds()
    progress = compare(v1, answers(q1="no", q2="partly"), v2, answers(q1="yes", q2="partly"))
    change = progress.area("a")
    assert (change.status, change.previous, change.current, change.change) == (
        ChangeStatus.COMPARED,
        D("25.00"),
        D("75.00"),
        D("50.00"),
    )
    assert change.comparable_share == D("1.0000")
    assert not change.regression
    assert progress.overall.change == D("50.00")
    assert progress.matches == (("q1", "q1"), ("q2", "q2"))


def test_drop_beyond_the_regression_threshold_is_flagged():
    v1, v2 = two_rounds(regression_threshold=10)
    progress = compare(v1, answers(q1="yes", q2="yes"), v2, answers(q1="yes", q2="partly"))
    change = progress.index("a")
    assert (change.change, change.regression) == (D("-25.00"), True)
    assert change in progress.regressions and progress.overall in progress.regressions


def test_drop_of_exactly_the_threshold_is_not_a_regression():
    v1 = definition(area("a", *(yes_partly_no(f"q{i}") for i in range(5))), version=1)
    v2 = definition(area("a", *(yes_partly_no(f"q{i}") for i in range(5))), version=2)
    before = answers(q0="yes", q1="yes", q2="yes", q3="yes", q4="yes")
    after = answers(q0="yes", q1="yes", q2="yes", q3="yes", q4="partly")  # 100 -> 90
    change = compare(v1, before, v2, after).index("a")
    assert (change.change, change.regression) == (D("-10.00"), False)


def test_replaced_question_is_compared_with_its_predecessor():
    v1 = definition(area("a", yes_partly_no("old_law"), yes_partly_no("q2")), version=1)
    v2 = definition(
        area("a", yes_partly_no("new_law", replaces="old_law"), yes_partly_no("q2")), version=2
    )
    progress = compare(v1, answers(old_law="no", q2="yes"), v2, answers(new_law="yes", q2="yes"))
    assert progress.matches == (("new_law", "old_law"), ("q2", "q2"))
    assert (progress.index("a").previous, progress.index("a").current) == (D("50.00"), D("100.00"))


def test_replaces_link_wins_over_a_question_keeping_the_same_id():
    v1 = definition(area("a", yes_partly_no("x"), yes_partly_no("y")), version=1)
    v2 = definition(area("a", yes_partly_no("x", replaces="y"), yes_partly_no("y")), version=2)
    assert match_questions(v1, v2) == {"x": "y"}


def test_questions_new_in_the_current_version_are_left_out_of_the_change():
    v1 = definition(area("a", yes_partly_no("q1", weight=3)), version=1)
    v2 = definition(area("a", yes_partly_no("q1", weight=3), yes_partly_no("new")), version=2)
    progress = compare(v1, answers(q1="partly"), v2, answers(q1="partly", new="yes"))
    change = progress.index("a")
    # q1 is 3/4 of the scorable weight: comparable; the new question's 100 does not count.
    assert (change.comparable_share, change.change, change.current) == (
        D("0.7500"),
        D("0.00"),
        D("50.00"),
    )
    assert score(v2, answers(q1="partly", new="yes")).area("a").value == D("62.50")


def test_index_with_too_little_in_common_is_not_comparable():
    v1 = definition(area("a", yes_partly_no("q1")), version=1)
    v2 = definition(area("a", yes_partly_no("q1"), yes_partly_no("new")), version=2)
    change = compare(v1, answers(q1="no"), v2, answers(q1="yes", new="yes")).index("a")
    assert (change.status, change.comparable_share) == (ChangeStatus.NOT_COMPARABLE, D("0.5000"))
    assert (change.previous, change.current, change.change, change.regression) == (
        None,
        None,
        None,
        False,
    )


def test_question_that_became_scored_is_not_in_common():
    v1 = definition(area("a", text("plan"), yes_partly_no("q1")), version=1)
    v2 = definition(area("a", text("plan", answered_score=1), yes_partly_no("q1")), version=2)
    progress = compare(v1, answers(plan="x", q1="yes"), v2, answers(plan="x", q1="yes"))
    assert progress.matches == (("q1", "q1"),)
    assert progress.index("a").comparable_share == D("0.5000")


def test_unanswered_previous_round_has_no_number_to_compare():
    v1, v2 = two_rounds()
    change = compare(v1, answers(), v2, answers(q1="yes", q2="yes")).index("a")
    assert (change.status, change.previous, change.current, change.change) == (
        ChangeStatus.NO_NUMBER,
        None,
        D("100.00"),
        None,
    )


def test_area_without_scorable_questions_has_no_number():
    v1 = definition(area("a", yes_partly_no("q1")), area("s", statistics("st")), version=1)
    v2 = definition(area("a", yes_partly_no("q1")), area("s", statistics("st")), version=2)
    change = compare(v1, answers(q1="yes"), v2, answers(q1="yes")).index("s")
    assert (change.status, change.comparable_share) == (ChangeStatus.NO_NUMBER, None)


def test_overall_comparability_weights_area_shares_by_area_weight():
    def version(number, *extra):
        return definition(
            area("a", yes_partly_no("a1"), weight=3),
            area("b", yes_partly_no("b1"), *extra),
            version=number,
            comparability_threshold=0.8,
        )

    v1, v2 = version(1), version(2, yes_partly_no("b_new"))
    progress = compare(v1, answers(a1="yes", b1="no"), v2, answers(a1="yes", b1="no", b_new="no"))
    # a: share 1 (weight 3); b: share 1/2 (weight 1) -> overall (3 + 0.5) / 4 = 0.875
    assert progress.index("b").status == ChangeStatus.NOT_COMPARABLE
    assert progress.overall.comparable_share == D("0.8750")
    assert progress.overall.status == ChangeStatus.COMPARED
    # the common questions a1 and b1 score (3 × 100 + 1 × 0) / 4 = 75 in both rounds
    assert (progress.overall.previous, progress.overall.change) == (D("75.00"), D("0.00"))


def test_lines_of_action_changes_are_reported():
    v1, v2 = two_rounds()
    progress = compare(v1, answers(q1="no", q2="no"), v2, answers(q1="yes", q2="no"))
    assert [(c.key, c.change) for c in progress.lines_of_action] == [
        ("LA1", D("50.00")),
        ("LA2", None),
    ]


def test_stored_snapshots_give_the_same_progress_as_the_answers():
    v1, v2 = two_rounds()
    before, after = answers(q1="no", q2="partly"), answers(q1="yes", q2="partly")
    stored_before = scorecard_from_dict(scorecard_to_dict(score(v1, before)))
    stored_after = scorecard_from_dict(scorecard_to_dict(score(v2, after)))
    assert compare_scorecards(v1, stored_before, v2, stored_after) == compare(v1, before, v2, after)


def test_scorecard_of_another_definition_is_refused():
    v1, v2 = two_rounds()
    with pytest.raises(ValueError, match="previous scorecard is for test v2"):
        compare_scorecards(v1, score(v2, []), v2, score(v2, []))
