"""Pure layout of an offline workbook: which row and cell of which sheet holds which form field.

Functional core: no Flask, no database, no openpyxl. An area becomes one sheet; a question one
row keyed by its id in column A (multiple-choice options, statistics rows and statistics details
get sub-rows of their own). Every answer cell is named after the area form's field
(`surveys.responses.fields`), so what comes back from a workbook is posted through the very same
form, merge and save code as the web page. Cell values and form data convert both ways here:
a number is a number in the sheet and the form's text ("12,5" in French) in the post.

Words for people are msgids marked with `N_` and translated by the caller's `Translate`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from surveys.locales import decimal_mark
from surveys.questionnaire.expressions import (
    And,
    Answered,
    Compare,
    Contains,
    Expr,
    InList,
    Not,
    Or,
    parse,
)
from surveys.questionnaire.rules import Previous, references, rule_in_words
from surveys.questionnaire.rules import parse as parse_rule
from surveys.questionnaire.schema import (
    Area,
    Definition,
    Question,
    localized,
)
from surveys.translatable import N_

Translate = Callable[..., str]
"""msgid -> text in the workbook's language; `t(plural, count)` for a `Plural`
(`surveys.i18n.make_translate`)."""


# Columns of an area sheet (1-based).
COL_KEY, COL_NUMBER, COL_TEXT, COL_HELP, COL_ANSWER, COL_COMMENT, COL_NA, COL_REASON, COL_NOTES = (
    range(1, 10)
)
# On the row of a question a warning can be raised on: why the figures are right anyway (the
# web page's explanation of a warning). Blank keeps what was explained online.
COL_EXPLAIN = 10
EXPLANATION_FIELD = "{question}-rule_explanation"
EXPLANATION_MAX = 2000
HEADER_ROW = 3
FIRST_ROW = 4
SHEET_INSTRUCTIONS = N_("Instructions")
SHEET_LISTS = "Lists"  # hidden: the drop-down choices
SHEET_IDENTITY = "Identity"  # very hidden: who and what the workbook is for, signed
SHEET_TITLE_MAX = 31  # Excel's limit

HEADERS = (
    (N_("Id"), 14),
    (N_("No."), 6),
    (N_("Question"), 60),
    (N_("Help"), 40),
    (N_("Answer"), 24),
    (N_("Comment"), 30),
    (N_("Not applicable"), 12),
    (N_("Why not applicable"), 30),
    (N_("Conditions and rules"), 40),
    (N_("Explanation of a warning"), 30),
)
YES = N_("Yes")
NO = N_("No")
STAT_META = (
    ("source", N_("Source")),
    ("definition", N_("Definition used")),
    ("period", N_("Period covered")),
    ("coverage", N_("Coverage")),
)


class Entry:
    """How an answer cell is typed: its kind and, for drop-downs, its (value, label) choices."""

    CHOICE = "choice"  # one option's label from a drop-down
    TICK = "tick"  # Yes / No: "not applicable"
    OPTION = "option"  # Yes / No: one option of a multiple choice (choices[0] is its value)
    NUMBER = "number"
    INTEGER = "integer"
    DATE = "date"
    TEXT = "text"


@dataclass(frozen=True)
class AnswerCell:
    """One cell to fill in: the form field it posts to and how it is typed."""

    field: str
    column: int
    entry: str
    choices: tuple[tuple[str, str], ...] = ()  # CHOICE: (value, label); TICK: one value
    low: float | None = None
    high: float | None = None
    max_length: int | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for _, label in self.choices)


@dataclass(frozen=True)
class Row:
    """One row of an area sheet: key (column A), what it shows, and its answer cells."""

    key: str
    question: Question
    number: str = ""
    text: str = ""
    help: str = ""
    notes: str = ""
    cells: tuple[AnswerCell, ...] = ()
    heading: bool = False  # a question's own row (bold), not a sub-row
    labels: tuple[tuple[int, str], ...] = ()  # (column, text) shown in locked cells


@dataclass(frozen=True)
class Sheet:
    area: Area
    title: str
    heading: str
    description: str
    rows: tuple[Row, ...]

    @property
    def width(self) -> int:
        """The rightmost column the layout uses."""
        used = [len(HEADERS)]  # every headed column, the explanation's included
        for row in self.rows:
            used += [cell.column for cell in row.cells] + [column for column, _ in row.labels]
        return max(used)

    def cells(self) -> Iterator[tuple[int, AnswerCell]]:
        """(row number, cell) of every answer cell."""
        for offset, row in enumerate(self.rows):
            for cell in row.cells:
                yield FIRST_ROW + offset, cell


@dataclass(frozen=True)
class Layout:
    definition: Definition
    language: str
    sheets: tuple[Sheet, ...]

    def field_cells(self) -> Iterator[tuple[Sheet, int, AnswerCell]]:
        for sheet in self.sheets:
            for row_number, cell in sheet.cells():
                yield sheet, row_number, cell


def question_numbers(definition: Definition) -> dict[str, str]:
    return {
        question.id: f"{a}.{q}"
        for a, area in enumerate(definition.areas, start=1)
        for q, question in enumerate(area.questions, start=1)
    }


def sheet_title(number: int, area: Area, language: str, taken: set[str]) -> str:
    """'2 Protection of victims', cut to Excel's 31 characters, without the characters it
    refuses, unique in the workbook."""
    text = re.sub(r"[\\/*?:\[\]']", " ", localized(area.title, language))
    title = f"{number} {' '.join(text.split())}"[:SHEET_TITLE_MAX].strip()
    candidate, suffix = title, 2
    while candidate.lower() in taken:
        candidate = f"{title[: SHEET_TITLE_MAX - 4]} ({suffix})"
        suffix += 1
    taken.add(candidate.lower())
    return candidate


def build_layout(
    definition: Definition,
    language: str,
    area_ids: Sequence[str],
    t: Translate,
    *,
    bounds: Callable[[Question], tuple[float | None, float | None]],
    text_limit: Callable[[Question], int | None],
) -> Layout:
    """The sheets of the chosen areas (definition order). `bounds` and `text_limit` come from
    the question types' own rules (the web form's), so the workbook checks the same limits."""
    numbers = question_numbers(definition)
    wanted = set(area_ids)
    taken = {t(SHEET_INSTRUCTIONS).lower(), SHEET_LISTS.lower(), SHEET_IDENTITY.lower()}
    sheets = []
    for position, area in enumerate(definition.areas, start=1):
        if area.id not in wanted:
            continue
        rows: list[Row] = []
        for question in area.questions:
            rows.extend(
                question_rows(definition, question, numbers, language, t, bounds, text_limit)
            )
        sheets.append(
            Sheet(
                area=area,
                title=sheet_title(position, area, language, taken),
                heading=f"{position}. {localized(area.title, language)}",
                description=localized(area.description, language),
                rows=tuple(rows),
            )
        )
    return Layout(definition, language, tuple(sheets))


def _shared_cells(question: Question, t: Translate) -> list[AnswerCell]:
    cells = [AnswerCell(f"{question.id}-comment", COL_COMMENT, Entry.TEXT, max_length=5000)]
    if question.allow_na:
        cells.append(AnswerCell(f"{question.id}-na", COL_NA, Entry.TICK, choices=_yes_no(t)))
        cells.append(
            AnswerCell(f"{question.id}-na_reason", COL_REASON, Entry.TEXT, max_length=2000)
        )
    return cells


def _yes_no(t: Translate) -> tuple[tuple[str, str], ...]:
    return (("y", t(YES)), ("", t(NO)))


def question_rows(
    definition: Definition,
    question: Question,
    numbers: Mapping[str, str],
    language: str,
    t: Translate,
    bounds: Callable[[Question], tuple[float | None, float | None]],
    text_limit: Callable[[Question], int | None],
) -> list[Row]:
    """The question's own row, then its sub-rows (options, statistics)."""
    qid = question.id
    notes = "\n".join(question_notes(definition, question, numbers, language, t, bounds))
    head = {
        "key": qid,
        "question": question,
        "number": numbers[qid],
        "text": localized(question.text, language),
        "help": localized(question.help, language),
        "notes": notes,
        "heading": True,
    }
    shared = _shared_cells(question, t)
    if question.id in warned_questions(definition):
        shared.append(
            AnswerCell(
                EXPLANATION_FIELD.format(question=qid),
                COL_EXPLAIN,
                Entry.TEXT,
                max_length=EXPLANATION_MAX,
            )
        )
    widget = question.kind.widget
    if widget == "checkboxes":
        rows = [Row(**head, cells=tuple(shared), labels=((COL_ANSWER, t(N_("Tick below"))),))]
        for option in question.options:
            rows.append(
                Row(
                    key=f"{qid}:{option.value}",
                    question=question,
                    text=localized(option.label, language),
                    cells=(
                        AnswerCell(
                            qid,
                            COL_ANSWER,
                            Entry.OPTION,
                            choices=((option.value, t(YES)), ("", t(NO))),
                        ),
                    ),
                )
            )
        return rows
    if widget == "statistics":
        return _statistics_rows(question, head, shared, language, t)
    return [Row(**head, cells=(_answer_cell(question, language, bounds, text_limit), *shared))]


def _answer_cell(question, language, bounds, text_limit) -> AnswerCell:
    qid = question.id
    widget, whole = question.kind.widget, question.kind.whole_numbers
    if widget == "number":
        low, high = bounds(question)
        return AnswerCell(
            qid, COL_ANSWER, Entry.INTEGER if whole else Entry.NUMBER, low=low, high=high
        )
    if widget == "date":
        return AnswerCell(qid, COL_ANSWER, Entry.DATE)
    if widget == "radios":
        choices = tuple((o.value, localized(o.label, language)) for o in question.options)
        return AnswerCell(qid, COL_ANSWER, Entry.CHOICE, choices=choices)
    return AnswerCell(qid, COL_ANSWER, Entry.TEXT, max_length=text_limit(question))


def _statistics_rows(question, head, shared, language, t) -> list[Row]:
    """A header sub-row (year and column), one sub-row per indicator, then the details."""
    table = question.statistics
    qid = question.id
    rows = [
        Row(**head, cells=tuple(shared), labels=((COL_ANSWER, t(N_("Fill in the table below"))),))
    ]
    headers = []
    for index, (year, column) in enumerate((y, c) for y in table.years for c in table.columns):
        headers.append((COL_ANSWER + index, f"{year} {localized(column.label, language)}"))
    rows.append(Row(key=f"{qid}:years", question=question, labels=tuple(headers)))
    for stat_row in table.rows:
        cells = []
        for index, (year, column) in enumerate((y, c) for y in table.years for c in table.columns):
            field = f"{qid}-{stat_row.id}-{year}-{column.id}"
            cells.append(AnswerCell(field, COL_ANSWER + index, Entry.NUMBER, low=0))
        rows.append(
            Row(
                key=f"{qid}:{stat_row.id}",
                question=question,
                text=localized(stat_row.label, language),
                help=localized(stat_row.definition, language),
                cells=tuple(cells),
            )
        )
    for meta, label in STAT_META:
        rows.append(
            Row(
                key=f"{qid}:{meta}",
                question=question,
                text=t(label),
                cells=(AnswerCell(f"{qid}-{meta}", COL_ANSWER, Entry.TEXT, max_length=2000),),
            )
        )
    return rows


# --------------------------------------------------------------------------- rules in words


def question_notes(
    definition: Definition,
    question: Question,
    numbers: Mapping[str, str],
    language: str,
    t: Translate,
    bounds: Callable[[Question], tuple[float | None, float | None]],
) -> list[str]:
    """What a person filling in the sheet must know beside the question, in words."""
    notes = []
    if question.show_if:
        condition = describe_condition(parse(question.show_if), definition, numbers, language, t)
        notes.append(t(N_("Answer only if %(condition)s.")) % {"condition": condition})
    notes.append(t(N_("Required.")) if question.required else t(N_("Optional.")))
    widget = question.kind.widget
    if widget == "number":
        low, high = bounds(question)
        whole = question.kind.whole_numbers
        notes.append(t(N_("A whole number.")) if whole else t(N_("A number.")))
        if low is not None and high is not None:
            notes.append(
                t(N_("Between %(low)s and %(high)s.")) % {"low": _num(low), "high": _num(high)}
            )
        elif low is not None:
            notes.append(t(N_("At least %(low)s.")) % {"low": _num(low)})
        elif high is not None:
            notes.append(t(N_("At most %(high)s.")) % {"high": _num(high)})
    elif widget == "date":
        notes.append(t(N_("A date between 1900 and 2100.")))
    elif widget == "checkboxes":
        notes.append(t(N_("Choose Yes for each option that applies.")))
        for option in question.options:
            if option.exclusive:
                notes.append(
                    t(N_("“%(option)s” only on its own: answer No to the others."))
                    % {"option": localized(option.label, language)}
                )
    elif widget == "statistics":
        notes.append(t(N_("Figures of at least 0; give the source of the figures.")))
    if question.allow_na:
        notes.append(t(N_("May be marked not applicable, with the reason.")))
    notes.extend(rule_notes(definition, question, numbers, language, t))
    return notes


# --------------------------------------------------------------------------- validation rules


def rule_reads(check: str) -> list[str]:
    """The questions a rule reads, in order, its first (where a failure shows) first."""
    found: list[str] = []
    for ref in references(parse_rule(check)):
        if not isinstance(ref, Previous) and ref.question_id not in found:
            found.append(ref.question_id)
    return found


def warned_questions(definition: Definition) -> frozenset[str]:
    """The questions a warning can be shown on (the web form asks for an explanation there):
    the first question a warning rule reads, and questions with a plausibility band."""
    warned = {
        reads[0]
        for rule in definition.rules
        if rule.severity == "warning" and (reads := rule_reads(rule.check))
    }
    for _area, question in definition.questions():
        checks = question.table_checks
        if question.plausibility is not None or (checks and checks.plausibility_factor):
            warned.add(question.id)
    return frozenset(warned)


def rule_notes(
    definition: Definition,
    question: Question,
    numbers: Mapping[str, str],
    language: str,
    t: Translate,
) -> list[str]:
    """The validation rules that read this question, in words, and what happens when one does
    not hold: an error must be corrected; a warning needs an explanation."""
    notes = []
    checks = question.table_checks
    if checks is not None and question.statistics is not None:
        labels = {c.id: localized(c.label, language) for c in question.statistics.columns}
        if checks.integer_columns:
            notes.append(
                t(N_("Error if not a whole number: %(columns)s."))
                % {"columns": ", ".join(labels.get(c, c) for c in checks.integer_columns)}
            )
        for total in checks.totals:
            parts = " + ".join(labels.get(p, p) for p in total.parts)
            words = (
                N_("Error unless, in each row and year, %(total)s is at least %(parts)s.")
                if total.relation == "at_least"
                else N_("Error unless, in each row and year, %(total)s equals %(parts)s.")
            )
            notes.append(t(words) % {"total": labels.get(total.total, total.total), "parts": parts})
    factor = checks.plausibility_factor if checks is not None else question.plausibility
    if factor:
        notes.append(
            t(
                N_(
                    "Warning if a figure changed by more than a factor of %(factor)s since the "
                    "previous round (up or down): explain it in the “Explanation of a warning” "
                    "column."
                )
            )
            % {"factor": _num(factor)}
        )
    for rule in definition.rules:
        reads = rule_reads(rule.check)
        if question.id not in reads:
            continue
        words = rule_in_words(rule.check, definition, language, t)
        message = localized(rule.message, language)
        if rule.severity == "error":
            text = t(N_("Error unless %(rule)s.")) % {"rule": words}
        elif reads[0] == question.id:
            text = t(
                N_("Warning unless %(rule)s: explain it in the “Explanation of a warning” column.")
            ) % {"rule": words}
        else:
            text = t(N_("Warning unless %(rule)s (explained on question %(number)s).")) % {
                "rule": words,
                "number": numbers.get(reads[0], reads[0]),
            }
        notes.append(f"{text} {message}".strip())
    return notes


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def describe_condition(
    expr: Expr, definition: Definition, numbers: Mapping[str, str], language: str, t: Translate
) -> str:
    """A `show_if` condition in words: "1.1 is Yes or Partly", "2.3 is answered"."""

    def name(question_id: str) -> str:
        return numbers.get(question_id, question_id)

    def label(question_id: str, value: object) -> str:
        question = definition.question(question_id)
        option = question.option(str(value)) if question else None
        return f"“{localized(option.label, language)}”" if option else f"“{value}”"

    def words(node: Expr) -> str:
        if isinstance(node, Compare):
            operators = {
                "==": N_("%(question)s is %(value)s"),
                "!=": N_("%(question)s is not %(value)s"),
                "<": N_("%(question)s is less than %(value)s"),
                "<=": N_("%(question)s is at most %(value)s"),
                ">": N_("%(question)s is more than %(value)s"),
                ">=": N_("%(question)s is at least %(value)s"),
            }
            return t(operators[node.operator]) % {
                "question": name(node.question_id),
                "value": label(node.question_id, node.value),
            }
        if isinstance(node, InList):
            values = t(N_(" or ")).join(label(node.question_id, v) for v in node.values)
            return t(N_("%(question)s is %(value)s")) % {
                "question": name(node.question_id),
                "value": values,
            }
        if isinstance(node, Contains):
            return t(N_("%(question)s includes %(value)s")) % {
                "question": name(node.question_id),
                "value": label(node.question_id, node.value),
            }
        if isinstance(node, Answered):
            return t(N_("%(question)s is answered")) % {"question": name(node.question_id)}
        if isinstance(node, Not):
            return t(N_("not (%(condition)s)")) % {"condition": words(node.operand)}
        joiner = t(N_(" and ")) if isinstance(node, And) else t(N_(" or "))
        assert isinstance(node, And | Or)
        return joiner.join(
            f"({words(o)})" if isinstance(o, And | Or) else words(o) for o in node.operands
        )

    return words(expr)


# --------------------------------------------------------------------------- cells <-> form data


def number_text(value: float | int, language: str) -> str:
    """A number as the area form shows it (no grouping, the language's decimal mark)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text.replace(".", decimal_mark(language))


def cell_value(cell: AnswerCell, data: object, language: str) -> object:
    """What the workbook shows for a form field's data (the stored answer as the form has it)."""
    if cell.entry == Entry.CHOICE:
        return next((label for value, label in cell.choices if value == str(data or "")), None)
    if cell.entry == Entry.OPTION:
        return cell.choices[0][1] if cell.choices[0][0] in (data or []) else None
    if cell.entry == Entry.TICK:
        return cell.choices[0][1] if data else None
    if cell.entry in (Entry.NUMBER, Entry.INTEGER):
        text = str(data or "").strip().replace(",", ".")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            return str(data)
        return int(number) if number.is_integer() and "." not in text else number
    if cell.entry == Entry.DATE:
        try:
            return date.fromisoformat(str(data)) if data else None
        except ValueError:
            return str(data)
    return str(data) if data not in (None, "") else None


class CellProblem(ValueError):
    """A cell that cannot be read as the field's data; the message is a msgid (with params)."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


def form_data(cell: AnswerCell, raw: object, language: str) -> str | list[str] | bool:
    """The form data posted for what a cell holds: text, a list (an option ticked or not) or
    a flag. Raises CellProblem for a drop-down's text that is none of its choices; wrong numbers
    and dates are passed on as text so that the form reports them in its own words."""
    if isinstance(raw, str):
        raw = raw.strip()
    blank = raw is None or raw == ""
    if cell.entry in (Entry.CHOICE, Entry.TICK, Entry.OPTION):
        chosen = "" if blank else _choice(cell, str(raw))
        if cell.entry == Entry.OPTION:
            return [chosen] if chosen else []
        if cell.entry == Entry.TICK:
            return bool(chosen)
        return chosen
    if blank:
        return ""
    if cell.entry in (Entry.NUMBER, Entry.INTEGER):
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return number_text(raw, language)
        return str(raw)
    if isinstance(raw, datetime):
        if cell.entry == Entry.DATE or raw.time() == datetime.min.time():
            return raw.date().isoformat()
        return raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def _choice(cell: AnswerCell, text: str) -> str:
    """The value of the choice whose label (or value) is `text`, any case and any kind of
    space: a workbook written before the French labels took no-break spaces ("Oui : en
    partie" against "Oui\u00a0: en partie"), or a label typed with ordinary spaces, still reads."""
    folded = _folded(text)
    for value, label in cell.choices:
        if folded in (_folded(label), value.casefold()) and (value or label):
            return value
    raise CellProblem(
        N_("“%(text)s” is not one of the choices of the list: %(choices)s."),
        text=text.strip(),
        choices=", ".join(cell.labels),
    )


def _folded(text: str) -> str:
    """`text` for comparing labels: casefolded, every run of spaces (no-break ones included)
    one ordinary space, none at either end."""
    return " ".join(text.split()).casefold()
