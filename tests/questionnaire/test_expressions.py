"""show_if conditions: parsing, errors with columns, evaluation and cascading hiding."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from surveys.questionnaire.errors import ExpressionError
from surveys.questionnaire.expressions import (
    And,
    Answered,
    Compare,
    Contains,
    InList,
    Not,
    Or,
    evaluate,
    hidden_questions,
    is_answered,
    parse,
    referenced_ids,
    rename_ids,
    to_text,
)
from surveys.questionnaire.grammar import MAX_DEPTH, MAX_LENGTH
from surveys.questionnaire.loader import load_definition
from surveys.questionnaire.schema import Definition

MINI_V1 = (
    Path(__file__).resolve().parent.parent / "fixtures" / "questionnaires" / "mini" / "v1.yaml"
)


def test_parse_builds_the_tree_with_precedence() -> None:
    expr = parse("a == 'x' or b >= 2 and not answered(c)")
    assert expr == Or(
        (
            Compare("a", "==", "x"),
            And((Compare("b", ">=", 2), Not(Answered("c")))),
        )
    )


def test_parentheses_group() -> None:
    assert parse("(a == 1 or b == 2) and c != false") == And(
        (Or((Compare("a", "==", 1), Compare("b", "==", 2))), Compare("c", "!=", False))
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("q in ['a', \"b\"]", InList("q", ("a", "b"))),
        ("'untoc' in q", Contains("untoc", "q")),
        ("q < -1.5", Compare("q", "<", -1.5)),
        ("q<=3", Compare("q", "<=", 3)),
        ("q > 0", Compare("q", ">", 0)),
        ("q == true", Compare("q", "==", True)),
        ("q == 'it\\'s'", Compare("q", "==", "it's")),
        ("not not answered(q)", Not(Not(Answered("q")))),
    ],
)
def test_every_form_parses(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("", None, "empty"),
        ("   ", None, "empty"),
        ("a = 1", 3, "'=='"),
        ("a ==", 5, "expected a value"),
        ("a == b", 6, "expected a value"),
        ("(a == 1", 8, "expected ')'"),
        ("a == 1 b == 2", 8, "'and', 'or'"),
        ("a in [1 2]", 9, "',' or ']'"),
        ("a in 1", 6, "expected '['"),
        ("answered a", 10, "expected '('"),
        ("answered(1)", 10, "question id"),
        ("'x' == a", 5, "expected 'in'"),
        ("a 'x'", 3, "comparison"),
        ("and a == 1", 1, "expected a condition"),
        ("a == 'open", 6, "unterminated"),
        ("a == 1 ; import os", 8, "unexpected character ';'"),
        ("__import__('os')", 11, "comparison"),
        ("a == 1" + "0" * 40, 6, "too long"),
        ("a == 1e999", 6, "too large"),
    ],
)
def test_errors_say_where_and_what_was_expected(text: str, column: int | None, words: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.column == column
    assert words in str(caught.value)
    if column is not None:
        assert f"column {column}" in str(caught.value)


def test_too_long_and_too_deep_inputs_are_refused() -> None:
    with pytest.raises(ExpressionError, match="longer than"):
        parse("a == 1 or " * (MAX_LENGTH // 10) + "a == 1")
    with pytest.raises(ExpressionError, match="deeper"):
        parse("(" * (MAX_DEPTH + 1) + "a == 1" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(ExpressionError, match="deeper"):
        parse("not " * (MAX_DEPTH + 1) + "a == 1")
    # Nesting within the limit is fine.
    assert parse("(" * MAX_DEPTH + "a == 1" + ")" * MAX_DEPTH) == Compare("a", "==", 1)


def test_a_non_text_condition_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError):
        parse(["a == 1"])  # type: ignore[arg-type]


def test_referenced_ids() -> None:
    expr = parse("a == 1 and ('x' in b or not answered(c)) or d in [1]")
    assert referenced_ids(expr) == frozenset({"a", "b", "c", "d"})


def test_to_text_reads_back_and_rename_ids() -> None:
    expr = parse("(a == 1 or b != 'x') and not c in [2.5, true]")
    assert parse(to_text(expr)) == expr
    renamed = rename_ids(expr, {"a": "z"})
    assert referenced_ids(renamed) == frozenset({"z", "b", "c"})


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("q == 'yes'", {"q": "yes"}, True),
        ("q == 'yes'", {"q": "no"}, False),
        ("q != 'yes'", {"q": "no"}, True),
        # Any comparison with an unanswered question is false, != included.
        ("q != 'yes'", {"q": None}, False),
        ("q != 'yes'", {}, False),
        ("q == ''", {"q": ""}, False),
        ("not q == 'yes'", {}, True),
        ("q >= 2", {"q": 2}, True),
        ("q >= 2", {"q": 1}, False),
        ("q < 2.5", {"q": 2.4}, True),
        ("q == 3", {"q": "3"}, True),  # a level kept as text still compares as a number
        ("q == '3'", {"q": 3}, True),  # and a level kept as a number compares with its text
        ("q > 'a'", {"q": 5}, False),
        ("q == true", {"q": True}, True),
        ("q == 1", {"q": True}, False),
        ("q > 1", {"q": "abc"}, False),
        ("q >= '2024-01-01'", {"q": "2024-06-30"}, True),
        ("q in ['yes', 'partly']", {"q": "partly"}, True),
        ("q in ['yes', 'partly']", {"q": "no"}, False),
        ("q in ['yes']", {"q": None}, False),
        ("q in ['a', 'b']", {"q": ["c", "b"]}, True),
        ("'untoc' in q", {"q": ["untoc", "tip"]}, True),
        ("'untoc' in q", {"q": ["tip"]}, False),
        ("'untoc' in q", {"q": None}, False),
        ("'untoc' in q", {"q": "untoc"}, True),
        ("answered(q)", {"q": 0}, True),
        ("answered(q)", {"q": "  "}, False),
        ("answered(q)", {"q": []}, False),
        ("answered(q)", {"q": {"cells": {"a|2024|total": None}}}, False),
        ("answered(q)", {"q": {"cells": {"a|2024|total": 0}}}, True),
        ("a == 1 and b == 2", {"a": 1, "b": 2}, True),
        ("a == 1 and b == 2", {"a": 1, "b": 3}, False),
        ("a == 1 or b == 2", {"a": 0, "b": 2}, True),
    ],
)
def test_evaluate(text: str, values: dict[str, object], expected: bool) -> None:
    assert evaluate(parse(text), values) is expected


def test_is_answered() -> None:
    assert not is_answered(None)
    assert not is_answered("")
    assert not is_answered({})
    assert is_answered(False)
    assert is_answered({"cells": {"x": 3}})


@pytest.fixture(scope="module")
def mini() -> Definition:
    return load_definition(MINI_V1)


def test_hidden_questions_follow_the_condition(mini: Definition) -> None:
    assert hidden_questions(mini, {"legal_tip_offence": "yes"}) == frozenset()
    assert hidden_questions(mini, {"legal_tip_offence": "no"}) == {"legal_strategy_maturity"}
    assert hidden_questions(mini, {}) == {"legal_strategy_maturity"}


def test_hiding_cascades_to_questions_that_depend_on_hidden_ones(mini: Definition) -> None:
    legal = mini.areas[0]
    questions = list(legal.questions)
    # legal_last_review now shows only when the (possibly hidden) maturity level is high.
    questions[4] = replace(questions[4], show_if="legal_strategy_maturity >= 3")
    definition = replace(mini, areas=(replace(legal, questions=tuple(questions)), *mini.areas[1:]))
    shown = {"legal_tip_offence": "yes", "legal_strategy_maturity": 4}
    assert hidden_questions(definition, shown) == frozenset()
    # The maturity answer is still stored, but its question is hidden: it counts as unanswered.
    hidden = {"legal_tip_offence": "no", "legal_strategy_maturity": 4}
    assert hidden_questions(definition, hidden) == {
        "legal_strategy_maturity",
        "legal_last_review",
    }


def test_a_condition_sees_the_questions_after_its_own_as_unanswered(mini: Definition) -> None:
    legal = mini.areas[0]
    questions = list(legal.questions)
    later = questions[4].id
    questions[0] = replace(questions[0], show_if=f"answered({later})")
    definition = replace(mini, areas=(replace(legal, questions=tuple(questions)), *mini.areas[1:]))
    assert questions[0].id in hidden_questions(definition, {later: "2020"})


def _hidden_walking_every_question(definition: Definition, values: dict) -> frozenset[str]:
    """The rule as first written: every question in order, each condition on what came before."""
    visible: dict[str, object] = {}
    hidden = set()
    for _, question in definition.questions():
        if question.show_if and not evaluate(parse(question.show_if), visible):
            hidden.add(question.id)
            visible[question.id] = None
        else:
            visible[question.id] = values.get(question.id)
    return frozenset(hidden)


def test_the_shipped_questionnaire_hides_as_walking_every_question_would() -> None:
    """The conditions, their order and what each reads are worked out once per definition: the
    same questions are hidden as by walking every question, over many answer sets."""
    import random

    root = Path(__file__).resolve().parents[2] / "questionnaires" / "niamey-2018"
    definition = load_definition(sorted(root.glob("v*.yaml"))[-1])
    read = sorted(
        {
            qid
            for _, q in definition.questions()
            if q.show_if
            for qid in referenced_ids(parse(q.show_if))
        }
    )
    assert read, "the shipped questionnaire has conditions"
    chances = random.Random(18)
    hidden_seen = set()
    for _ in range(300):
        values = {}
        for qid in read:
            question = definition.question(qid)
            choices = [o.value for o in question.options] or [0, 1, 3, 10, "yes", "no"]
            if chances.random() < 0.8:
                picked = chances.choice(choices)
                values[qid] = [picked] if question.type in ("multiple_choice",) else picked
        expected = _hidden_walking_every_question(definition, values)
        assert hidden_questions(definition, values) == expected
        hidden_seen.add(expected)
    assert len(hidden_seen) > 3  # the answer sets hid different questions
