"""Properties of the show_if parser: nothing but ExpressionError escapes, no code runs, and
every generated expression reads back from its text."""

from __future__ import annotations

import builtins
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.questionnaire.errors import ExpressionError
from surveys.questionnaire.expressions import (
    COMPARISON_OPERATORS,
    KEYWORDS,
    And,
    Answered,
    Compare,
    Contains,
    Expr,
    InList,
    Not,
    Or,
    evaluate,
    parse,
    referenced_ids,
    to_text,
)

TOKENS = [
    "a",
    "q_1",
    "answered",
    "and",
    "or",
    "not",
    "in",
    "true",
    "false",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "=",
    "(",
    ")",
    "[",
    "]",
    ",",
    "'x'",
    '"y"',
    "'",
    "\\",
    "1",
    "-2.5",
    "1e400",
    "9" * 40,
    "__import__",
    ";",
    "\x00",
    "é",
]
token_soup = st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join)
glued_soup = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


def forbidden(*args: object, **kwargs: object) -> None:
    raise AssertionError("the parser must never evaluate or compile code")


def parse_without_code_execution(text: str) -> Expr | None:
    """Parse with eval/exec/compile unavailable; None when the text is refused."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("eval", "exec", "compile"):
            patch.setattr(builtins, name, forbidden)
        try:
            return parse(text)
        except ExpressionError:
            return None


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=200), token_soup, glued_soup))
def test_any_text_parses_or_raises_expression_error_only(text: str) -> None:
    expr = parse_without_code_execution(text)
    if expr is not None:
        # Whatever parses also prints and reads back.
        assert parse(to_text(expr)) == expr


@given(st.integers(min_value=1001, max_value=5000))
def test_huge_inputs_are_refused_quickly(length: int) -> None:
    with pytest.raises(ExpressionError):
        parse("(" * length)


question_ids = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda word: word not in KEYWORDS
)
texts = st.text(max_size=12)
numbers = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
)
literals = st.one_of(texts, numbers, st.booleans())
leaves = st.one_of(
    st.builds(Compare, question_ids, st.sampled_from(COMPARISON_OPERATORS), literals),
    st.builds(InList, question_ids, st.lists(literals, min_size=1, max_size=3).map(tuple)),
    st.builds(Contains, texts, question_ids),
    st.builds(Answered, question_ids),
)
expressions = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.builds(Not, children),
        st.builds(And, st.lists(children, min_size=2, max_size=3).map(tuple)),
        st.builds(Or, st.lists(children, min_size=2, max_size=3).map(tuple)),
    ),
    max_leaves=8,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(expressions)
def test_generated_expressions_round_trip(expr: Expr) -> None:
    text = to_text(expr)
    assert parse(text) == expr
    assert referenced_ids(parse(text)) == referenced_ids(expr)


answer_values = st.one_of(
    st.none(),
    st.text(max_size=5),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.lists(st.text(max_size=3), max_size=3),
    st.fixed_dictionaries({"cells": st.dictionaries(st.text(max_size=3), st.integers())}),
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(expressions, st.dictionaries(question_ids, answer_values, max_size=6))
def test_evaluation_always_gives_a_boolean(expr: Expr, values: dict[str, object]) -> None:
    assert evaluate(expr, values) in (True, False)


@given(expressions)
def test_an_unanswered_questionnaire_never_satisfies_a_plain_comparison(expr: Expr) -> None:
    leaves_only = expr if isinstance(expr, Compare | InList | Contains | Answered) else None
    if leaves_only is not None:
        assert evaluate(leaves_only, {}) is False


def test_float_literals_keep_their_exact_value() -> None:
    for value in (0.1, 1e16, 5e-324, -2.5e-7, 1.7976931348623157e308):
        expr = parse(to_text(Compare("q", "==", value)))
        assert isinstance(expr, Compare) and expr.value == value
        assert math.isfinite(float(expr.value))
