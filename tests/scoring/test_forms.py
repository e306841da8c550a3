"""Scoring the forms of issue 12, point 6 (tests/fixtures/questionnaires/forms/v1.yaml): maturity
scales of 3 to 7 levels, "don't know" (answered, unscored, against coverage), exclusive options
(chosen alone or the answer is invalid), and a question of weight 0 (never scored)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from surveys.questionnaire.loader import load_definition
from surveys.questionnaire.schema import Response
from surveys.scoring import Reason, score
from surveys.scoring.snapshot import scorecard_from_dict, scorecard_to_dict
from tests.conftest import FORMS_V1

DEFINITION = load_definition(FORMS_V1)


def _card(**answers):
    return score(DEFINITION, [Response(qid, value) for qid, value in answers.items()])


@pytest.mark.parametrize(
    ("qid", "level", "expected"),
    [
        ("plan_maturity", 0, "0"),
        ("plan_maturity", 1, "0.5"),
        ("plan_maturity", "2", "1"),
        ("unit_maturity", 1, "0.3333"),
        ("unit_maturity", 2, "0.6667"),
        ("training_maturity", 1, "0.1667"),
        ("training_maturity", 3, "0.5"),
        ("training_maturity", 6, "1"),
    ],
)
def test_a_level_scores_its_even_share_of_the_scale(qid, level, expected):
    assert _card(**{qid: level}).question(qid).score == Decimal(expected)


@pytest.mark.parametrize(
    ("qid", "level"), [("plan_maturity", 3), ("unit_maturity", 4), ("training_maturity", 7)]
)
def test_a_level_beyond_the_scale_is_invalid(qid, level):
    assert _card(**{qid: level}).question(qid).reason is Reason.INVALID


def test_dont_know_is_answered_unscored_and_counts_against_coverage():
    known = _card(plan_maturity=2, unit_maturity=3, training_maturity=6, data_sharing="yes")
    unknown = _card(plan_maturity=2, unit_maturity=3, training_maturity=6, data_sharing="dont_know")
    result = unknown.question("data_sharing")
    assert result.score is None and result.reason is Reason.DONT_KNOW and result.is_missing
    # The index is the mean of what is known; coverage drops by the weight left unknown
    # (support_measures is unanswered in both: 4 of 5 answered, then 3 of 5).
    assert known.area("capacity").value == Decimal("100.00")
    assert known.area("capacity").coverage == Decimal("0.8000")
    assert unknown.area("capacity").value == Decimal("100.00")
    assert unknown.area("capacity").coverage == Decimal("0.6000")


def test_dont_know_everywhere_leaves_too_little_information_for_a_number():
    card = _card(data_sharing="dont_know", plan_maturity=2)
    assert card.area("capacity").coverage == Decimal("0.2000")
    assert card.area("capacity").value is None and card.area("capacity").insufficient


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (["none"], Decimal("0")),
        (["shelter", "legal_aid"], Decimal("0.7")),
        (["shelter", "legal_aid", "health"], Decimal("1")),
    ],
)
def test_an_exclusive_option_scores_alone(chosen, expected):
    assert _card(support_measures=chosen).question("support_measures").score == expected


def test_an_exclusive_option_chosen_with_another_is_an_invalid_answer():
    result = _card(support_measures=["shelter", "none"]).question("support_measures")
    assert result.score is None and result.reason is Reason.INVALID and result.is_missing


def test_a_question_of_weight_zero_is_never_scored_and_leaves_coverage_alone():
    with_it = _card(plan_maturity=1, focal_point_named="no")
    without = _card(plan_maturity=1)
    assert with_it.question("focal_point_named").reason is Reason.UNSCORED
    assert with_it.question("focal_point_named").weight == Decimal("0")
    assert with_it.area("capacity") == without.area("capacity")
    assert with_it.overall == without.overall


def test_the_new_reasons_survive_a_snapshot():
    card = _card(
        data_sharing="dont_know", support_measures=["none", "health"], focal_point_named="yes"
    )
    data = scorecard_to_dict(card)
    assert scorecard_from_dict(json.loads(json.dumps(data))) == card
