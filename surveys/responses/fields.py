"""Question kinds on a form: the WTForms fields of each kind's widget, and Flask's words.

Everything about a question type that needs neither Flask nor the database lives in its kind
(`surveys.questionnaire.kinds`): how typed input becomes a stored value, whether a value fits,
the answer in words. This adapter builds the form fields for the kind's widget (radios,
checkboxes, number, date, text, textarea, statistics), hands the submitted data to the kind and
translates what the kind says. A new kind with an existing widget needs nothing here.

Field names on an area form are derived from the question id: `<qid>` for the answer itself,
`<qid>-<row>-<year>-<column>` and `<qid>-source` etc. for a statistics table, and the shared
`<qid>-na`, `<qid>-na_reason`, `<qid>-comment`, `<qid>-confirm`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from flask import has_app_context
from flask_babel import lazy_gettext as _l
from wtforms import Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, DateInput, ListWidget

from surveys.i18n import counted, current_language, in_language, label_colon
from surveys.i18n import gettext as _
from surveys.questionnaire.expressions import is_answered
from surveys.questionnaire.kinds import Kind, Message, ValueProblem
from surveys.questionnaire.kinds.base import NUMBER_TEXT_MAX
from surveys.questionnaire.kinds.base import format_number as format_number
from surveys.questionnaire.kinds.base import parse_number as parse_number
from surveys.questionnaire.kinds.date import parse_date as parse_date
from surveys.questionnaire.kinds.statistics import META_FIELDS as STAT_META_FIELDS
from surveys.questionnaire.kinds.statistics import META_LABELS, META_TEXT_MAX
from surveys.questionnaire.kinds.statistics import cell_field as cell_field
from surveys.questionnaire.schema import Question, Response, localized
from surveys.translatable import Plural

STAT_META_LABELS = {meta: _l(msgid) for meta, msgid in META_LABELS.items()}
STAT_META_HINTS = {
    "source": _l("Institution and document or database the figures come from."),
    "definition": _l("The counting rule you applied, if it differs from the one given."),
    "period": _l("For example: calendar years, or 1 January to 30 June."),
    "coverage": _l("For example: national police and gendarmerie only."),
}


class InvalidValue(ValueError):
    """What was typed cannot be stored; `field` is the form field to show the message beside.
    `problems`: every field refused, (field, message) in page order (the figures of a table are
    all reported at once); the first is `field` and `message`."""

    def __init__(
        self, message: str, field: str, problems: tuple[tuple[str, str], ...] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.problems = problems or ((field, message),)


@dataclass(frozen=True)
class AnswerInput:
    """One question's answer as entered on a form, ready to be stored."""

    value: object = None
    not_applicable: bool = False
    na_justification: str = ""
    comment: str = ""


# --------------------------------------------------------------------------- Flask's words


def translated(message: Message) -> str:
    """A kind's message in the current language."""
    if isinstance(message.template, Plural):
        return counted(message.template, int(message.params["count"]), **message.params)
    return _(message.template, **message.params)


def translator(language: str):
    """msgid -> text in `language` (the msgid itself outside an application, e.g. a script)."""

    def translate(message: str) -> str:
        if not has_app_context():
            return message
        with in_language(language):
            return _(message)

    return translate


def _not_applicable(language: str) -> str:
    if not has_app_context():
        return "Not applicable"
    with in_language(language):
        return _("Not applicable")


class _FormInputs(Mapping[str, object]):
    """A bound form's data by field name, as a kind reads what was typed."""

    def __init__(self, form: Any) -> None:
        self.form = form

    def __getitem__(self, name: str) -> object:
        try:
            return self.form[name].data
        except KeyError:
            raise KeyError(name) from None

    def __iter__(self) -> Iterator[str]:
        return (field.name for field in self.form)

    def __len__(self) -> int:
        return len(list(self.form))


# --------------------------------------------------------------------------- widgets


def _option_choices(question: Question, language: str) -> list[SelectChoice]:
    return [SelectChoice(o.value, localized(o.label, language)) for o in question.options]


class Widget:
    """The WTForms fields of one way of answering."""

    macro: ClassVar[str] = "input"
    """How responses/_question.html draws it (and the question's data-kind)."""

    def fields(self, question: Question, kind: Kind, label: str, language: str) -> dict:
        raise NotImplementedError

    def main_field(self, question: Question) -> str:
        """The form field carrying the answer (the first one for a table)."""
        return question.id

    def anchor(self, question: Question) -> str:
        """The element id an error summary links to for the whole question (focusable)."""
        return self.main_field(question)


class Radios(Widget):
    macro = "radios"

    def fields(self, question, kind, label, language):
        choices = _option_choices(question, language)
        return {question.id: RadioField(label, choices=choices, validate_choice=False)}

    def anchor(self, question):
        return f"{question.id}-0"  # the first option's input


class Checkboxes(Radios):
    macro = "checkboxes"

    def fields(self, question, kind, label, language):
        return {
            question.id: SelectMultipleField(
                label,
                choices=_option_choices(question, language),
                validate_choice=False,
                widget=ListWidget(prefix_label=False),
                option_widget=CheckboxInput(),
            )
        }


class NumberInput(Widget):
    def fields(self, question, kind, label, language):
        render_kw = {
            "inputmode": "numeric" if kind.whole_numbers else "decimal",
            "autocomplete": "off",
            "class": "num",
            "maxlength": NUMBER_TEXT_MAX,
        }
        if kind.typed_unit:  # the page's script reads "45 %" as the server does
            render_kw["data-unit"] = kind.typed_unit
        return {question.id: StringField(label, render_kw=render_kw)}


class DateField(Widget):
    def fields(self, question, kind, label, language):
        return {question.id: StringField(label, widget=DateInput())}


class TextInput(Widget):
    field_class: ClassVar[type[Field]] = StringField

    def fields(self, question, kind, label, language):
        max_length = getattr(kind, "max_length", None)
        render_kw = {"maxlength": max_length} if max_length else {}
        return {question.id: self.field_class(label, render_kw=render_kw)}


class TextArea(TextInput):
    macro = "textarea"
    field_class = TextAreaField


class StatisticsTable(Widget):
    """A table of figures per row, year and column, with where they come from."""

    macro = "statistics"

    def fields(self, question, kind, label, language):
        table = question.statistics
        assert table is not None
        checks = question.table_checks
        whole = set(checks.integer_columns) if checks else set()
        fields: dict[str, Field] = {}
        for row_id, year, column_id in table.cell_keys():
            # A phone's keypad for "numeric" has no decimal mark: only whole-number columns ask it.
            mode = "numeric" if column_id in whole else "decimal"
            fields[cell_field(question.id, row_id, year, column_id)] = StringField(
                render_kw={"inputmode": mode, "autocomplete": "off", "class": "num"}
            )
        for meta in STAT_META_FIELDS:
            fields[f"{question.id}-{meta}"] = StringField(
                STAT_META_LABELS[meta], render_kw={"maxlength": META_TEXT_MAX}
            )
        return fields

    def main_field(self, question):
        table = question.statistics
        assert table is not None
        row_id, year, column_id = next(table.cell_keys())
        return cell_field(question.id, row_id, year, column_id)


WIDGETS: dict[str, Widget] = {
    "radios": Radios(),
    "checkboxes": Checkboxes(),
    "number": NumberInput(),
    "date": DateField(),
    "text": TextInput(),
    "textarea": TextArea(),
    "statistics": StatisticsTable(),
}


# --------------------------------------------------------------------------- a kind on a form


@dataclass(frozen=True)
class QuestionKind:
    """A question kind as a form sees it: its widget's fields, and its rules in Flask's words."""

    kind: Kind
    form_widget: Widget

    @property
    def widget(self) -> str:
        return self.form_widget.macro

    @property
    def grouped(self) -> bool:
        return self.kind.grouped

    @property
    def typed_unit(self) -> str:
        """The sign shown after its input and that may follow a typed figure ("%")."""
        return self.kind.typed_unit

    def fields(self, question: Question, label: str, language: str) -> dict[str, Field]:
        """The unbound WTForms fields of the answer itself, by field name."""
        return self.form_widget.fields(question, self.kind, label, language)

    def parse(self, question: Question, form: Any, language: str) -> object:
        """The value to store from a bound form, None when blank; raises InvalidValue.
        `language`: the form's, whose way of writing numbers its typed figures follow (a
        workbook's, on import), whatever the reader's."""
        try:
            return self.kind.normalise(question, _FormInputs(form), language)
        except ValueProblem as refused:
            problems = tuple((p.field, translated(p.message)) for p in refused.problems)
            raise InvalidValue(problems[0][1], problems[0][0], problems) from None

    def form_data(self, question: Question, value: object, language: str) -> dict[str, object]:
        """Form data (by field name) showing a stored value."""
        return self.kind.input_data(question, value, language)

    def check(self, question: Question, value: object) -> str | None:
        """None when a stored value is well formed for this question, else a message."""
        problem = self.kind.problem(question, value, current_language())
        return None if problem is None else translated(problem)

    def display(self, question: Question, value: object, language: str) -> str:
        return self.kind.text(question, value, language, translator(language))

    def main_field(self, question: Question) -> str:
        return self.form_widget.main_field(question)

    def anchor(self, question: Question) -> str:
        return self.form_widget.anchor(question)


_FORM_KINDS: dict[str, QuestionKind] = {}


def kind_of(question: Question) -> QuestionKind:
    found = _FORM_KINDS.get(question.type)
    if found is None:
        kind = question.kind
        found = _FORM_KINDS[question.type] = QuestionKind(kind, WIDGETS[kind.widget])
    return found


# --------------------------------------------------------------------------- public helpers


def value_problem(question: Question, value: object) -> str | None:
    """None when a stored value fits the question (None is always fine), else a message."""
    if value is None:
        return None
    return kind_of(question).check(question, value)


def answer_display(question: Question, answer: object, language: str) -> str:
    """An answer (an Answer row, a Response, or a bare value) as text in `language`.

    "Not applicable" answers show as such with their justification; unanswered as "".
    """
    if answer is None:
        return ""
    if isinstance(answer, Response) or hasattr(answer, "not_applicable"):
        value = answer.value
        if getattr(answer, "not_applicable", False):
            text = _not_applicable(language)
            justification = getattr(answer, "na_justification", "") or ""
            return f"{text}{label_colon(language)}{justification}" if justification else text
    else:
        value = answer
    if not is_answered(value):
        return ""
    return kind_of(question).display(question, value, language)
