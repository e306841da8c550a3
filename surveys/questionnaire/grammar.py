"""What the questionnaire's two expression languages share: `show_if` conditions
(expressions.py) and validation rules (rules.py, whose conditions are a superset of show_if's).

Part of the functional core: no Flask, no database, never `eval`. One tokenizer, one set of
limits, one set of located messages (every one a whole sentence in the catalogue, so a French
coordinator reads them in French, whichever language the mistake is in), and the parser's
skeleton: the `or` / `and` / `not` levels both grammars have, around a condition each language
reads its own way:

    expression := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | condition

Inputs are capped in length and nesting so that no text can exhaust the stack: every bad input
raises `ExpressionError` and nothing else.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from surveys.questionnaire.errors import ExpressionError, MessageParam
from surveys.translatable import N_

MAX_LENGTH = 1000
"""Longest accepted expression, in characters."""
MAX_DEPTH = 40
"""Deepest accepted nesting of parentheses, `not` and signs."""
MAX_NUMBER_LENGTH = 30

CONDITION_KEYWORDS = frozenset({"and", "or", "not", "in", "answered", "true", "false"})
"""The words of `show_if` conditions."""
RULE_KEYWORDS = CONDITION_KEYWORDS | {"abs", "previous"}
"""The words of rules: a condition's, and their functions."""
RESERVED_WORDS = RULE_KEYWORDS
"""Words that cannot be area or question ids (the loader refuses them): each would read as a
keyword in a condition or a rule that names the question."""
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
ARITHMETIC = ("+", "-", "*", "/")

Literal = str | int | float | bool


# --- Tokens ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str
    """One of: id, keyword, string, number, op, ( ) [ ] , . end."""
    text: str
    column: int
    """1-based column of the token's first character."""
    value: Literal | None = None


SIGNED_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?", re.ASCII)
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?", re.ASCII)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_WHITESPACE = frozenset(" \t\r\n\f\v")
_PUNCTUATION = frozenset("()[],")
_BOOLEANS = {"true": True, "false": False}


def tokenize(text: str, keywords: frozenset[str], *, arithmetic: bool) -> list[Token]:
    """The tokens of `text`, ending with an `end` token. With `arithmetic` (rules), `+ - * /`
    are operators and `.` names a table's cell; without (conditions), a number may carry its
    minus sign and those characters are refused."""
    tokens: list[Token] = []
    number_pattern = _NUMBER if arithmetic else SIGNED_NUMBER
    index = 0
    while index < len(text):
        char = text[index]
        column = index + 1
        if char in _WHITESPACE:
            index += 1
        elif ident := _IDENT.match(text, index):
            word = ident.group()
            if word in keywords:
                tokens.append(Token("keyword", word, column, _BOOLEANS.get(word)))
            else:
                tokens.append(Token("id", word, column))
            index = ident.end()
        elif number := number_pattern.match(text, index):
            tokens.append(_number_token(number.group(), column))
            index = number.end()
        elif char in "'\"":
            value, end = _read_string(text, index)
            tokens.append(Token("string", text[index:end], column, value))
            index = end
        elif text.startswith(("==", "!=", "<=", ">="), index):
            tokens.append(Token("op", text[index : index + 2], column))
            index += 2
        elif char in "<>" or (arithmetic and char in ARITHMETIC):
            tokens.append(Token("op", char, column))
            index += 1
        elif char in _PUNCTUATION or (arithmetic and char == "."):
            tokens.append(Token(char, char, column))
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
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _shown(char: str) -> str:
    """A character as a message can show it (control characters by code point)."""
    return char if char.isprintable() else f"U+{ord(char):04X}"


def _read_string(text: str, start: int) -> tuple[str, int]:
    """The string literal opening at `start` and the index just after its closing quote (a
    backslash escapes the next character)."""
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


def _number_token(literal: str, column: int) -> Token:
    """A number: an int unless it has a fraction or an exponent."""
    value: int | float = 0
    if len(literal) <= MAX_NUMBER_LENGTH:
        value = float(literal) if any(mark in literal for mark in ".eE") else int(literal)
    if len(literal) > MAX_NUMBER_LENGTH or not math.isfinite(value):
        raise ExpressionError(
            N_("the number at column %(column)d is too long or too large"), {"column": column}
        )
    return Token("number", literal, column, value)


# --- Located messages --------------------------------------------------------------------------

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
    "operand": (
        N_(
            "expected a value (a number, a quoted text, a question id or a table cell) at column "
            "%(column)d, found %(found)s"
        ),
        N_(
            "expected a value (a number, a quoted text, a question id or a table cell) at column "
            "%(column)d, but the expression ends there"
        ),
    ),
    "question_id": (
        N_("expected a question id at column %(column)d, found %(found)s"),
        N_("expected a question id at column %(column)d, but the expression ends there"),
    ),
    "cell_row": (
        N_("expected a row id (table.row[year].column) at column %(column)d, found %(found)s"),
        N_(
            "expected a row id (table.row[year].column) at column %(column)d, "
            "but the expression ends there"
        ),
    ),
    "cell_year": (
        N_("expected a year (table.row[year].column) at column %(column)d, found %(found)s"),
        N_(
            "expected a year (table.row[year].column) at column %(column)d, "
            "but the expression ends there"
        ),
    ),
    "cell_column": (
        N_("expected a column id (table.row[year].column) at column %(column)d, found %(found)s"),
        N_(
            "expected a column id (table.row[year].column) at column %(column)d, "
            "but the expression ends there"
        ),
    ),
    "symbol": (
        N_("expected '%(symbol)s' at column %(column)d, found %(found)s"),
        N_("expected '%(symbol)s' at column %(column)d, but the expression ends there"),
    ),
    "list_next": (
        N_("expected ',' or ']' at column %(column)d, found %(found)s"),
        N_("expected ',' or ']' at column %(column)d, but the expression ends there"),
    ),
    # After a whole expression, only these may follow (nothing can be missing at the end).
    "end": (
        N_(
            "expected 'and', 'or' or the end of the expression at column %(column)d, "
            "found %(found)s"
        ),
        "",
    ),
    "end_of_rule": (
        N_(
            "expected 'and', 'or', an operator or the end of the expression at column "
            "%(column)d, found %(found)s"
        ),
        "",
    ),
}


def expected(kind: str, token: Token, **params: MessageParam) -> ExpressionError:
    """The error for an unexpected token (or end) where `kind` of thing was expected."""
    found_template, end_template = _EXPECTED[kind]
    if token.kind == "end":
        return ExpressionError(end_template, {"column": token.column, **params})
    found = token.text if len(token.text) <= 40 else token.text[:37] + "..."
    return ExpressionError(
        found_template, {"column": token.column, "found": f"'{found}'", **params}
    )


def checked_text(text: str) -> str:
    """`text` when its length can be parsed (an empty or overlong one is refused)."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            N_("the expression is longer than %(limit)d characters"), {"limit": MAX_LENGTH}
        )
    if not text.strip():
        raise ExpressionError(N_("the expression is empty"))
    return text


# --- The parser's skeleton ---------------------------------------------------------------------


class Parser:
    """Recursive descent over one text's tokens: the `or` / `and` / `not` levels, literals and
    the bookkeeping. A language gives its keywords, whether it has arithmetic, its nodes for the
    three boolean levels and `condition()`, what `not` applies to."""

    KEYWORDS: frozenset[str] = CONDITION_KEYWORDS
    ARITHMETIC = False
    END = "end"
    """The key of the message for a token left over after a whole expression."""
    any_of: Callable[[tuple[Any, ...]], Any]
    all_of: Callable[[tuple[Any, ...]], Any]
    negation: Callable[[Any], Any]

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text, self.KEYWORDS, arithmetic=self.ARITHMETIC)
        self.position = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.position]

    def peek(self) -> Token:
        """The token after the current one."""
        return self.tokens[min(self.position + 1, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.current
        if token.kind != "end":
            self.position += 1
        return token

    def at(self, kind: str, text: str | None = None) -> bool:
        token = self.current
        return token.kind == kind and (text is None or token.text == text)

    def at_keyword(self, word: str) -> bool:
        return self.at("keyword", word)

    def expect(self, kind: str) -> Token:
        """The current token, which must be punctuation `kind` (or the keyword `in`)."""
        if not (self.at(kind) or (kind == "in" and self.at_keyword("in"))):
            raise expected("symbol", self.current, symbol=kind)
        return self.advance()

    def enter(self, token: Token) -> None:
        """One more nesting level (opened by `token`), refusing inputs that nest too deep."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                N_("the expression nests deeper than %(limit)d levels at column %(column)d"),
                {"limit": MAX_DEPTH, "column": token.column},
            )

    def leave(self) -> None:
        self.depth -= 1

    def parse(self) -> Any:
        tree = self.expression()
        if not self.at("end"):
            raise expected(self.END, self.current)
        return tree

    def expression(self) -> Any:
        operands = [self.and_expression()]
        while self.at_keyword("or"):
            self.advance()
            operands.append(self.and_expression())
        return operands[0] if len(operands) == 1 else type(self).any_of(tuple(operands))

    def and_expression(self) -> Any:
        operands = [self.not_expression()]
        while self.at_keyword("and"):
            self.advance()
            operands.append(self.not_expression())
        return operands[0] if len(operands) == 1 else type(self).all_of(tuple(operands))

    def not_expression(self) -> Any:
        if not self.at_keyword("not"):
            return self.condition()
        self.enter(self.advance())
        operand = self.not_expression()
        self.leave()
        return type(self).negation(operand)

    def condition(self) -> Any:
        raise NotImplementedError

    def question_id(self) -> str:
        if not self.at("id"):
            raise expected("question_id", self.current)
        return self.advance().text

    def literal(self) -> Literal:
        """A quoted text, a number (with its sign, where signs are operators) or true/false."""
        token = self.current
        if token.kind == "op" and token.text == "-" and self.peek().kind == "number":
            self.advance()
            return -self.advance().value  # type: ignore[operator]
        if token.kind in ("string", "number") or token.text in _BOOLEANS:
            self.advance()
            assert token.value is not None
            return token.value
        raise expected("value", token)

    def literal_list(self) -> tuple[Literal, ...]:
        self.expect("[")
        values = [self.literal()]
        while self.at(","):
            self.advance()
            values.append(self.literal())
        if not self.at("]"):
            raise expected("list_next", self.current)
        self.advance()
        return tuple(values)
