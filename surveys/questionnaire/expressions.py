"""The `show_if` condition language: a safe tokenizer, parser, evaluator and printer.

Part of the functional core: no Flask, no database, and never `eval`. Grammar (lowest precedence
first; keywords are lower case):

    expression := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | primary
    primary    := "(" expression ")"
                | "answered" "(" ID ")"
                | ID ("==" | "!=" | "<" | "<=" | ">" | ">=") literal
                | ID "in" "[" literal ("," literal)* "]"
                | STRING "in" ID
    literal    := STRING | NUMBER | "true" | "false"

IDs are question ids; STRING is single- or double-quoted (a backslash escapes the next
character); NUMBER is `-?[0-9]+(.[0-9]+)?([eE][-+]?[0-9]+)?`, an int unless it has a fraction
or an exponent. Inputs are capped in length and nesting so that no text can exhaust the stack:
every bad input raises `ExpressionError` and nothing else.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from surveys.questionnaire.derived import per_definition
from surveys.questionnaire.errors import ExpressionError
from surveys.translatable import N_

if TYPE_CHECKING:
    from surveys.questionnaire.schema import Definition

MAX_LENGTH = 1000
"""Longest accepted expression, in characters."""
MAX_DEPTH = 40
"""Deepest accepted nesting of parentheses and `not`."""
MAX_NUMBER_LENGTH = 30

KEYWORDS = frozenset({"and", "or", "not", "in", "answered", "true", "false"})
"""Words that cannot be question ids (the loader refuses such ids)."""
COMPARISON_OPERATORS = ("==", "!=", "<", "<=", ">", ">=")

Literal = str | int | float | bool


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


# --- Tokens ------------------------------------------------------------------------------------

_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?", re.ASCII)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_WHITESPACE = " \t\r\n"
_PUNCTUATION = {"(": "(", ")": ")", "[": "[", "]": "]", ",": ","}


@dataclass(frozen=True)
class Token:
    kind: str
    """One of: id, keyword, string, number, op, ( ) [ ] , end."""
    text: str
    column: int
    """1-based column of the token's first character."""
    value: Literal | None = None


def _shown(char: str) -> str:
    """A character as a message can show it (control characters by code point)."""
    return char if char.isprintable() else f"U+{ord(char):04X}"


def _read_string(text: str, start: int) -> tuple[str, int]:
    """The string literal opening at `start` and the index just after its closing quote."""
    quote = text[start]
    chars: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            chars.append(text[index + 1])
            index += 2
        elif char == quote:
            return "".join(chars), index + 1
        else:
            chars.append(char)
            index += 1
    raise ExpressionError(
        N_("unterminated text starting at column %(column)d: close it with %(quote)s"),
        {"column": start + 1, "quote": quote},
    )


def _number_token(text: str, start: int, match: re.Match[str]) -> Token:
    literal = match.group()
    is_float = any(mark in literal for mark in ".eE")
    value: int | float = 0
    if len(literal) <= MAX_NUMBER_LENGTH:
        value = float(literal) if is_float else int(literal)
    if len(literal) > MAX_NUMBER_LENGTH or not math.isfinite(value):
        raise ExpressionError(
            N_("the number at column %(column)d is too long or too large"), {"column": start + 1}
        )
    return Token("number", literal, start + 1, value)


def tokenize(text: str) -> Iterator[Token]:
    """The tokens of `text`, ending with an `end` token."""
    index = 0
    while index < len(text):
        char = text[index]
        column = index + 1
        if char in _WHITESPACE:
            index += 1
        elif ident := _IDENT.match(text, index):
            word = ident.group()
            kind = "keyword" if word in KEYWORDS else "id"
            value = {"true": True, "false": False}.get(word) if kind == "keyword" else None
            yield Token(kind, word, column, value)
            index = ident.end()
        elif number := _NUMBER.match(text, index):
            yield _number_token(text, index, number)
            index = number.end()
        elif char in "'\"":
            value_text, end = _read_string(text, index)
            yield Token("string", text[index:end], column, value_text)
            index = end
        elif text.startswith(("==", "!=", "<=", ">="), index):
            yield Token("op", text[index : index + 2], column)
            index += 2
        elif char in "<>":
            yield Token("op", char, column)
            index += 1
        elif char in _PUNCTUATION:
            yield Token(char, char, column)
            index += 1
        elif char == "=":
            raise ExpressionError(
                N_("single '=' at column %(column)d: write '==' to compare"), {"column": column}
            )
        else:
            raise ExpressionError(
                N_("unexpected character '%(char)s' at column %(column)d"),
                {"char": _shown(char), "column": column},
            )
    yield Token("end", "", len(text) + 1)


# --- Parser ------------------------------------------------------------------------------------

# What the parser expected, as (template when another token was found, template at the end).
_EXPECTED: dict[str, tuple[str, str]] = {
    "condition": (
        N_(
            "expected a condition (a question id, a quoted value, answered(...), not or '(') "
            "at column %(column)d, found %(found)s"
        ),
        N_(
            "expected a condition (a question id, a quoted value, answered(...), not or '(') "
            "at column %(column)d, but the expression ends there"
        ),
    ),
    "operator": (
        N_("expected a comparison (== != < <= > >=) or 'in' at column %(column)d, found %(found)s"),
        N_(
            "expected a comparison (== != < <= > >=) or 'in' at column %(column)d, "
            "but the expression ends there"
        ),
    ),
    "value": (
        N_(
            "expected a value (a quoted text, a number, true or false) at column %(column)d, "
            "found %(found)s"
        ),
        N_(
            "expected a value (a quoted text, a number, true or false) at column %(column)d, "
            "but the expression ends there"
        ),
    ),
    "question_id": (
        N_("expected a question id at column %(column)d, found %(found)s"),
        N_("expected a question id at column %(column)d, but the expression ends there"),
    ),
    "symbol": (
        N_("expected '%(symbol)s' at column %(column)d, found %(found)s"),
        N_("expected '%(symbol)s' at column %(column)d, but the expression ends there"),
    ),
    "list_next": (
        N_("expected ',' or ']' at column %(column)d, found %(found)s"),
        N_("expected ',' or ']' at column %(column)d, but the expression ends there"),
    ),
}
_EXPECTED_END = N_(
    "expected 'and', 'or' or the end of the expression at column %(column)d, found %(found)s"
)


def _expected(kind: str, token: Token, **params: str) -> ExpressionError:
    """The error for an unexpected token (or end) where `kind` of thing was expected."""
    found_template, end_template = _EXPECTED[kind] if kind != "end" else (_EXPECTED_END, "")
    if token.kind == "end":
        return ExpressionError(end_template, {"column": token.column, **params})
    found = token.text if len(token.text) <= 40 else token.text[:37] + "..."
    return ExpressionError(
        found_template, {"column": token.column, "found": f"'{found}'", **params}
    )


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = list(tokenize(text))
        self.position = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.position]

    def advance(self) -> Token:
        token = self.current
        if token.kind != "end":
            self.position += 1
        return token

    def at_keyword(self, word: str) -> bool:
        return self.current.kind == "keyword" and self.current.text == word

    def expect(self, kind: str) -> Token:
        """The current token, which must be punctuation `kind` (or the keyword `in`)."""
        token = self.current
        is_in_keyword = kind == "in" and token.kind == "keyword" and token.text == "in"
        if token.kind != kind and not is_in_keyword:
            raise _expected("symbol", token, symbol=kind)
        return self.advance()

    def parse(self) -> Expr:
        expression = self.expression()
        if self.current.kind != "end":
            raise _expected("end", self.current)
        return expression

    def enter(self, token: Token) -> None:
        """Count one more nesting level, refusing inputs that nest too deep."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                N_("the expression nests deeper than %(limit)d levels at column %(column)d"),
                {"limit": MAX_DEPTH, "column": token.column},
            )

    def expression(self) -> Expr:
        operands = [self.and_expression()]
        while self.at_keyword("or"):
            self.advance()
            operands.append(self.and_expression())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_expression(self) -> Expr:
        operands = [self.not_expression()]
        while self.at_keyword("and"):
            self.advance()
            operands.append(self.not_expression())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def not_expression(self) -> Expr:
        if not self.at_keyword("not"):
            return self.primary()
        self.enter(self.advance())
        operand = self.not_expression()
        self.depth -= 1
        return Not(operand)

    def primary(self) -> Expr:
        token = self.current
        if token.kind == "(":
            self.enter(self.advance())
            inner = self.expression()
            self.expect(")")
            self.depth -= 1
            return inner
        if token.kind == "keyword" and token.text == "answered":
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
        raise _expected("condition", token)

    def question_id(self) -> str:
        token = self.current
        if token.kind != "id":
            raise _expected("question_id", token)
        return self.advance().text

    def comparison(self) -> Expr:
        question_id = self.advance().text
        token = self.current
        if token.kind == "op":
            self.advance()
            return Compare(question_id, token.text, self.literal())
        if token.kind == "keyword" and token.text == "in":
            self.advance()
            return InList(question_id, self.literal_list())
        raise _expected("operator", token)

    def literal(self) -> Literal:
        token = self.current
        if token.kind in ("string", "number") or token.text in ("true", "false"):
            self.advance()
            assert token.value is not None
            return token.value
        raise _expected("value", token)

    def literal_list(self) -> tuple[Literal, ...]:
        self.expect("[")
        values = [self.literal()]
        while self.current.kind == ",":
            self.advance()
            values.append(self.literal())
        if self.current.kind != "]":
            raise _expected("list_next", self.current)
        self.advance()
        return tuple(values)


def parse(text: str) -> Expr:
    """The syntax tree of a `show_if` expression; raises `ExpressionError` (nothing else)."""
    if not isinstance(text, str):
        raise ExpressionError(N_("the condition must be a text"))
    return _parse_text(text)


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> Expr:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            N_("the expression is longer than %(limit)d characters"), {"limit": MAX_LENGTH}
        )
    if not text.strip():
        raise ExpressionError(N_("the expression is empty"))
    return _Parser(text).parse()


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
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
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
