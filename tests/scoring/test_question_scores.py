"""Each question type's score, hand-computed, and the reasons a question has no score."""

from __future__ import annotations

from decimal import Decimal

import pytest

from surveys.questionnaire.schema import QuestionType, Response
from surveys.scoring import DuplicateResponseError, Reason, score

from .builders import (
    NA,
    answers,
    area,
    definition,
    maturity,
    multiple,
    number,
    single,
    statistics,
    text,
    yes_partly_no,
)


def question_score(question, value):
    """(score, reason) of one question answered with `value` (NA: not applicable)."""
    card = score(definition(area("a", question)), answers(**{question.id: value}))
    result = card.question(question.id)
    assert result is not None
    return result.score, result.reason


@pytest.mark.parametrize(
    ("value", "expected"), [("yes", Decimal(1)), ("partly", Decimal("0.5")), ("no", Decimal(0))]
)
def test_yes_partly_no_scores_its_default_scale(value, expected):
    assert question_score(yes_partly_no("q"), value) == (expected, None)


def test_yes_partly_no_uses_the_definitions_own_scores():
    question = yes_partly_no("q", {"yes": 1, "partly": 0.3, "no": 0})
    assert question_score(question, "partly") == (Decimal("0.3"), None)


def test_single_choice_scores_the_chosen_option():
    question = single("q", {"none": 0, "some": 0.25, "full": 1})
    assert question_score(question, "some") == (Decimal("0.25"), None)


def test_single_choice_option_without_score_leaves_the_question_unscored():
    question = single("q", {"yes": 1, "dont_know": None})
    assert question_score(question, "dont_know") == (None, Reason.UNSCORED)


@pytest.mark.parametrize("value", ["maybe", 3, ["yes"]])
def test_choice_value_that_is_not_an_option_is_invalid(value):
    assert question_score(yes_partly_no("q"), value) == (None, Reason.INVALID)


MEASURES = {"law": 0.5, "unit": 0.5, "plan": 0.25, "other": None}


@pytest.mark.parametrize(
    ("selected", "expected"),
    [
        (["law"], Decimal("0.5")),
        (["law", "plan"], Decimal("0.75")),
        (["law", "unit"], Decimal(1)),
        (["law", "unit", "plan"], Decimal(1)),  # 1.25 capped at 1
        (["plan", "other"], Decimal("0.25")),  # an unscored option adds nothing
        (["plan", "plan"], Decimal("0.25")),  # a repeated option counts once
    ],
)
def test_multiple_choice_sums_selected_scores_capped_at_one(selected, expected):
    assert question_score(multiple("q", MEASURES), selected) == (expected, None)


def test_multiple_choice_with_only_unscored_options_selected_is_unscored():
    assert question_score(multiple("q", MEASURES), ["other"]) == (None, Reason.UNSCORED)


def test_multiple_choice_with_nothing_selected_is_unanswered():
    assert question_score(multiple("q", MEASURES), []) == (None, Reason.UNANSWERED)


@pytest.mark.parametrize("value", [["law", "nope"], "law", [["law"]], {"law": 1}])
def test_multiple_choice_with_an_unknown_or_single_value_is_invalid(value):
    assert question_score(multiple("q", MEASURES), value) == (None, Reason.INVALID)


@pytest.mark.parametrize(
    ("level", "expected"),
    [(0, Decimal(0)), (1, Decimal("0.25")), (2, Decimal("0.5")), (3, Decimal("0.75")), (4, 1)],
)
def test_maturity_levels_default_to_level_over_four(level, expected):
    assert question_score(maturity("q"), level) == (Decimal(expected), None)


def test_maturity_uses_the_levels_own_scores():
    question = maturity("q", [0, 0.1, 0.4, 0.8, 1])
    assert question_score(question, 2) == (Decimal("0.4"), None)


def test_maturity_level_given_as_text_is_read_as_the_level():
    assert question_score(maturity("q"), "3") == (Decimal("0.75"), None)


@pytest.mark.parametrize("value", [5, -1, True, 2.5])
def test_maturity_value_outside_the_levels_is_invalid(value):
    assert question_score(maturity("q"), value) == (None, Reason.INVALID)


STEPS = [(0, 0), (10, 0.5), (20, 1)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "0"), (9, "0"), (10, "0.5"), (19, "0.5"), (20, "1"), (5000, "1")],
)
def test_number_scores_the_highest_threshold_reached(value, expected):
    assert question_score(number("q", STEPS), value) == (Decimal(expected), None)


def test_thresholds_are_matched_whatever_their_order_in_the_definition():
    question = number("q", [(20, 1), (0, 0), (10, 0.5)])
    assert question_score(question, 15) == (Decimal("0.5"), None)


def test_number_below_every_threshold_scores_zero():
    assert question_score(number("q", [(5, 0.5), (10, 1)]), 3) == (Decimal(0), None)


def test_decimal_threshold_is_compared_exactly():
    question = number("q", [(0, 0), (0.1, 1)], qtype=QuestionType.DECIMAL)
    assert question_score(question, 0.1) == (Decimal(1), None)
    assert question_score(question, 0.09999) == (Decimal(0), None)


def test_percentage_scores_and_refuses_values_beyond_a_hundred():
    question = number("q", [(0, 0), (50, 0.5), (90, 1)], qtype=QuestionType.PERCENTAGE)
    assert question_score(question, 95.5) == (Decimal(1), None)
    assert question_score(question, 100.5) == (None, Reason.INVALID)
    assert question_score(question, -1) == (None, Reason.INVALID)


def test_number_outside_its_declared_bounds_is_invalid():
    question = number("q", STEPS, minimum=0, maximum=100)
    assert question_score(question, 101) == (None, Reason.INVALID)
    assert question_score(question, -1) == (None, Reason.INVALID)
    assert question_score(question, 100) == (Decimal(1), None)


@pytest.mark.parametrize("value", [2.5, True, "many"])
def test_integer_answer_that_is_not_an_integer_is_invalid(value):
    assert question_score(number("q", STEPS), value) == (None, Reason.INVALID)


def test_number_given_as_text_is_read_as_a_number():
    assert question_score(number("q", STEPS), " 12 ") == (Decimal("0.5"), None)


def test_number_without_thresholds_is_unscored():
    assert question_score(number("q"), 12) == (None, Reason.UNSCORED)


@pytest.mark.parametrize("qtype", [QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT])
def test_text_scores_its_answered_score_when_answered(qtype):
    question = text("q", answered_score=0.5, qtype=qtype)
    assert question_score(question, "Law 2015-36") == (Decimal("0.5"), None)
    assert question_score(question, "   ") == (None, Reason.UNANSWERED)


def test_text_without_answered_score_is_unscored_even_when_answered():
    assert question_score(text("q"), "Law 2015-36") == (None, Reason.UNSCORED)


def test_date_scores_its_answered_score_and_refuses_impossible_dates():
    question = text("q", answered_score=1, qtype=QuestionType.DATE)
    assert question_score(question, "2018-03-16") == (Decimal(1), None)
    assert question_score(question, "2018-13-16") == (None, Reason.INVALID)


FILLED = {"cells": {"prosecuted|2024|female": 4, "prosecuted|2024|male": 64}, "source": "MoJ"}


def test_statistics_score_their_answered_score_when_any_cell_is_filled():
    question = statistics("q", answered_score=0.5)
    assert question_score(question, FILLED) == (Decimal("0.5"), None)
    assert question_score(question, {"cells": {}, "source": "MoJ"}) == (None, Reason.UNANSWERED)


def test_statistics_without_answered_score_are_unscored():
    assert question_score(statistics("q"), FILLED) == (None, Reason.UNSCORED)


def test_unanswered_question_has_no_score():
    card = score(definition(area("a", yes_partly_no("q"))), [])
    assert card.questions[0].score is None
    assert card.questions[0].reason is Reason.UNANSWERED
    assert card.questions[0].is_missing


def test_not_applicable_is_honoured_where_the_question_allows_it():
    assert question_score(yes_partly_no("q", allow_na=True), NA) == (None, Reason.NOT_APPLICABLE)


def test_not_applicable_where_not_allowed_counts_as_unanswered():
    assert question_score(yes_partly_no("q"), NA) == (None, Reason.UNANSWERED)


def test_not_applicable_wins_over_a_stale_value_beside_it():
    question = yes_partly_no("q", allow_na=True)
    card = score(definition(area("a", question)), [Response("q", "yes", not_applicable=True)])
    assert card.questions[0].reason is Reason.NOT_APPLICABLE


def test_hidden_question_is_not_scored_even_if_answered():
    defn = definition(area("a", yes_partly_no("q1"), yes_partly_no("q2", show_if="q1 == 'yes'")))
    card = score(defn, answers(q1="no", q2="yes"))
    hidden = card.question("q2")
    assert hidden is not None
    assert (hidden.score, hidden.reason) == (None, Reason.HIDDEN)
    assert not hidden.is_missing


def test_shown_conditional_question_is_scored():
    defn = definition(area("a", yes_partly_no("q1"), yes_partly_no("q2", show_if="q1 == 'yes'")))
    card = score(defn, answers(q1="yes", q2="partly"))
    assert card.question("q2").score == Decimal("0.5")


def test_not_applicable_answer_hides_questions_that_depend_on_it():
    q1 = yes_partly_no("q1", allow_na=True)
    defn = definition(area("a", q1, yes_partly_no("q2", show_if="answered(q1)")))
    card = score(defn, answers(q1=NA, q2="yes"))
    assert card.question("q2").reason is Reason.HIDDEN


def test_question_records_its_area_line_of_action_and_weight():
    defn = definition(
        area("a", yes_partly_no("q1", weight=2.5, line_of_action="LA2"), yes_partly_no("q2"))
    )
    card = score(defn, answers(q1="yes"))
    q1, q2 = card.questions
    assert (q1.area_id, q1.line_of_action, q1.weight) == ("a", "LA2", Decimal("2.5"))
    assert (q2.area_id, q2.line_of_action, q2.weight) == ("a", "LA1", Decimal(1))


def test_answers_to_unknown_questions_are_ignored():
    defn = definition(area("a", yes_partly_no("q")))
    assert score(defn, answers(q="yes", gone="no")) == score(defn, answers(q="yes"))


def test_identical_duplicate_answers_are_accepted():
    defn = definition(area("a", yes_partly_no("q")))
    card = score(defn, [Response("q", "yes"), Response("q", "yes")])
    assert card.overall.value == Decimal("100.00")


def test_conflicting_duplicate_answers_are_refused():
    defn = definition(area("a", yes_partly_no("q")))
    with pytest.raises(DuplicateResponseError, match="'q'"):
        score(defn, [Response("q", "yes"), Response("q", "no")])
