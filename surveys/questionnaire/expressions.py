"""The `show_if` condition language: its parser, evaluator and printer.

Part of the functional core: no Flask, no database, and never `eval`. Grammar (lowest precedence
first; keywords are lower case; the tokens, limits, messages and the first three levels are
those of rules too: grammar.py):

    expression := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | condition
    condition  := "(" expression ")"
                | "answered" "(" ID ")"
                | ID ("==" | "!=" | "<" | "<=" | ">" | ">=") literal
                | ID "in" "[" literal ("," literal)* "]"
                | STRING "in" ID
    literal    := STRING | NUMBER | "true" | "false"

IDs are question ids; STRING is single- or double-quoted (a backslash escapes the next
character); NUMBER is `-?[0-9]+(.[0-9]+)?([eE][-+]?[0-9]+)?`, an int unless it has a fraction
or an exponent. Every bad input raises `ExpressionError` and nothing else.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from surveys.questionnaire.derived import per_definition
from surveys.questionnaire.errors import ExpressionError
from surveys.questionnaire.grammar import (
    COMPARISONS,
    CONDITION_KEYWORDS,
    SIGNED_NUMBER,
    Literal,
    Parser,
    checked_text,
    expected,
)
from surveys.translatable import N_

if TYPE_CHECKING:
    from surveys.questionnaire.schema import Definition

KEYWORDS = CONDITION_KEYWORDS
COMPARISON_OPERATORS = COMPARISONS


# --- The syntax tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Compare:
    """`question_id <operator> value`."""

    question_id: str
    operator: str
    value: Literal


@dataclass(frozen=True)
class InList:
    """`question_id in [values...]`."""

    question_id: str
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class Contains:
    """`'value' in question_id`: the option is among a multiple-choice answer's selections."""

    value: str
    question_id: str


@dataclass(frozen=True)
class Answered:
    """`answered(question_id)`."""

    question_id: str


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class And:
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Expr, ...]


Expr = Compare | InList | Contains | Answered | Not | And | Or


# --- Parser ------------------------------------------------------------------------------------


class _Parser(Parser):
    any_of, all_of, negation = Or, And, Not

    def condition(self) -> Expr:
        token = self.current
        if token.kind == "(":
            self.enter(self.advance())
            inner = self.expression()
            self.expect(")")
            self.leave()
            return inner
        if self.at_keyword("answered"):
            self.advance()
            self.expect("(")
            question_id = self.question_id()
            self.expect(")")
            return Answered(question_id)
        if token.kind == "string":
            self.advance()
            self.expect("in")
            return Contains(str(token.value), self.question_id())
        if token.kind == "id":
            return self.comparison()
        raise expected("condition", token)

    def comparison(self) -> Expr:
        question_id = self.advance().text
        token = self.current
        if token.kind == "op":
            self.advance()
            return Compare(question_id, token.text, self.literal())
        if self.at_keyword("in"):
            self.advance()
            return InList(question_id, self.literal_list())
        raise expected("operator", token)


def parse(text: str) -> Expr:
    """The syntax tree of a `show_if` expression; raises `ExpressionError` (nothing else)."""
    if not isinstance(text, str):
        raise ExpressionError(N_("the condition must be a text"))
    return _parse_text(text)


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> Expr:
    return _Parser(checked_text(text)).parse()


# --- Inspection and printing -------------------------------------------------------------------


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of the tree, parents before children."""
    yield expr
    if isinstance(expr, Not):
        yield from walk(expr.operand)
    elif isinstance(expr, And | Or):
        for operand in expr.operands:
            yield from walk(operand)


def referenced_ids(expr: Expr) -> frozenset[str]:
    """The question ids an expression reads."""
    return frozenset(
        node.question_id
        for node in walk(expr)
        if isinstance(node, Compare | InList | Contains | Answered)
    )


def rename_ids(expr: Expr, renames: Mapping[str, str]) -> Expr:
    """The same condition with question ids replaced through `renames` (others kept)."""
    if isinstance(expr, Not):
        return Not(rename_ids(expr.operand, renames))
    if isinstance(expr, And | Or):
        return type(expr)(tuple(rename_ids(operand, renames) for operand in expr.operands))
    new_id = renames.get(expr.question_id, expr.question_id)
    return dataclasses.replace(expr, question_id=new_id)


def format_literal(value: Literal) -> str:
    """A literal written so that `parse` reads back the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write the number {value!r} in an expression")
        return repr(value)  # "2.5", "1e+16": both read back as the same float
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def to_text(expr: Expr) -> str:
    """The expression written back as text (`parse(to_text(e)) == e`)."""
    if isinstance(expr, Compare):
        return f"{expr.question_id} {expr.operator} {format_literal(expr.value)}"
    if isinstance(expr, InList):
        return f"{expr.question_id} in [{', '.join(map(format_literal, expr.values))}]"
    if isinstance(expr, Contains):
        return f"{format_literal(expr.value)} in {expr.question_id}"
    if isinstance(expr, Answered):
        return f"answered({expr.question_id})"
    if isinstance(expr, Not):
        return f"not {_grouped(expr.operand)}"
    joiner = " and " if isinstance(expr, And) else " or "
    return joiner.join(_grouped(operand) for operand in expr.operands)


def _grouped(expr: Expr) -> str:
    """An operand, in parentheses when it is itself an `and`/`or` chain."""
    text = to_text(expr)
    return f"({text})" if isinstance(expr, And | Or) else text


# --- Evaluation --------------------------------------------------------------------------------


def is_answered(value: object) -> bool:
    """Whether an answer value counts as given (None, blank text, empty list/table do not)."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | set | frozenset):
        return bool(value)
    if isinstance(value, Mapping):
        if "cells" in value:
            cells = value["cells"]
            return isinstance(cells, Mapping) and any(is_answered(v) for v in cells.values())
        return bool(value)
    return True


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and SIGNED_NUMBER.fullmatch(value.strip()):
        return float(value)
    return None


def _comparable(actual: object, literal: Literal) -> tuple[object, object] | None:
    """The answer and the literal as two values of one type, or None when they cannot compare."""
    if isinstance(literal, bool):
        return (actual, literal) if isinstance(actual, bool) else None
    if isinstance(literal, int | float):
        number = _as_number(actual)
        return None if number is None else (number, float(literal))
    if isinstance(actual, str):
        return actual, literal
    if isinstance(actual, int) and not isinstance(actual, bool):
        return str(actual), literal  # a maturity level stored as an int, compared with '2'
    return None


def _compare(actual: object, operator: str, literal: Literal) -> bool:
    if not is_answered(actual):
        return False
    pair = _comparable(actual, literal)
    if pair is None:
        return operator == "!="
    left, right = pair
    if operator == "==":
        return left == right
    if operator == "!=":
        return left != right
    if isinstance(left, bool) or type(left) is not type(right):
        return False
    return {
        "<": left < right,  # type: ignore[operator]
        "<=": left <= right,  # type: ignore[operator]
        ">": left > right,  # type: ignore[operator]
        ">=": left >= right,  # type: ignore[operator]
    }[operator]


def _in_list(actual: object, literals: tuple[Literal, ...]) -> bool:
    if not is_answered(actual):
        return False
    items = actual if isinstance(actual, list | tuple | set | frozenset) else [actual]
    return any(_compare(item, "==", literal) for item in items for literal in literals)


def _contains(actual: object, value: str) -> bool:
    if isinstance(actual, list | tuple | set | frozenset):
        return any(str(item) == value for item in actual)
    return isinstance(actual, str) and actual == value


def evaluate(expr: Expr, values: Mapping[str, object]) -> bool:
    """Whether the condition holds for these answers (missing or None means unanswered)."""
    if isinstance(expr, Compare):
        return _compare(values.get(expr.question_id), expr.operator, expr.value)
    if isinstance(expr, InList):
        return _in_list(values.get(expr.question_id), expr.values)
    if isinstance(expr, Contains):
        return _contains(values.get(expr.question_id), expr.value)
    if isinstance(expr, Answered):
        return is_answered(values.get(expr.question_id))
    if isinstance(expr, Not):
        return not evaluate(expr.operand, values)
    if isinstance(expr, And):
        return all(evaluate(operand, values) for operand in expr.operands)
    return any(evaluate(operand, values) for operand in expr.operands)


def hidden_questions(definition: Definition, values: Mapping[str, object]) -> frozenset[str]:
    """The ids of the questions whose `show_if` is false for these answers.

    Questions are walked in order; a hidden question's answer is seen as None by later
    conditions, so hiding cascades, and a condition sees the questions after its own as
    unanswered. Pass None for "not applicable" answers.
    """
    hidden: set[str] = set()
    for condition in _conditions(definition):
        seen = {qid: None if qid in hidden else values.get(qid) for qid in condition.earlier}
        if not evaluate(condition.expression, seen):
            hidden.add(condition.question_id)
    return frozenset(hidden)


@dataclass(frozen=True)
class _Condition:
    question_id: str
    expression: Expr
    earlier: tuple[str, ...]  # the questions it names that come before its own (later: None)


@per_definition
def _conditions(definition: Definition) -> tuple[_Condition, ...]:
    position = {question.id: n for n, (_, question) in enumerate(definition.questions())}
    conditions = []
    for n, (_, question) in enumerate(definition.questions()):
        if question.show_if:
            expression = parse(question.show_if)
            named = sorted(referenced_ids(expression))
            earlier = tuple(qid for qid in named if position.get(qid, n) < n)
            conditions.append(_Condition(question.id, expression, earlier))
    return tuple(conditions)


@per_definition
def condition_reads(definition: Definition) -> frozenset[str]:
    """The questions whose answers any `show_if` of the definition sees."""
    return frozenset(qid for condition in _conditions(definition) for qid in condition.earlier)
