"""Completion of required questions, with hidden questions left out."""

from __future__ import annotations

from surveys.questionnaire.loader import load_definition
from surveys.rounds.progress import Completion, is_answered, required_completion
from tests.conftest import MINI_V1


def test_empty_submission_is_zero_percent():
    definition = load_definition(MINI_V1)
    completion = required_completion(definition, {})
    assert completion.answered == 0
    assert completion.required > 0
    assert completion.percent == 0


def test_every_required_question_answered_or_na_is_complete():
    definition = load_definition(MINI_V1)
    required = [q for _, q in definition.questions() if q.required]
    values = {q.id: "x" for q in required[1:]}
    completion = required_completion(definition, values, not_applicable={required[0].id})
    assert completion.answered <= completion.required
    # Answers may hide questions; whatever stays visible is answered.
    assert completion.percent == 100


def test_percent_rounds_down():
    assert Completion(answered=2, required=3).percent == 66
    assert Completion(answered=0, required=0).percent == 100


def test_blank_values_are_unanswered():
    assert not is_answered("  ")
    assert not is_answered([])
    assert not is_answered({"cells": {"a": None}, "source": "x"})
    assert is_answered({"cells": {"a": 0}})
    assert is_answered(0)


def test_hidden_question_does_not_count():
    definition = load_definition(MINI_V1)
    shown = required_completion(definition, {"legal_tip_offence": "yes"})
    hidden = required_completion(definition, {"legal_tip_offence": "no"})
    assert hidden.required == shown.required - 1
    assert hidden.answered == shown.answered == 1
