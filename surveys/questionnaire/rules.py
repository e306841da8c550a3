"""Validation rules: the rule language (show_if's conditions plus arithmetic and table cells), its
type check against a definition, and the evaluation of every rule of a definition on answers.

Part of the functional core: no Flask, no database, never `eval`. This is the one place that
decides whether answers break a rule; the web form, the offline workbook and the data-quality
reports all call `check_answers` (and `rule_in_words` to say what a rule asks).

Grammar (lowest precedence first; every `show_if` condition is also a rule; the tokens, limits,
messages and the first three levels are those of conditions too: grammar.py):

    expression := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | condition
    condition  := "answered" "(" reference ")"
                | STRING "in" ID
                | sum ("==" | "!=" | "<" | "<=" | ">" | ">=") sum
                | sum "in" "[" literal ("," literal)* "]"
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | atom
    atom       := NUMBER | STRING | "true" | "false" | reference
                | "abs" "(" sum ")" | "previous" "(" reference ")" | "(" sum ")"
    reference  := ID | ID "." ROW "[" YEAR "]" "." COLUMN

`table.row[2025].total` is one cell of a statistics table; `previous(x)` is the country's value
of `x` in its previous round of record. A rule whose numbers are not all given is not checked
(a blank cell is unknown, not zero); a division by zero is not checked either.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from surveys.locales import number_in
from surveys.questionnaire.derived import per_definition
from surveys.questionnaire.errors import ExpressionError, MessageParam, Term
from surveys.questionnaire.grammar import (
    ARITHMETIC,
    COMPARISONS,
    RULE_KEYWORDS,
    Literal,
    Parser,
    checked_text,
    expected,
)
from surveys.questionnaire.schema import (
    Definition,
    Localized,
    Question,
    Rule,
    StatColumn,
    StatRow,
    TableChecks,
    TotalCheck,
    localized,
    stat_cell_key,
)
from surveys.translatable import N_

SEVERITIES = ("error", "warning")


# --- The syntax tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A question's answer, or one cell of a statistics table (row, year and column set)."""

    question_id: str
    row: str | None = None
    year: int | None = None
    column: str | None = None
    column_at: int = 0

    @property
    def is_cell(self) -> bool:
        return self.row is not None

    @property
    def cell_key(self) -> str | None:
        if self.row is None or self.year is None or self.column is None:
            return None
        return stat_cell_key(self.row, self.year, self.column)

    def text(self) -> str:
        if not self.is_cell:
            return self.question_id
        return f"{self.question_id}.{self.row}[{self.year}].{self.column}"


@dataclass(frozen=True)
class Const:
    value: Literal


@dataclass(frozen=True)
class Previous:
    ref: Ref


@dataclass(frozen=True)
class Abs:
    operand: Node


@dataclass(frozen=True)
class Negate:
    operand: Node


@dataclass(frozen=True)
class Arithmetic:
    operator: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Comparison:
    operator: str
    left: Node
    right: Node
    column_at: int = 0


@dataclass(frozen=True)
class Among:
    """`value in [literals]`."""

    operand: Node
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class Selected:
    """`'option' in multiple_choice_question`."""

    value: str
    question_id: str


@dataclass(frozen=True)
class IsAnswered:
    ref: Ref


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class All:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Any_:
    operands: tuple[Node, ...]


Node = (
    Ref
    | Const
    | Previous
    | Abs
    | Negate
    | Arithmetic
    | Comparison
    | Among
    | Selected
    | IsAnswered
    | Not
    | All
    | Any_
)


# --- Parser ------------------------------------------------------------------------------------


class _Parser(Parser):
    KEYWORDS = RULE_KEYWORDS
    ARITHMETIC = True
    END = "end_of_rule"
    any_of, all_of, negation = Any_, All, Not

    def condition(self) -> Node:
        if self.at_keyword("answered"):
            self.advance()
            self.expect("(")
            ref = self.reference()
            self.expect(")")
            return IsAnswered(ref)
        if self.at("string") and self.peek().text == "in":
            value = str(self.advance().value)
            self.advance()
            return Selected(value, self.question_id())
        if self.at("("):
            # A parenthesised condition, or a parenthesised sum that a comparison follows.
            start, depth = self.position, self.depth
            try:
                self.enter(self.advance())
                inner = self.expression()
                self.expect(")")
                self.leave()
            except ExpressionError:
                inner = None  # not a condition inside: read it again as a sum
            if inner is not None and not (
                self.at("op") and self.current.text in (*ARITHMETIC, *COMPARISONS)
            ):
                return inner
            self.position, self.depth = start, depth
        left = self.sum()
        token = self.current
        if token.kind == "op" and token.text in COMPARISONS:
            self.advance()
            return Comparison(token.text, left, self.sum(), token.column)
        if self.at_keyword("in"):
            self.advance()
            return Among(left, self.literal_list())
        if isinstance(left, Const) and isinstance(left.value, bool):
            return left
        raise expected("operator", token)

    def sum(self) -> Node:
        node = self.product()
        while self.at("op") and self.current.text in ("+", "-"):
            operator = self.advance().text
            node = Arithmetic(operator, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.at("op") and self.current.text in ("*", "/"):
            operator = self.advance().text
            node = Arithmetic(operator, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.at("op", "-"):
            self.enter(self.advance())
            operand = self.unary()
            self.leave()
            if isinstance(operand, Const) and isinstance(operand.value, int | float):
                return Const(-operand.value)
            return Negate(operand)
        return self.atom()

    def atom(self) -> Node:
        token = self.current
        if token.kind in ("number", "string") or token.text in ("true", "false"):
            self.advance()
            assert token.value is not None
            return Const(token.value)
        if token.kind == "id":
            return self.reference()
        if token.kind == "keyword" and token.text in ("abs", "previous"):
            self.advance()
            self.enter(self.expect("("))
            is_previous = token.text == "previous"
            inner: Node = Previous(self.reference()) if is_previous else Abs(self.sum())
            self.leave()
            self.expect(")")
            return inner
        if token.kind == "(":
            self.enter(self.advance())
            inner = self.sum()
            self.leave()
            self.expect(")")
            return inner
        raise expected("operand", token)

    def reference(self) -> Ref:
        token = self.current
        question_id = self.question_id()
        if not self.at("."):
            return Ref(question_id, column_at=token.column)
        self.advance()
        if not self.at("id"):
            raise expected("cell_row", self.current)
        row = self.advance().text
        self.expect("[")
        if not (self.at("number") and isinstance(self.current.value, int)):
            raise expected("cell_year", self.current)
        year = int(self.advance().value)  # type: ignore[arg-type]
        self.expect("]")
        self.expect(".")
        if not self.at("id"):
            raise expected("cell_column", self.current)
        column = self.advance().text
        return Ref(question_id, row, year, column, token.column)


def parse(text: str) -> Node:
    """The syntax tree of a rule; raises `ExpressionError` (nothing else)."""
    if not isinstance(text, str):
        raise ExpressionError(N_("the rule must be a text"))
    return _parse_text(text)


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> Node:
    return _Parser(checked_text(text)).parse()


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Previous):
        return (node.ref,)
    if isinstance(node, IsAnswered):
        return (node.ref,)
    if isinstance(node, Abs | Negate | Not):
        return (node.operand,)
    if isinstance(node, Among):
        return (node.operand,)
    if isinstance(node, Arithmetic | Comparison):
        return (node.left, node.right)
    if isinstance(node, All | Any_):
        return node.operands
    return ()


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in children(node):
        yield from walk(child)


def references(node: Node) -> list[Ref]:
    """Every reference the rule reads, in order (a `previous(...)` one included)."""
    found = [n for n in walk(node) if isinstance(n, Ref)]
    found += [Ref(n.question_id) for n in walk(node) if isinstance(n, Selected)]
    return found


# --- The type check ----------------------------------------------------------------------------

# The kinds of value a rule's operands have: compared as tags, shown in messages as words.
NUMBER = Term(N_("number"))
TEXT = Term(N_("text"))
BOOLEAN = Term(N_("true/false"))
TABLE = Term(N_("statistics table"))
LIST = Term(N_("list of selections"))
CONDITION = Term(N_("condition"))
DATE = Term(N_("date"))


COMPARES_TEMPLATE = N_(
    "'%(operator)s' compares %(left)s (a %(left_kind)s) with %(right)s (a %(right_kind)s)"
)
WHOLE_TABLE_TEMPLATE = N_(
    "%(what)s is a whole statistics table and cannot be compared: name one cell, e.g. "
    "table.row[year].column"
)
ORDERS_TEMPLATE = N_("'%(operator)s' orders numbers or dates, not a %(kind)s")


@dataclass(frozen=True)
class TypeProblem:
    template: str
    params: Mapping[str, MessageParam] = field(default_factory=dict)


def _ref_type(ref: Ref, questions: Mapping[str, Question], problems: list[TypeProblem]) -> str:
    question = questions.get(ref.question_id)
    if question is None:
        problems.append(
            TypeProblem(N_("the rule refers to unknown question '%(id)s'"), {"id": ref.question_id})
        )
        return ""
    if ref.is_cell:
        table = question.statistics
        if table is None:
            problems.append(
                TypeProblem(
                    N_("'%(ref)s': question '%(id)s' is not a statistics table"),
                    {"ref": ref.text(), "id": question.id},
                )
            )
            return ""
        # One sentence each (not the part's name as a parameter): the catalogue translates it.
        for template, wanted, known in (
            (
                N_("'%(ref)s': table '%(id)s' has no row '%(value)s' (%(known)s)"),
                ref.row,
                [r.id for r in table.rows],
            ),
            (
                N_("'%(ref)s': table '%(id)s' has no year '%(value)s' (%(known)s)"),
                ref.year,
                list(table.years),
            ),
            (
                N_("'%(ref)s': table '%(id)s' has no column '%(value)s' (%(known)s)"),
                ref.column,
                [c.id for c in table.columns],
            ),
        ):
            if wanted not in known:
                problems.append(
                    TypeProblem(
                        template,
                        {
                            "ref": ref.text(),
                            "id": question.id,
                            "value": str(wanted),
                            "known": ", ".join(map(str, known)),
                        },
                    )
                )
                return ""
        return NUMBER
    return question_value_type(question)


def question_value_type(question: Question) -> str:
    """The type a question's answer has in a rule or condition (a kind's tag, as a `Term`)."""
    tag = question.kind.value_type
    return _VALUE_TYPES.get(tag) or Term(tag)


_VALUE_TYPES = {str(term): term for term in (NUMBER, TEXT, BOOLEAN, TABLE, LIST, CONDITION, DATE)}


def _literal_type(value: Literal) -> str:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int | float):
        return NUMBER
    return TEXT


def type_of(node: Node, questions: Mapping[str, Question], problems: list[TypeProblem]) -> str:
    """The node's type; problems found on the way are appended (an empty type: unknown)."""
    if isinstance(node, Const):
        return _literal_type(node.value)
    if isinstance(node, Ref):
        return _ref_type(node, questions, problems)
    if isinstance(node, Previous):
        return _ref_type(node.ref, questions, problems)
    if isinstance(node, Abs | Negate | Arithmetic):
        operands = children(node)
        symbol = "abs" if isinstance(node, Abs) else getattr(node, "operator", "-")
        for operand in operands:
            kind = type_of(operand, questions, problems)
            if kind and kind != NUMBER:
                problems.append(
                    TypeProblem(
                        N_("'%(operator)s' needs numbers, but %(what)s is a %(kind)s"),
                        {"operator": symbol, "what": describe_operand(operand), "kind": kind},
                    )
                )
        return NUMBER
    if isinstance(node, Comparison):
        left = type_of(node.left, questions, problems)
        right = type_of(node.right, questions, problems)
        _check_comparison(node, left, right, questions, problems)
        return CONDITION
    if isinstance(node, Among):
        kind = type_of(node.operand, questions, problems)
        for value in node.values:
            _check_pair("in", node.operand, kind, Const(value), _literal_type(value), problems)
            _check_option(node.operand, value, questions, problems)
        return CONDITION
    if isinstance(node, Selected):
        question = questions.get(node.question_id)
        if question is None:
            problems.append(
                TypeProblem(
                    N_("the rule refers to unknown question '%(id)s'"), {"id": node.question_id}
                )
            )
        elif question.kind.value_type != LIST:
            problems.append(
                TypeProblem(
                    N_("'%(value)s' in %(id)s: question '%(id)s' is not multiple-choice"),
                    {"value": node.value, "id": node.question_id},
                )
            )
        elif question.option(node.value) is None:
            problems.append(
                TypeProblem(
                    N_("'%(value)s' is not an option of question '%(id)s' (options: %(options)s)"),
                    {
                        "value": node.value,
                        "id": question.id,
                        "options": ", ".join(o.value for o in question.options),
                    },
                )
            )
        return CONDITION
    if isinstance(node, IsAnswered):
        _ref_type(node.ref, questions, problems)
        return CONDITION
    for operand in children(node):
        kind = type_of(operand, questions, problems)
        if kind and kind not in (CONDITION, BOOLEAN):
            problems.append(
                TypeProblem(
                    N_("%(what)s is a %(kind)s, not a condition"),
                    {"what": describe_operand(operand), "kind": kind},
                )
            )
    return CONDITION


def describe_operand(node: Node) -> str:
    if isinstance(node, Ref):
        return f"'{node.text()}'"
    if isinstance(node, Const):
        return repr(node.value) if not isinstance(node.value, bool) else str(node.value).lower()
    return Term(N_("an expression"))


def _numeric_text(node: Node) -> bool:
    """A quoted number, e.g. a maturity level written '2' as show_if conditions do."""
    return (
        isinstance(node, Const)
        and isinstance(node.value, str)
        and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", node.value) is not None
    )


def _check_pair(
    operator: str, left: Node, left_type: str, right: Node, right_type: str, problems
) -> None:
    if not left_type or not right_type:
        return
    compatible = left_type == right_type or {left_type, right_type} == {DATE, TEXT}
    if {left_type, right_type} == {NUMBER, TEXT} and (_numeric_text(left) or _numeric_text(right)):
        compatible = True
    if left_type == TABLE or right_type == TABLE:
        compatible = False
    if compatible:
        return
    table = left if left_type == TABLE else right if right_type == TABLE else None
    if table is not None:
        problems.append(TypeProblem(WHOLE_TABLE_TEMPLATE, {"what": describe_operand(table)}))
        return
    problems.append(
        TypeProblem(
            COMPARES_TEMPLATE,
            {
                "operator": operator,
                "left": describe_operand(left),
                "left_kind": left_type,
                "right": describe_operand(right),
                "right_kind": right_type,
            },
        )
    )


def _check_option(
    node: Node, value: Literal, questions: Mapping[str, Question], problems: list[TypeProblem]
) -> None:
    if not (isinstance(node, Ref) and not node.is_cell) or isinstance(value, bool):
        return
    question = questions.get(node.question_id)
    if question is None or not question.kind.choice:
        return
    if question.kind.value_type == NUMBER:  # maturity levels, compared as numbers
        _check_level(question, value, problems)
        return
    if not isinstance(value, str):
        return
    if question.option(value) is None:
        problems.append(
            TypeProblem(
                N_("'%(value)s' is not an option of question '%(id)s' (options: %(options)s)"),
                {
                    "value": value,
                    "id": question.id,
                    "options": ", ".join(o.value for o in question.options),
                },
            )
        )


def _check_level(question: Question, value: Literal, problems: list[TypeProblem]) -> None:
    """A number compared with a maturity question must be one of its levels (0 to n - 1)."""
    try:
        level = float(value)
    except (TypeError, ValueError):
        return  # a text that is not a number: the type check reports it
    if question.option(str(int(level)) if level.is_integer() else str(level)) is None:
        problems.append(
            TypeProblem(
                N_("%(value)s is not a level of question '%(id)s' (levels %(first)s to %(last)s)"),
                {
                    "value": str(int(level)) if level.is_integer() else str(level),
                    "id": question.id,
                    "first": question.options[0].value,
                    "last": question.options[-1].value,
                },
            )
        )


def _check_comparison(
    node: Comparison,
    left: str,
    right: str,
    questions: Mapping[str, Question],
    problems: list[TypeProblem],
) -> None:
    _check_pair(node.operator, node.left, left, node.right, right, problems)
    for side, other in ((node.left, node.right), (node.right, node.left)):
        if isinstance(other, Const):
            _check_option(side, other.value, questions, problems)
    ordered = node.operator in ("<", "<=", ">", ">=")
    if ordered and left == right and left not in (NUMBER, DATE, ""):
        problems.append(
            TypeProblem(
                ORDERS_TEMPLATE,
                {"operator": node.operator, "kind": left},
            )
        )


def check_types(node: Node, questions: Mapping[str, Question]) -> list[TypeProblem]:
    """Problems of a rule or condition against the questions it reads (empty: well typed)."""
    problems: list[TypeProblem] = []
    kind = type_of(node, questions, problems)
    if kind and kind not in (CONDITION, BOOLEAN):
        problems.append(
            TypeProblem(
                N_("the rule is a %(kind)s, not a condition: compare it with something"),
                {"kind": kind},
            )
        )
    return problems


# --- Evaluation --------------------------------------------------------------------------------


class _Unknown(Exception):
    """A value the rule needs is not given (or a division by zero): the rule is not checked."""


def _number(value: object) -> float:
    if isinstance(value, bool) or value is None:
        raise _Unknown
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise _Unknown from None
    raise _Unknown


def _lookup(ref: Ref, values: Mapping[str, object]) -> object:
    value = values.get(ref.question_id)
    if not ref.is_cell:
        if value is None or value == "" or value == []:
            raise _Unknown
        return value
    cells = value.get("cells") if isinstance(value, Mapping) else None
    if not isinstance(cells, Mapping):
        raise _Unknown
    found = cells.get(ref.cell_key)
    if found is None:
        raise _Unknown
    return found


def _value(node: Node, values: Mapping[str, object], previous: Mapping[str, object]) -> object:
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Ref):
        return _lookup(node, values)
    if isinstance(node, Previous):
        return _lookup(node.ref, previous)
    if isinstance(node, Abs):
        return abs(_number(_value(node.operand, values, previous)))
    if isinstance(node, Negate):
        return -_number(_value(node.operand, values, previous))
    if isinstance(node, Arithmetic):
        left = _number(_value(node.left, values, previous))
        right = _number(_value(node.right, values, previous))
        if node.operator == "+":
            return left + right
        if node.operator == "-":
            return left - right
        if node.operator == "*":
            return left * right
        if right == 0:
            raise _Unknown
        return left / right
    return _holds(node, values, previous)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(left: object, right: object) -> tuple[object, object]:
    if _is_number(left) or _is_number(right):
        return _number(left), _number(right)
    return str(left), str(right)


def _compare(operator: str, left: object, right: object) -> bool:
    a, b = _same(left, right)
    if operator == "==":
        return a == b if not isinstance(a, float) else math.isclose(a, b, abs_tol=1e-9)  # type: ignore[arg-type]
    if operator == "!=":
        return not _compare("==", left, right)
    try:
        return {
            "<": a < b,  # type: ignore[operator]
            "<=": a <= b,  # type: ignore[operator]
            ">": a > b,  # type: ignore[operator]
            ">=": a >= b,  # type: ignore[operator]
        }[operator]
    except TypeError:
        raise _Unknown from None


def _holds(node: Node, values: Mapping[str, object], previous: Mapping[str, object]) -> bool:
    if isinstance(node, Comparison):
        left = _value(node.left, values, previous)
        right = _value(node.right, values, previous)
        return _compare(node.operator, left, right)
    if isinstance(node, Among):
        actual = _value(node.operand, values, previous)
        return any(_compare("==", actual, v) for v in node.values)
    if isinstance(node, Selected):
        chosen = values.get(node.question_id)
        return isinstance(chosen, list | tuple) and node.value in chosen
    if isinstance(node, IsAnswered):
        try:
            _lookup(node.ref, values)
        except _Unknown:
            return False
        return True
    if isinstance(node, Not):
        return not _holds(node.operand, values, previous)
    if isinstance(node, All):
        return all(_holds(o, values, previous) for o in node.operands)
    if isinstance(node, Any_):
        return any(_holds(o, values, previous) for o in node.operands)
    if isinstance(node, Const) and isinstance(node.value, bool):
        return node.value
    raise _Unknown


def holds(
    node: Node, values: Mapping[str, object], previous: Mapping[str, object] | None = None
) -> bool | None:
    """Whether the rule holds for these answers; None when it cannot be checked (a value it
    needs is not given, a division by zero)."""
    try:
        return _holds(node, values, previous or {})
    except _Unknown:
        return None


# --- Checking a definition's rules on answers --------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """One rule that the answers break, with where to show it."""

    key: str
    """Stable within a submission: the rule id, plus the row and year for a table shorthand."""
    rule_id: str
    severity: str
    question_id: str
    """The question it is shown beside (the first the rule reads)."""
    cells: tuple[str, ...] = ()
    """The statistics cells concerned, as `stat_cell_key`s of `question_id`'s table."""
    message: Localized = field(default_factory=dict)
    """The author's message, per language (empty for the table shorthands)."""
    template: str = ""
    """For the table shorthands: a message template, translated where it is shown."""
    params: Mapping[str, MessageParam] = field(default_factory=dict)
    """The template's parameters: numbers are written in the reader's language (1,200 /
    1 200); texts (years included) as they are."""
    labels: Mapping[str, Localized] = field(default_factory=dict)
    """Parameters that are the definition's labels (a row, a column), per language."""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def failure_text(failure: Failure, language: str, translate: Callable[[str], str]) -> str:
    """What the respondent reads: the author's message, else the shorthand's explanation, its
    figures written in `language` and its rows and columns by their labels."""
    if failure.message:
        return localized(failure.message, language)
    template = translate(failure.template)
    if not failure.params and not failure.labels:
        return template
    params: dict[str, object] = {
        name: number_in(value, language) if _is_number(value) else value
        for name, value in failure.params.items()
    }
    params.update({name: localized(label, language) for name, label in failure.labels.items()})
    return template % params


def check_answers(
    definition: Definition,
    values: Mapping[str, object],
    previous: Mapping[str, object] | None = None,
    hidden: Iterable[str] = (),
    beside: Collection[str] | None = None,
) -> list[Failure]:
    """Every rule of the definition the answers break, in definition order.

    `values`: question id -> answer value (None or absent: unanswered); `previous`: the same for
    the country's previous round of record (plausibility bands); `hidden`: questions whose
    show_if is false (their rules are not checked). `beside`: only the failures shown beside
    these questions (`Failure.question_id`), exactly those the whole check would give, in the
    same order, without checking the others (a save checks its own area).
    """
    hidden_ids = set(hidden)
    previous = previous or {}
    failures: list[Failure] = []
    for question in _plan(definition).questions:
        if question.id in hidden_ids or (beside is not None and question.id not in beside):
            continue
        if question.statistics is not None:
            failures += table_failures(question, values.get(question.id), previous.get(question.id))
        else:
            failures += _number_plausibility(question, values, previous)
    for check in _plan(definition).rules:
        if beside is not None and check.shown_beside not in beside:
            continue
        if check.reads & hidden_ids:
            continue
        if holds(check.node, values, previous) is False:
            rule = check.rule
            failures.append(
                Failure(
                    rule.id,
                    rule.id,
                    rule.severity,
                    check.shown_beside,
                    check.cells,
                    message=rule.message,
                )
            )
    return failures


def has_checks(definition: Definition) -> bool:
    """Whether the definition has any rule or table/plausibility check at all."""
    plan = _plan(definition)
    return bool(plan.questions or plan.rules)


def reads_previous(definition: Definition, beside: Collection[str] | None = None) -> bool:
    """Whether a check shown beside these questions (all: None) reads the previous round: without
    one, `check_answers` gives the same failures whatever `previous` holds."""
    plan = _plan(definition)
    return any(beside is None or shown in beside for shown in plan.reading_previous)


@dataclass(frozen=True)
class _RuleCheck:
    """A rule parsed once, with what a check of it needs that the answers do not change."""

    rule: Rule
    node: Node
    reads: frozenset[str]  # every question it reads (previous(...) included)
    shown_beside: str  # the first question it reads now ("" when none)
    cells: tuple[str, ...]  # the cells of that question it reads
    previous: bool  # whether it reads previous(...)


@dataclass(frozen=True)
class _Plan:
    questions: tuple[Question, ...]  # with a statistics table or a plausibility factor
    rules: tuple[_RuleCheck, ...]
    reading_previous: frozenset[str]  # questions shown beside a check that reads the previous round


def _rule_check(rule: Rule) -> _RuleCheck:
    node = parse(rule.check)
    refs = references(node)
    now = [r for r in refs if not isinstance(r, Previous)]
    first = now[0].question_id if now else ""
    return _RuleCheck(
        rule=rule,
        node=node,
        reads=frozenset(r.question_id for r in refs),
        shown_beside=first,
        cells=tuple(r.cell_key for r in now if r.cell_key and r.question_id == first),
        previous=any(isinstance(n, Previous) for n in walk(node)),
    )


def _build_plan(definition: Definition) -> _Plan:
    questions = tuple(
        q
        for _, q in definition.questions()
        if q.statistics is not None or q.plausibility is not None
    )
    rules = tuple(_rule_check(rule) for rule in definition.rules)
    reading = {
        q.id
        for q in questions
        if q.plausibility is not None
        or (
            q.statistics is not None
            and q.table_checks is not None
            and q.table_checks.plausibility_factor is not None
        )
    }
    reading |= {check.shown_beside for check in rules if check.previous}
    return _Plan(questions, rules, frozenset(reading))


# Per definition object (a published version's definition is parsed once per process and never
# changes): what checking its rules needs besides the answers.
_plan = per_definition(_build_plan)


def _cells(value: object) -> Mapping[str, object]:
    cells = value.get("cells") if isinstance(value, Mapping) else None
    return cells if isinstance(cells, Mapping) else {}


def _shown(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def table_failures(question: Question, value: object, previous_value: object) -> list[Failure]:
    """The table shorthands (whole numbers, totals, plausibility) broken by one table's answer."""
    table = question.statistics
    checks = question.table_checks
    if table is None or checks is None:
        return []
    cells = _cells(value)
    failures: list[Failure] = []
    integer_columns = set(checks.integer_columns)
    for row in table.rows:
        for year in table.years:
            for column in table.columns:
                key = stat_cell_key(row.id, year, column.id)
                number = cells.get(key)
                if (
                    column.id in integer_columns
                    and isinstance(number, float)
                    and not number.is_integer()
                ):
                    failures.append(
                        Failure(
                            f"whole:{key}",
                            "whole_numbers",
                            "error",
                            question.id,
                            (key,),
                            template=N_(
                                "%(row)s, %(year)s, %(column)s: %(number)s is not a whole number. "
                                "Count persons or cases."
                            ),
                            params={"year": str(year), "number": _as_number(number)},
                            labels={"row": row.label, "column": column.label},
                        )
                    )
            for total in checks.totals:
                failures += _total_failure(question, row, year, total, cells)
    if checks.plausibility_factor is not None:
        failures += _table_plausibility(question, checks, cells, _cells(previous_value))
    return failures


def _total_failure(
    question: Question, row: StatRow, year: int, total: TotalCheck, cells: Mapping[str, object]
) -> list[Failure]:
    total_key = stat_cell_key(row.id, year, total.total)
    keys = [stat_cell_key(row.id, year, part) for part in total.parts]
    parts = [cells.get(k) for k in keys]
    given = cells.get(total_key)
    if given is None or any(p is None for p in parts):
        return []
    parts_sum = sum(float(p) for p in parts)  # type: ignore[arg-type]
    broken = (
        not math.isclose(float(given), parts_sum, abs_tol=1e-9)  # type: ignore[arg-type]
        if total.relation == "equal"
        else float(given) < parts_sum - 1e-9  # type: ignore[arg-type]
    )
    if not broken:
        return []
    template = (
        N_("%(row)s, %(year)s: %(total)s (%(given)s) is not the sum of %(parts)s (%(sum)s).")
        if total.relation == "equal"
        else N_(
            "%(row)s, %(year)s: %(total)s (%(given)s) is less than the sum of %(parts)s (%(sum)s)."
        )
    )
    table = question.statistics
    assert table is not None
    labels = {c.id: c.label for c in table.columns}
    return [
        Failure(
            f"total:{total.total}:{row.id}|{year}",
            f"total_{total.total}",
            "error",
            question.id,
            (total_key, *keys),
            template=template,
            params={"year": str(year), "given": _as_number(given), "sum": _as_number(parts_sum)},
            labels={
                "row": row.label,
                "total": labels[total.total],
                "parts": _joined([labels[part] for part in total.parts], " + "),
            },
        )
    ]


def _as_number(value: object) -> int | float:
    """A figure as a message writes it: a whole float as an int (10.0 is 10), a sum without the
    binary dust of floats (0.1 + 0.2 is 0.3)."""
    number = round(float(value), 9)  # type: ignore[arg-type]
    return int(number) if number.is_integer() else number


def _joined(labels: list[Localized], separator: str) -> Localized:
    """Labels joined, in every language any of them has."""
    languages = {language for label in labels for language in label}
    return {
        language: separator.join(localized(label, language) for label in labels)
        for language in sorted(languages)
    }


def _outside_band(now: float, before: float, factor: float) -> bool:
    """Whether a figure moved by more than `factor` either way (a zero before: any rise to more
    than `factor`)."""
    if before == 0:
        return now > factor
    if now == 0:
        return before > factor
    return now > before * factor or now < before / factor


def _latest_before(key: str, before: Mapping[str, object]) -> tuple[object, int | None]:
    """The previous round's figure for the same row and column in its latest year, and that
    year (a new year of this round is compared with the last year the country reported)."""
    row, _year, column = key.split("|")
    found: dict[int, object] = {}
    for other, value in before.items():
        parts = other.split("|")
        if len(parts) == 3 and parts[0] == row and parts[2] == column and parts[1].isdigit():
            found[int(parts[1])] = value
    if not found:
        return None, None
    latest = max(found)
    return found[latest], latest


@per_definition
def _cell_places(question: Question) -> dict[str, tuple[int, StatRow, int, StatColumn]]:
    """Each cell of the question's table by key: its position in the table's order, its row,
    year and column (built once per question object: a published definition never changes)."""
    return {
        stat_cell_key(row.id, year, column.id): (position, row, year, column)
        for position, (row, year, column) in enumerate(_table_cells(question))
    }


def _table_cells(question: Question) -> Iterator[tuple[StatRow, int, StatColumn]]:
    table = question.statistics
    assert table is not None
    for row in table.rows:
        for year in table.years:
            for column in table.columns:
                yield row, year, column


PLAUSIBILITY = N_(
    "%(now)s against %(before)s in the previous round: a change by more than a factor of "
    "%(factor)s. Explain it, or correct the figure."
)
CELL_PLAUSIBILITY = N_(
    "%(row)s, %(year)s, %(column)s: %(now)s against %(before)s in the previous round, a change "
    "by more than a factor of %(factor)s. Explain it, or correct the figure."
)
CELL_PLAUSIBILITY_OTHER_YEAR = N_(
    "%(row)s, %(year)s, %(column)s: %(now)s against %(before)s for %(before_year)s in the "
    "previous round, a change by more than a factor of %(factor)s. Explain it, or correct the "
    "figure."
)


def _table_plausibility(
    question: Question,
    checks: TableChecks,
    cells: Mapping[str, object],
    before: Mapping[str, object],
) -> list[Failure]:
    table = question.statistics
    assert table is not None and checks.plausibility_factor is not None
    factor = checks.plausibility_factor
    failures = []
    places = _cell_places(question)
    # The figures given, in the table's order (a page reads some 100 cells of which few change).
    for key in sorted((k for k in cells if k in places), key=lambda k: places[k][0]):
        _position, row, year, column = places[key]
        number = cells[key]
        if not isinstance(number, int | float):
            continue
        old = before.get(key)
        before_year = None
        if old is None:
            old, before_year = _latest_before(key, before)
        if not isinstance(old, int | float):
            continue
        if _outside_band(float(number), float(old), factor):
            other_year = before_year is not None and before_year != year
            params: dict[str, MessageParam] = {
                "year": str(year),
                "now": _as_number(number),
                "before": _as_number(old),
                "factor": _as_number(factor),
            }
            if other_year:
                params["before_year"] = str(before_year)
            failures.append(
                Failure(
                    f"plausible:{key}",
                    "plausibility",
                    "warning",
                    question.id,
                    (key,),
                    template=CELL_PLAUSIBILITY_OTHER_YEAR if other_year else CELL_PLAUSIBILITY,
                    params=params,
                    labels={"row": row.label, "column": column.label},
                )
            )
    return failures


def _number_plausibility(
    question: Question, values: Mapping[str, object], previous: Mapping[str, object]
) -> list[Failure]:
    now, before = values.get(question.id), previous.get(question.id)
    factor = question.plausibility
    if factor is None or isinstance(now, bool) or isinstance(before, bool):
        return []
    if not isinstance(now, int | float) or not isinstance(before, int | float):
        return []
    if not _outside_band(float(now), float(before), factor):
        return []
    return [
        Failure(
            f"plausible:{question.id}",
            "plausibility",
            "warning",
            question.id,
            template=PLAUSIBILITY,
            params={
                "now": _as_number(now),
                "before": _as_number(before),
                "factor": _as_number(factor),
            },
        )
    ]


# --- Rules in words ----------------------------------------------------------------------------

_OPERATOR_WORDS = {
    "==": N_("%(left)s equals %(right)s"),
    "!=": N_("%(left)s differs from %(right)s"),
    "<": N_("%(left)s is less than %(right)s"),
    "<=": N_("%(left)s is at most %(right)s"),
    ">": N_("%(left)s is more than %(right)s"),
    ">=": N_("%(left)s is at least %(right)s"),
}
_QUOTED_TEXT = N_("“%(text)s”")
_PREVIOUS = N_("%(value)s (previous round)")
_IS_ONE_OF = N_("%(value)s is one of %(values)s")
_TICKED_IN = N_("'%(option)s' is ticked in %(question)s")
_IS_ANSWERED = N_("%(value)s is answered")
_NOT = N_("it is not the case that %(condition)s")
_AND = N_("%(left)s and %(right)s")
_OR = N_("%(left)s or %(right)s")


def _untranslated(text: str) -> str:
    return text


def _words(node: Node, definition: Definition, language: str, t: Callable[[str], str]) -> str:
    def said(child: Node) -> str:
        return _words(child, definition, language, t)

    if isinstance(node, Ref):
        question = definition.question(node.question_id)
        if question is None:
            return node.text()
        if not node.is_cell or question.statistics is None:
            return t(_QUOTED_TEXT) % {"text": localized(question.text, language)}
        table = question.statistics
        row = next((r for r in table.rows if r.id == node.row), None)
        column = next((c for c in table.columns if c.id == node.column), None)
        row_text = localized(row.label, language) if row else node.row
        column_text = localized(column.label, language) if column else node.column
        return f"{row_text} {node.year} ({column_text})"
    if isinstance(node, Const):
        if isinstance(node.value, bool):
            return str(node.value).lower()
        return _shown(node.value) if isinstance(node.value, int | float) else f"'{node.value}'"
    if isinstance(node, Previous):
        return t(_PREVIOUS) % {"value": said(node.ref)}
    if isinstance(node, Abs):
        return f"|{said(node.operand)}|"
    if isinstance(node, Negate):
        return f"-{said(node.operand)}"
    if isinstance(node, Arithmetic):
        return f"({said(node.left)} {node.operator} {said(node.right)})"
    if isinstance(node, Comparison):
        return t(_OPERATOR_WORDS[node.operator]) % {
            "left": said(node.left),
            "right": said(node.right),
        }
    if isinstance(node, Among):
        listed = ", ".join(said(Const(v)) for v in node.values)
        return t(_IS_ONE_OF) % {"value": said(node.operand), "values": listed}
    if isinstance(node, Selected):
        return t(_TICKED_IN) % {"option": node.value, "question": said(Ref(node.question_id))}
    if isinstance(node, IsAnswered):
        return t(_IS_ANSWERED) % {"value": said(node.ref)}
    if isinstance(node, Not):
        return t(_NOT) % {"condition": said(node.operand)}
    joiner = _AND if isinstance(node, All) else _OR
    parts = [said(o) for o in children(node)]
    text = parts[0] if parts else ""
    for part in parts[1:]:
        text = t(joiner) % {"left": text, "right": part}
    return text


def rule_in_words(
    rule_check: str, definition: Definition, language: str, t: Callable[[str], str] = _untranslated
) -> str:
    """A rule's expression said with the questions' and cells' labels, e.g. "Trafficking in
    persons: persons prosecuted 2025 (Total) is at most … (Total)"; `t` translates the words
    between them into the reader's language (the page's gettext)."""
    return _words(parse(rule_check), definition, language, t)
