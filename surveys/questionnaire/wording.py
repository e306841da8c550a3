"""The questionnaire in words for its readers: conditions, question types, the fields a new
version changed and, inside long texts, the words that changed.

Part of the functional core: no Flask, no database. Messages are marked with `N_` and
translated by the caller's `t` (Flask-Babel's gettext on the pages); numbers are written by the
caller's `number` (the reader's locale).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from surveys.languages import language_name_in, list_separator
from surveys.questionnaire.diff import Change
from surveys.questionnaire.errors import ExpressionError
from surveys.questionnaire.expressions import (
    And,
    Answered,
    Compare,
    Contains,
    Expr,
    InList,
    Literal,
    Not,
    Or,
    parse,
)
from surveys.questionnaire.rules import rule_in_words
from surveys.questionnaire.schema import KINDS, Definition, Question, localized
from surveys.translatable import N_

Translate = Callable[[str], str]
NumberFormat = Callable[[float], str]


def plain_number(value: float) -> str:
    return f"{value:g}"


def plain_percent(value: float) -> str:
    return f"{value:g}%"


QUOTED = N_("“%(text)s”")
COMPARISONS = {
    "==": N_("%(question)s is %(value)s"),
    "!=": N_("%(question)s is not %(value)s"),
    "<": N_("%(question)s is less than %(value)s"),
    "<=": N_("%(question)s is at most %(value)s"),
    ">": N_("%(question)s is more than %(value)s"),
    ">=": N_("%(question)s is at least %(value)s"),
}
IN_LIST = N_("%(question)s is %(values)s")
NOT_IN_LIST = N_("%(question)s is neither %(values)s")
CONTAINS = N_("%(question)s includes %(value)s")
ANSWERED = N_("%(question)s is answered")
NOT_ANSWERED = N_("%(question)s is not answered")
NOT = N_("not (%(condition)s)")
AND = N_("%(first)s and %(second)s")
OR = N_("%(first)s or %(second)s")
NOR = N_("%(first)s nor %(second)s")
QUESTION_REFERENCE = N_("question %(number)s “%(text)s”")
UNKNOWN_QUESTION = N_("question %(id)s")
TRUE, FALSE = N_("yes"), N_("no")
NOTHING = "—"
THRESHOLD_STEP = N_("from %(value)s: score %(score)s")
BAND_STEP = N_("%(label)s from %(value)s")
LONG_REFERENCE_WORDS = 8


# --- Numbers of questions -----------------------------------------------------------------------


def question_numbers(definition: Definition) -> dict[str, str]:
    """ "2.3" for the third question of the second area (as respondents and reviewers refer)."""
    return {
        question.id: f"{a}.{q}"
        for a, area in enumerate(definition.areas, start=1)
        for q, question in enumerate(area.questions, start=1)
    }


_BREAKABLE_SPACES = re.compile(r"[^\S\u00a0\u202f]+")


def shortened(text: str, words: int = LONG_REFERENCE_WORDS) -> str:
    parts = _BREAKABLE_SPACES.split(text.strip())  # "victimes\u202f?" stays one word
    return text if len(parts) <= words else " ".join(parts[:words]) + "…"


# --- Conditions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wording:
    """What writing in words needs: the definition read, the reader's language, t and number."""

    definition: Definition
    language: str
    t: Translate
    number: NumberFormat = plain_number
    percent: NumberFormat = plain_percent
    """A figure on 0-100 with the reader's percent sign."""

    def quoted(self, text: str) -> str:
        return self.t(QUOTED) % {"text": text}

    def question(self, question_id: str) -> str:
        found = self.definition.question(question_id)
        if found is None:
            return self.t(UNKNOWN_QUESTION) % {"id": question_id}
        return self.t(QUESTION_REFERENCE) % {
            "number": question_numbers(self.definition).get(question_id, question_id),
            "text": shortened(localized(found.text, self.language)),
        }

    def value(self, question_id: str, value: Literal) -> str:
        """A literal of a condition as the reader knows it: an option's label, a number, yes/no."""
        question = self.definition.question(question_id)
        if isinstance(value, bool):
            return self.t(TRUE if value else FALSE)
        if isinstance(value, int | float):
            return self.number(value)
        option = question.option(value) if question is not None else None
        return self.quoted(localized(option.label, self.language) if option else value)

    def either(self, question_id: str, values: Sequence[Literal], joiner: str) -> str:
        shown = [self.value(question_id, value) for value in values]
        text = shown[-1]
        for earlier in reversed(shown[:-1]):
            text = self.t(joiner) % {"first": earlier, "second": text}
        return text

    def condition(self, expr: Expr, nested: bool = False) -> str:
        if isinstance(expr, Compare):
            return self.t(COMPARISONS[expr.operator]) % {
                "question": self.question(expr.question_id),
                "value": self.value(expr.question_id, expr.value),
            }
        if isinstance(expr, InList):
            return self.t(IN_LIST) % {
                "question": self.question(expr.question_id),
                "values": self.either(expr.question_id, expr.values, OR),
            }
        if isinstance(expr, Contains):
            return self.t(CONTAINS) % {
                "question": self.question(expr.question_id),
                "value": self.value(expr.question_id, expr.value),
            }
        if isinstance(expr, Answered):
            return self.t(ANSWERED) % {"question": self.question(expr.question_id)}
        if isinstance(expr, Not):
            return self._negated(expr.operand)
        joiner = AND if isinstance(expr, And) else OR
        assert isinstance(expr, And | Or)
        parts = [self.condition(operand, nested=True) for operand in expr.operands]
        text = parts[-1]
        for earlier in reversed(parts[:-1]):
            text = self.t(joiner) % {"first": earlier, "second": text}
        return f"({text})" if nested else text

    def _negated(self, operand: Expr) -> str:
        if isinstance(operand, Answered):
            return self.t(NOT_ANSWERED) % {"question": self.question(operand.question_id)}
        if isinstance(operand, Compare) and operand.operator == "==":
            return self.condition(Compare(operand.question_id, "!=", operand.value))
        if isinstance(operand, InList):
            return self.t(NOT_IN_LIST) % {
                "question": self.question(operand.question_id),
                "values": self.either(operand.question_id, operand.values, NOR),
            }
        return self.t(NOT) % {"condition": self.condition(operand)}


def condition_in_words(
    text: str | None, definition: Definition, language: str, t: Translate, number=plain_number
) -> str:
    """A `show_if` condition as a sentence in `language` ("" for none; the text if unreadable)."""
    if not text:
        return ""
    try:
        expr = parse(text)
    except ExpressionError:
        return text
    return Wording(definition, language, t, number).condition(expr)


def type_name(question_type: str, t: Translate) -> str:
    kind = KINDS.get(question_type)
    return t(kind.label) if kind is not None else str(question_type)


# --- Words that changed inside a text -----------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A run of a text comparison: kept ("same"), "removed", "added", or a "gap" of kept words
    left out because they are far from any change."""

    kind: str
    text: str


_TOKENS = re.compile(r"\s+|[^\s]+")


def word_changes(old: str, new: str, context: int = 12) -> tuple[Segment, ...]:
    """The new text with the words removed and added marked, kept runs longer than twice
    `context` words cut down to the words around the changes."""
    before, after = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    segments: list[Segment] = []
    opcodes = matcher.get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            tokens = before[i1:i2]
            segments.extend(
                _kept(tokens, context * 2, first=index == 0, last=index == len(opcodes) - 1)
            )
            continue
        if i2 > i1:
            segments.append(Segment("removed", "".join(before[i1:i2])))
        if j2 > j1:
            segments.append(Segment("added", "".join(after[j1:j2])))
    return tuple(segments)


def _kept(tokens: list[str], keep: int, *, first: bool, last: bool) -> list[Segment]:
    """A kept run, shortened to `keep` tokens on each side that touches a change."""
    head = 0 if first else keep
    tail = 0 if last else keep
    if len(tokens) <= head + tail + 2:
        return [Segment("same", "".join(tokens))]
    result = []
    if head:
        result.append(Segment("same", "".join(tokens[:head])))
    result.append(Segment("gap", "…"))
    if tail:
        result.append(Segment("same", "".join(tokens[-tail:])))
    return result


# --- The fields a new version changed, in words -------------------------------------------------

FIELD_NAMES = {
    "id": N_("Id"),
    "weight": N_("Weight"),
    "thresholds": N_("Score by value"),
    "answered_score": N_("Score when answered"),
    "type": N_("Type of answer"),
    "area": N_("Area"),
    "show_if": N_("Shown if"),
    "required": N_("Required"),
    "allow_na": N_("“Not applicable” allowed"),
    "line_of_action": N_("Line of action"),
    "minimum": N_("Lowest accepted value"),
    "maximum": N_("Highest accepted value"),
    "options": N_("Answers offered"),
    "statistics.rows": N_("Rows of the table"),
    "statistics.columns": N_("Columns of the table"),
    "statistics.years": N_("Years of the table"),
    "coverage_threshold": N_("Coverage an index needs"),
    "comparability_threshold": N_("Common weight two rounds need to be compared"),
    "regression_threshold": N_("Fall counted as a regression (points)"),
    "bands": N_("Bands"),
    "check": N_("Check"),
    "severity": N_("Severity"),
    "whole_numbers": N_("Columns of whole numbers"),
    "totals": N_("Totals checked"),
    "table_plausibility": N_("Plausible change since the previous round (factor)"),
    "plausibility": N_("Plausible change since the previous round (factor)"),
}
TEXT_FIELD_NAMES = {
    "text": N_("Question text in %(language)s"),
    "help": N_("Help text in %(language)s"),
    "title": N_("Title in %(language)s"),
    "description": N_("Description in %(language)s"),
    "message": N_("Message in %(language)s"),
}
OPTION_LABEL = N_("Label of the answer %(option)s in %(language)s")
OPTION_SCORE = N_("Score of the answer %(option)s")
SEVERITY_NAMES = {"error": N_("Error"), "warning": N_("Warning")}
TOTAL_EQUAL = N_("%(total)s = %(parts)s")
TOTAL_AT_LEAST = N_("%(total)s ≥ %(parts)s")
TOTAL_COMPUTED = N_("(computed)")
OPTION_EXCLUSIVE = N_("Answer %(option)s chosen only on its own")
ROW_LABEL = N_("Label of the row %(row)s in %(language)s")
ROW_DEFINITION = N_("Definition of the row %(row)s in %(language)s")
COLUMN_LABEL = N_("Label of the column %(column)s in %(language)s")
SHARE_SETTINGS = ("coverage_threshold", "comparability_threshold")


@dataclass(frozen=True)
class ChangeInWords:
    """One changed field for the reader: its name, and either both values in words or, for a
    text, the words removed and added."""

    label: str
    old: str = NOTHING
    new: str = NOTHING
    words: tuple[Segment, ...] = ()


@dataclass(frozen=True)
class ChangeReader:
    """Words for the changes of one question (or area, or the settings) between two versions."""

    old: Wording
    new: Wording
    old_question: Question | None = None
    new_question: Question | None = None

    @property
    def t(self) -> Translate:
        return self.new.t

    def language_name(self, code: str) -> str:
        """A questionnaire language named in the reader's ("French", "français")."""
        return language_name_in(code, self.new.language)

    def option_name(self, value: str) -> str:
        for question, wording in ((self.new_question, self.new), (self.old_question, self.old)):
            option = question.option(value) if question is not None else None
            if option is not None:
                return wording.quoted(localized(option.label, wording.language))
        return self.new.quoted(value)

    def table_part_name(self, kind: str, part_id: str) -> str:
        for question, wording in ((self.new_question, self.new), (self.old_question, self.old)):
            table = question.statistics if question is not None else None
            parts = (table.rows if kind == "rows" else table.columns) if table else ()
            for part in parts:
                if part.id == part_id:
                    return wording.quoted(localized(part.label, wording.language))
        return self.new.quoted(part_id)

    def label(self, path: str) -> str:
        parts = path.split(".")
        t = self.t
        if len(parts) == 2 and parts[0] in TEXT_FIELD_NAMES:
            return t(TEXT_FIELD_NAMES[parts[0]]) % {"language": self.language_name(parts[1])}
        if parts[0] == "options" and len(parts) == 4 and parts[2] == "label":
            return t(OPTION_LABEL) % {
                "option": self.option_name(parts[1]),
                "language": self.language_name(parts[3]),
            }
        if parts[0] == "options" and len(parts) == 3 and parts[2] == "score":
            return t(OPTION_SCORE) % {"option": self.option_name(parts[1])}
        if parts[0] == "options" and len(parts) == 3 and parts[2] == "exclusive":
            return t(OPTION_EXCLUSIVE) % {"option": self.option_name(parts[1])}
        if parts[:2] == ["statistics", "rows"] and len(parts) == 5:
            message = ROW_LABEL if parts[3] == "label" else ROW_DEFINITION
            return t(message) % {
                "row": self.table_part_name("rows", parts[2]),
                "language": self.language_name(parts[4]),
            }
        if parts[:2] == ["statistics", "columns"] and len(parts) == 5:
            return t(COLUMN_LABEL) % {
                "column": self.table_part_name("columns", parts[2]),
                "language": self.language_name(parts[4]),
            }
        return t(FIELD_NAMES[path]) if path in FIELD_NAMES else path

    def value(self, path: str, value: object, wording: Wording, question: Question | None) -> str:
        """One side of a change in words, read in that side's definition."""
        t = wording.t
        if value is None:
            return NOTHING
        if isinstance(value, bool):
            return t(TRUE if value else FALSE)
        if path == "type":
            return type_name(str(value), t)
        if path == "show_if":
            return condition_in_words(
                str(value), wording.definition, wording.language, t, wording.number
            )
        if path == "area":
            area = wording.definition.area(str(value))
            return localized(area.title, wording.language) if area else str(value)
        if path == "line_of_action":
            return self._line_of_action(str(value), wording)
        if path == "thresholds":
            steps = [
                t(THRESHOLD_STEP) % {"value": wording.number(low), "score": wording.number(score)}
                for low, score in value  # type: ignore[attr-defined]
            ]
            return list_separator(wording.language).join(steps) or NOTHING
        if path == "options":
            return ", ".join(self._option_label(v, question, wording) for v in value) or NOTHING  # type: ignore[attr-defined]
        if path == "check":
            return rule_in_words(str(value), wording.definition, wording.language, t)
        if path == "severity":
            return t(SEVERITY_NAMES.get(str(value), str(value)))
        if path == "whole_numbers":
            return ", ".join(self.table_part_name("columns", c) for c in value) or NOTHING  # type: ignore[attr-defined]
        if path == "totals":
            totals = [self._total(total, wording) for total in value]  # type: ignore[attr-defined]
            return list_separator(wording.language).join(totals) or NOTHING  # type: ignore[attr-defined]
        if path in ("statistics.rows", "statistics.columns"):
            kind = path.split(".")[1]
            return ", ".join(self.table_part_name(kind, part) for part in value) or NOTHING  # type: ignore[attr-defined]
        if path == "statistics.years":
            return ", ".join(str(year) for year in value) or NOTHING  # type: ignore[attr-defined]
        if path == "bands":
            return list_separator(wording.language).join(
                t(BAND_STEP)
                % {"label": localized(label, wording.language), "value": wording.number(low)}
                for _key, low, _colour, label in value  # type: ignore[attr-defined]
            )
        if path in SHARE_SETTINGS and isinstance(value, int | float):
            return wording.percent(value * 100)
        if isinstance(value, int | float):
            return wording.number(value)
        return str(value)

    def _line_of_action(self, line_id: str, wording: Wording) -> str:
        for line in wording.definition.lines_of_action:
            if line.id == line_id:
                return f"{line.id} {localized(line.title, wording.language)}"
        return line_id

    def _total(self, total: tuple, wording: Wording) -> str:
        """A total check in words: "Total = Female + Male (computed)"."""
        column, parts, relation, computed = total
        sum_of = " + ".join(self.table_part_name("columns", part) for part in parts)
        template = TOTAL_AT_LEAST if relation == "at_least" else TOTAL_EQUAL
        words = wording.t(template) % {
            "total": self.table_part_name("columns", column),
            "parts": sum_of,
        }
        return words + (" " + wording.t(TOTAL_COMPUTED) if computed else "")

    def _option_label(self, value: str, question: Question | None, wording: Wording) -> str:
        option = question.option(value) if question is not None else None
        return wording.quoted(localized(option.label, wording.language) if option else value)

    def change(self, change: Change) -> ChangeInWords:
        label = self.label(change.field)
        if (
            isinstance(change.old, str | None)
            and isinstance(change.new, str | None)
            and _is_text(change.field)
        ):
            return ChangeInWords(label, words=word_changes(change.old or "", change.new or ""))
        return ChangeInWords(
            label,
            old=self.value(change.field, change.old, self.old, self.old_question),
            new=self.value(change.field, change.new, self.new, self.new_question),
        )


def _is_text(path: str) -> bool:
    parts = path.split(".")
    return (
        parts[0] in TEXT_FIELD_NAMES
        or (parts[0] == "options" and "label" in parts)
        or (parts[0] == "statistics" and len(parts) == 5)
    )
