"""The registry of question types: how each type is entered, checked, stored and shown.

One class per `QuestionType`. A kind knows its WTForms field(s), how to turn what was typed into
the stored value (see `schema.Response` for the shapes), how to turn a stored value back into
form data, whether a stored value is well formed, and how to display it in a language.
Adding a question type is one class here plus one `@register` line; the scoring rule of a type
lives in the scoring engine (functional core), keyed by the same `QuestionType`.

Field names on an area form are derived from the question id: `<qid>` for the answer itself,
`<qid>-<row>-<year>-<column>` and `<qid>-source` etc. for a statistics table, and the shared
`<qid>-na`, `<qid>-na_reason`, `<qid>-comment`, `<qid>-confirm`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, DateInput, ListWidget

from surveys.i18n import current_language, in_language, label_colon, locale_for
from surveys.locales import decimal_mark, percent_of_hundred
from surveys.questionnaire.expressions import is_answered
from surveys.questionnaire.schema import (
    Question,
    QuestionType,
    Response,
    localized,
    stat_cell_key,
)

SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 20_000
STAT_TEXT_MAX = 2_000
NUMBER_TEXT_MAX = 40
STAT_META_FIELDS = ("source", "definition", "period", "coverage")
STAT_META_LABELS = {
    "source": _l("Source"),
    "definition": _l("Definition used"),
    "period": _l("Period covered"),
    "coverage": _l("Coverage"),
}
STAT_META_HINTS = {
    "source": _l("Institution and document or database the figures come from."),
    "definition": _l("The counting rule you applied, if it differs from the one given."),
    "period": _l("For example: calendar years, or 1 January to 30 June."),
    "coverage": _l("For example: national police and gendarmerie only."),
}


class InvalidValue(ValueError):
    """What was typed cannot be stored; `field` is the form field to show the message beside."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class AnswerInput:
    """One question's answer as entered on a form, ready to be stored."""

    value: object = None
    not_applicable: bool = False
    na_justification: str = ""
    comment: str = ""


# --------------------------------------------------------------------------- parsing helpers

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_NUMBER_TEXT = re.compile(r"-?(\d+)([.,]\d+)?")


def parse_number(text: str) -> float | int | None:
    """A number typed in English or French style ("1 234,5", "1234.5"); None when blank.

    Raises ValueError when the text is not a number.
    """
    compact = _SPACES.sub("", text or "")
    if not compact:
        return None
    if len(compact) > NUMBER_TEXT_MAX or not _NUMBER_TEXT.fullmatch(compact):
        raise ValueError(text)
    number = float(compact.replace(",", "."))
    if not math.isfinite(number):
        raise ValueError(text)
    return (
        int(number) if number.is_integer() and "," not in compact and "." not in compact else number
    )


def format_number_input(value: object, language: str) -> str:
    """A stored number as typed back into an input (no grouping, the language's decimal mark)."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", decimal_mark(language))


def format_number(value: object, language: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return format_decimal(value, locale=locale_for(language), decimal_quantization=False)


def parse_date(text: str) -> date | None:
    """An ISO date (what date inputs send) or day/month/year; None when blank."""
    text = (text or "").strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    return date.fromisoformat(text)


def _text(form: Any, name: str) -> str:
    field = form[name]
    return (field.data or "").strip() if isinstance(field.data, str | type(None)) else ""


# --------------------------------------------------------------------------- the registry


class QuestionKind:
    """How one question type is entered, checked, stored and shown."""

    type: ClassVar[QuestionType]
    widget: ClassVar[str]
    """The template macro that renders the answer fields (see responses/_question.html)."""
    grouped: ClassVar[bool] = False
    """True when the answer has several inputs (fieldset + legend), False for one (a label)."""

    def fields(self, question: Question, label: str, language: str) -> dict[str, Field]:
        """The unbound WTForms fields of the answer itself, by field name."""
        raise NotImplementedError

    def parse(self, question: Question, form: Any) -> object:
        """The value to store from a bound form, None when blank; raises InvalidValue."""
        raise NotImplementedError

    def form_data(self, question: Question, value: object, language: str) -> dict[str, object]:
        """Form data (by field name) showing a stored value."""
        return {question.id: value}

    def check(self, question: Question, value: object) -> str | None:
        """None when a stored value is well formed for this question, else a message."""
        return None

    def display(self, question: Question, value: object, language: str) -> str:
        return "" if value is None else str(value)

    def main_field(self, question: Question) -> str:
        """The form field carrying the answer (the first one for a table)."""
        return question.id

    def anchor(self, question: Question) -> str:
        """The element id an error summary links to for the whole question (focusable)."""
        return self.main_field(question)


_REGISTRY: dict[QuestionType, QuestionKind] = {}


def register(kind_class: type[QuestionKind]) -> type[QuestionKind]:
    _REGISTRY[kind_class.type] = kind_class()
    return kind_class


def kind_of(question: Question) -> QuestionKind:
    return _REGISTRY[question.type]


def registered_types() -> frozenset[QuestionType]:
    return frozenset(_REGISTRY)


def _option_choices(question: Question, language: str) -> list[SelectChoice]:
    return [SelectChoice(o.value, localized(o.label, language)) for o in question.options]


class _SingleChoice(QuestionKind):
    widget = "radios"
    grouped = True

    def anchor(self, question):
        return f"{question.id}-0"  # the first option's input

    def fields(self, question, label, language):
        return {
            question.id: RadioField(
                label, choices=_option_choices(question, language), validate_choice=False
            )
        }

    def parse(self, question, form):
        raw = form[question.id].data
        if raw in (None, "", "None"):
            return None
        if question.option(str(raw)) is None:
            raise InvalidValue(_("Choose one of the options."), question.id)
        return str(raw)

    def check(self, question, value):
        if isinstance(value, str) and question.option(value) is not None:
            return None
        return _("Choose one of the options.")

    def display(self, question, value, language):
        option = question.option(str(value))
        return localized(option.label, language) if option else str(value)


@register
class YesPartlyNoKind(_SingleChoice):
    type = QuestionType.YES_PARTLY_NO


@register
class SingleChoiceKind(_SingleChoice):
    type = QuestionType.SINGLE_CHOICE


@register
class MaturityKind(_SingleChoice):
    """Stored as the level (int 0..4); the options' values are "0".."4"."""

    type = QuestionType.MATURITY

    def parse(self, question, form):
        value = super().parse(question, form)
        return None if value is None else int(value)

    def form_data(self, question, value, language):
        return {question.id: None if value is None else str(value)}

    def check(self, question, value):
        is_level = isinstance(value, int) and not isinstance(value, bool)
        if is_level and question.option(str(value)) is not None:
            return None
        return _("Choose one of the levels.")

    def display(self, question, value, language):
        option = question.option(str(value))
        return localized(option.label, language) if option else str(value)


@register
class MultipleChoiceKind(QuestionKind):
    type = QuestionType.MULTIPLE_CHOICE
    widget = "checkboxes"
    grouped = True

    def anchor(self, question):
        return f"{question.id}-0"  # the first option's input

    def fields(self, question, label, language):
        return {
            question.id: SelectMultipleField(
                label,
                choices=_option_choices(question, language),
                validate_choice=False,
                widget=ListWidget(prefix_label=False),
                option_widget=CheckboxInput(),
            )
        }

    def parse(self, question, form):
        chosen = set(form[question.id].data or [])
        if not chosen:
            return None
        known = [o.value for o in question.options]
        if not chosen.issubset(known):
            raise InvalidValue(_("Choose among the options given."), question.id)
        clash = exclusive_clash(question, chosen)
        if clash:
            raise InvalidValue(clash, question.id)
        return [value for value in known if value in chosen]  # definition order

    def form_data(self, question, value, language):
        return {question.id: list(value or [])}

    def check(self, question, value):
        if isinstance(value, list) and all(
            isinstance(v, str) and question.option(v) for v in value
        ):
            return exclusive_clash(question, set(value))
        return _("Choose among the options given.")

    def display(self, question, value, language):
        return "; ".join(
            localized(o.label, language) for o in question.options if o.value in (value or [])
        )


def exclusive_clash(question: Question, chosen: set[str]) -> str | None:
    """The message for an exclusive option ("none of these") chosen with another, else None."""
    if len(chosen) < 2:
        return None
    alone = [o for o in question.options if o.exclusive and o.value in chosen]
    if not alone:
        return None
    return _(
        "“%(option)s” cannot be ticked together with other options: untick it, or untick "
        "the others.",
        option=localized(alone[0].label, current_language()),
    )


class _NumberKind(QuestionKind):
    widget = "input"
    integer: ClassVar[bool] = False
    lower: ClassVar[float | None] = None
    upper: ClassVar[float | None] = None

    def bounds(self, question: Question) -> tuple[float | None, float | None]:
        low = question.minimum if question.minimum is not None else self.lower
        high = question.maximum if question.maximum is not None else self.upper
        if self.lower is not None and low is not None:
            low = max(low, self.lower)
        if self.upper is not None and high is not None:
            high = min(high, self.upper)
        return low, high

    def fields(self, question, label, language):
        return {
            question.id: StringField(
                label,
                render_kw={
                    "inputmode": "numeric" if self.integer else "decimal",
                    "autocomplete": "off",
                    "class": "num",
                    "maxlength": NUMBER_TEXT_MAX,
                },
            )
        }

    def form_data(self, question, value, language):
        return {question.id: format_number_input(value, language)}

    def parse(self, question, form):
        raw = form[question.id].data or ""
        try:
            number = parse_number(raw)
        except ValueError:
            raise InvalidValue(self.not_a_number_message(), question.id) from None
        if number is None:
            return None
        if self.integer and not float(number).is_integer():
            raise InvalidValue(_("Enter a whole number."), question.id)
        if self.integer:
            number = int(number)
        problem = self.bounds_problem(question, number)
        if problem:
            raise InvalidValue(problem, question.id)
        return number

    def not_a_number_message(self) -> str:
        return _("Enter a whole number.") if self.integer else _("Enter a number.")

    def bounds_problem(self, question: Question, number: float) -> str | None:
        low, high = self.bounds(question)
        if low is not None and high is not None and not low <= number <= high:
            return _(
                "Enter a number between %(low)s and %(high)s.",
                low=format_number(low, current_language()),
                high=format_number(high, current_language()),
            )
        if low is not None and number < low:
            return _(
                "Enter a number of at least %(low)s.", low=format_number(low, current_language())
            )
        if high is not None and number > high:
            return _(
                "Enter a number of at most %(high)s.", high=format_number(high, current_language())
            )
        return None

    def check(self, question, value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return self.not_a_number_message()
        if self.integer and not float(value).is_integer():
            return _("Enter a whole number.")
        return self.bounds_problem(question, value)

    def display(self, question, value, language):
        return format_number(value, language)


@register
class IntegerKind(_NumberKind):
    type = QuestionType.INTEGER
    integer = True


@register
class DecimalKind(_NumberKind):
    type = QuestionType.DECIMAL


@register
class PercentageKind(_NumberKind):
    type = QuestionType.PERCENTAGE
    lower = 0
    upper = 100

    def not_a_number_message(self) -> str:
        return _("Enter a percentage between 0 and 100.")

    def display(self, question, value, language):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        return percent_of_hundred(value, language)


@register
class DateKind(QuestionKind):
    type = QuestionType.DATE
    widget = "input"

    def fields(self, question, label, language):
        return {question.id: StringField(label, widget=DateInput())}

    def parse(self, question, form):
        try:
            day = parse_date(form[question.id].data or "")
        except ValueError:
            raise InvalidValue(
                _("Enter a real date, for example 2024-03-16 or 16/03/2024."), question.id
            ) from None
        if day is None:
            return None
        if not 1900 <= day.year <= 2100:
            raise InvalidValue(_("Enter a date between 1900 and 2100."), question.id)
        return day.isoformat()

    def check(self, question, value):
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return _("Enter a real date, for example 2024-03-16 or 16/03/2024.")
        return None

    def display(self, question, value, language):
        try:
            return format_date(date.fromisoformat(str(value)), "long", locale=locale_for(language))
        except ValueError:
            return str(value)


class _TextKind(QuestionKind):
    widget = "input"
    max_length: ClassVar[int] = SHORT_TEXT_MAX
    field_class: ClassVar[type[Field]] = StringField

    def fields(self, question, label, language):
        return {question.id: self.field_class(label, render_kw={"maxlength": self.max_length})}

    def parse(self, question, form):
        text = _text(form, question.id)
        if len(text) > self.max_length:
            raise InvalidValue(
                _("Enter at most %(count)d characters.", count=self.max_length), question.id
            )
        return text or None

    def check(self, question, value):
        if not isinstance(value, str):
            return _("Enter text.")
        if len(value) > self.max_length:
            return _("Enter at most %(count)d characters.", count=self.max_length)
        return None


@register
class ShortTextKind(_TextKind):
    type = QuestionType.SHORT_TEXT


@register
class LongTextKind(_TextKind):
    type = QuestionType.LONG_TEXT
    widget = "textarea"
    max_length = LONG_TEXT_MAX
    field_class = TextAreaField


def computed_totals(table, checks, cells: Mapping[str, object]) -> dict[str, int | float]:
    """The computed totals of every row and year whose parts are all given."""
    found: dict[str, int | float] = {}
    for total in checks.totals:
        if not total.computed:
            continue
        for row in table.rows:
            for year in table.years:
                parts = [cells.get(stat_cell_key(row.id, year, part)) for part in total.parts]
                if all(isinstance(p, int | float) for p in parts):
                    found[stat_cell_key(row.id, year, total.total)] = sum(parts)  # type: ignore[arg-type]
    return found


def cell_field(question_id: str, row_id: str, year: int, column_id: str) -> str:
    return f"{question_id}-{row_id}-{year}-{column_id}"


@register
class StatisticsKind(QuestionKind):
    """A table of non-negative figures per row, year and column, with where they come from."""

    type = QuestionType.STATISTICS
    widget = "statistics"
    grouped = True

    def fields(self, question, label, language):
        table = question.statistics
        assert table is not None
        fields: dict[str, Field] = {}
        for row_id, year, column_id in table.cell_keys():
            fields[cell_field(question.id, row_id, year, column_id)] = StringField(
                render_kw={"inputmode": "numeric", "autocomplete": "off", "class": "num"}
            )
        for meta in STAT_META_FIELDS:
            fields[f"{question.id}-{meta}"] = StringField(
                STAT_META_LABELS[meta], render_kw={"maxlength": STAT_TEXT_MAX}
            )
        return fields

    def main_field(self, question):
        table = question.statistics
        assert table is not None
        row_id, year, column_id = next(table.cell_keys())
        return cell_field(question.id, row_id, year, column_id)

    def parse(self, question, form):
        table = question.statistics
        assert table is not None
        cells: dict[str, int | float] = {}
        checks = question.table_checks
        whole = set(checks.integer_columns) if checks else set()
        for row_id, year, column_id in table.cell_keys():
            name = cell_field(question.id, row_id, year, column_id)
            if checks and checks.computed_total(column_id):
                continue  # computed below from its parts: a typed value is ignored
            try:
                number = parse_number(form[name].data or "")
            except ValueError:
                raise InvalidValue(_("Enter a number."), name) from None
            if number is None:
                continue
            if number < 0:
                raise InvalidValue(_("Enter a number of at least %(low)s.", low=0), name)
            if column_id in whole and not float(number).is_integer():
                raise InvalidValue(
                    _("Enter a whole number: persons and cases are counted, not measured."), name
                )
            if column_id in whole:
                number = int(number)
            cells[stat_cell_key(row_id, year, column_id)] = number
        if checks:
            cells.update(computed_totals(table, checks, cells))
        value: dict[str, object] = {"cells": cells}
        for meta in STAT_META_FIELDS:
            text = _text(form, f"{question.id}-{meta}")
            if len(text) > STAT_TEXT_MAX:
                raise InvalidValue(
                    _("Enter at most %(count)d characters.", count=STAT_TEXT_MAX),
                    f"{question.id}-{meta}",
                )
            value[meta] = text
        if not cells and not any(value[meta] for meta in STAT_META_FIELDS):
            return None
        return value

    def form_data(self, question, value, language):
        table = question.statistics
        assert table is not None
        stored = value if isinstance(value, Mapping) else {}
        cells = stored.get("cells") or {}
        data: dict[str, object] = {}
        for row_id, year, column_id in table.cell_keys():
            number = cells.get(stat_cell_key(row_id, year, column_id))
            data[cell_field(question.id, row_id, year, column_id)] = format_number_input(
                number, language
            )
        for meta in STAT_META_FIELDS:
            data[f"{question.id}-{meta}"] = stored.get(meta, "")
        return data

    def check(self, question, value):
        table = question.statistics
        if not isinstance(value, Mapping) or not isinstance(value.get("cells", {}), Mapping):
            return _("Enter a number.")
        keys = {stat_cell_key(*k) for k in table.cell_keys()} if table else set()
        for key, number in value.get("cells", {}).items():
            if key not in keys or isinstance(number, bool) or not isinstance(number, int | float):
                return _("Enter a number.")
            if number < 0:
                return _("Enter a number of at least %(low)s.", low=0)
        return None

    def display(self, question, value, language):
        """A plain-text summary: one line per row with figures, then the metadata."""
        table = question.statistics
        if not isinstance(value, Mapping) or table is None:
            return ""
        cells = value.get("cells") or {}
        lines = []
        for row in table.rows:
            figures = []
            for year in table.years:
                for column in table.columns:
                    number = cells.get(stat_cell_key(row.id, year, column.id))
                    if number is not None:
                        figures.append(
                            f"{year} {localized(column.label, language)}{colon(language)}"
                            f"{format_number(number, language)}"
                        )
            if figures:
                lines.append(
                    f"{localized(row.label, language)}{colon(language)}{', '.join(figures)}"
                )
        with _locale(language):
            for meta in STAT_META_FIELDS:
                if value.get(meta):
                    lines.append(f"{STAT_META_LABELS[meta]}{colon(language)}{value[meta]}")
        return "\n".join(lines)


class _locale:
    """in_language when an app is around (exports from the CLI have one), else nothing."""

    def __init__(self, language: str) -> None:
        self.context = in_language(language) if has_app_context() else None

    def __enter__(self):
        if self.context is not None:
            self.context.__enter__()
        return self

    def __exit__(self, *exc):
        if self.context is not None:
            self.context.__exit__(*exc)
        return False


# --------------------------------------------------------------------------- public helpers


def value_problem(question: Question, value: object) -> str | None:
    """None when a stored value fits the question (None is always fine), else a message."""
    if value is None:
        return None
    return kind_of(question).check(question, value)


def colon(language: str) -> str:
    """A label's colon as the language writes it (French puts a space before it)."""
    return label_colon(language)


def answer_display(question: Question, answer: object, language: str) -> str:
    """An answer (an Answer row, a Response, or a bare value) as text in `language`.

    "Not applicable" answers show as such with their justification; unanswered as "".
    """
    if answer is None:
        return ""
    if isinstance(answer, Response) or hasattr(answer, "not_applicable"):
        value = answer.value
        if getattr(answer, "not_applicable", False):
            with _locale(language):
                text = str(_l("Not applicable"))
            justification = getattr(answer, "na_justification", "") or ""
            return f"{text}{colon(language)}{justification}" if justification else text
    else:
        value = answer
    if not is_answered(value):
        return ""
    return kind_of(question).display(question, value, language)
