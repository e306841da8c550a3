"""The form of one area page, built at run time from the questionnaire definition.

The form class is built once per (definition, area, language) and cached: published
definitions never change. Field names: see `surveys.responses.fields`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from surveys.questionnaire.schema import Area, Definition, Question, localized
from surveys.responses.fields import AnswerInput, InvalidValue, kind_of
from surveys.responses.widgets import render_field

COMMENT_MAX = 5000
NA_REASON_MAX = 2000


class AreaFormBase(FlaskForm):
    """Hidden state every area form carries: the submission version and what it showed."""

    class Meta:
        # CSRFProtect checks every post before any view runs (the page writes csrf_token()),
        # and these forms are also built outside requests (offline workbooks from the shell).
        csrf = False

        def render_field(self, field, render_kw):
            return render_field(field, render_kw)  # the fast writer: same HTML as WTForms

        def get_translations(self, form):
            # Our fields carry translated labels and messages of their own; WTForms' catalogue
            # only translated the labels it makes up for unlabelled cells (never shown), once per
            # field per request.
            return None

    lock_version = HiddenField()
    base = HiddenField()  # JSON: field name -> print of the value shown (see responses.merge)


def question_numbers(definition: Definition) -> dict[str, str]:
    """ "2.3" for the third question of the second area: how respondents and reviewers refer."""
    return {
        question.id: f"{a}.{q}"
        for a, area in enumerate(definition.areas, start=1)
        for q, question in enumerate(area.questions, start=1)
    }


def question_label(definition: Definition, question: Question, language: str) -> str:
    return f"{question_numbers(definition)[question.id]} {localized(question.text, language)}"


def _shared_fields(question: Question) -> dict[str, Field]:
    fields: dict[str, Field] = {
        f"{question.id}-comment": TextAreaField(
            _l("Comment"), validators=[Optional()], render_kw={"maxlength": COMMENT_MAX, "rows": 2}
        ),
        f"{question.id}-confirm": BooleanField(_l("The answer carried over is still correct")),
    }
    if question.allow_na:
        fields[f"{question.id}-na"] = BooleanField(_l("Not applicable"))
        fields[f"{question.id}-na_reason"] = TextAreaField(
            _l("Why is it not applicable?"), render_kw={"maxlength": NA_REASON_MAX, "rows": 2}
        )
    return fields


_FORM_CLASSES: dict[tuple[str, str, str, tuple[str, ...]], type[AreaFormBase]] = {}
MAX_CACHED_CLASSES = 2048  # whole areas, and the parts of areas autosaves post


def area_form_class(
    definition: Definition, area: Area, language: str, cache_key: str
) -> type[AreaFormBase]:
    """The form class of one area; `cache_key` identifies the definition (its sha256).

    Built once per definition, area, language and set of questions (an area, or the part of
    it an autosave posts: see `posted_part`): published definitions never change.
    """
    key = (cache_key, area.id, language, tuple(q.id for q in area.questions))
    form_class = _FORM_CLASSES.get(key)
    if form_class is None:
        attrs: dict[str, Field] = {}
        for question in area.questions:
            label = question_label(definition, question, language)
            attrs.update(kind_of(question).fields(question, label, language))
            attrs.update(_shared_fields(question))
        form_class = type(f"AreaForm_{area.id}", (AreaFormBase,), attrs)
        if len(_FORM_CLASSES) >= MAX_CACHED_CLASSES:
            _FORM_CLASSES.clear()
        _FORM_CLASSES[key] = form_class
    return form_class


def posted_part(area: Area, names) -> Area:
    """The area with only the questions a post has fields of (an autosave posts the fields
    changed since its last save): the save then builds forms of those questions only."""
    posted = {name.split("-", 1)[0] for name in names}  # question ids never hold a "-"
    questions = tuple(q for q in area.questions if q.id in posted)
    if len(questions) == len(area.questions):
        return area
    return replace(area, questions=questions)


def initial_data(area: Area, answers: Mapping[str, Any], language: str) -> dict[str, object]:
    """Form data showing the stored answers of an area."""
    data: dict[str, object] = {}
    for question in area.questions:
        answer = answers.get(question.id)
        data.update(kind_of(question).form_data(question, getattr(answer, "value", None), language))
        if answer is not None:
            data[f"{question.id}-comment"] = answer.comment
            if question.allow_na:
                data[f"{question.id}-na"] = answer.not_applicable
                data[f"{question.id}-na_reason"] = answer.na_justification
    return data


def read_inputs(
    form: AreaFormBase, area: Area, language: str
) -> tuple[dict[str, AnswerInput], dict[str, str]]:
    """(answers that parse, errors by field name) from a bound area form in `language`.

    Sets each failing field's `errors` so the page shows the message beside it.
    """
    inputs: dict[str, AnswerInput] = {}
    errors: dict[str, str] = {}
    for question in area.questions:
        try:
            value = kind_of(question).parse(question, form, language)
        except InvalidValue as refused:
            for name, message in refused.problems:
                errors[name] = message
                form[name].errors = [message]
            continue
        na = question.allow_na and bool(form[f"{question.id}-na"].data)
        reason = (form[f"{question.id}-na_reason"].data or "").strip() if question.allow_na else ""
        comment = (form[f"{question.id}-comment"].data or "").strip()
        inputs[question.id] = AnswerInput(
            value=value,
            not_applicable=na,
            na_justification=reason[:NA_REASON_MAX],
            comment=comment[:COMMENT_MAX],
        )
    return inputs, errors


# --------------------------------------------------------------------------- fields without forms

TEXT, FLAG, CHOICE, CHOICES = "text", "flag", "choice", "choices"
_READ_AS = {
    StringField: TEXT,
    TextAreaField: TEXT,
    HiddenField: TEXT,
    BooleanField: FLAG,
    RadioField: CHOICE,
    SelectField: CHOICE,
    SelectMultipleField: CHOICES,
}


@dataclass(frozen=True)
class FieldReader:
    """One field of an area form, read as WTForms reads it (the same `data`), without binding a
    form: a save reads a few fields of a post and of the stored answers, and building the form
    classes' fields for that was most of its work. Mirrors `process_data` (from stored data)
    and `process_formdata` (from a post) of the field classes in `_READ_AS`."""

    name: str
    read_as: str
    coerce: Callable[[Any], Any] = str
    false_values: tuple = ()

    def from_data(self, value: object) -> object:
        if self.read_as == TEXT:
            return value
        if self.read_as == FLAG:
            return bool(value)
        try:
            if self.read_as == CHOICE:
                return self.coerce(value) if value is not None else None
            return [self.coerce(v) for v in value]  # type: ignore[attr-defined]
        except (ValueError, TypeError):
            return None

    def from_post(self, formdata: MultiDict) -> object:
        values = formdata.getlist(self.name) if self.name in formdata else []
        if self.read_as == CHOICES:
            try:
                return [self.coerce(v) for v in values]
            except (ValueError, TypeError):
                return None
        if self.read_as == FLAG:
            return bool(values) and values[0] not in self.false_values
        if not values:
            return self.from_data(None)
        if self.read_as == TEXT:
            return values[0]
        try:
            return self.coerce(values[0])
        except (ValueError, TypeError):
            return None


class FieldValue:
    """A field's `data` (and `errors`, set by `read_inputs`), as a bound form's field has."""

    __slots__ = ("data", "errors", "name")

    def __init__(self, name: str, data: object) -> None:
        self.name = name
        self.data = data
        self.errors: list[str] = []


class FieldValues:
    """An area form's data by field name, read like a bound form (`values[name].data`, iterating
    its fields), for code that only reads data: merging, prints, `read_inputs`."""

    def __init__(self, data: Mapping[str, object]) -> None:
        self._fields = {name: FieldValue(name, value) for name, value in data.items()}

    def __getitem__(self, name: str) -> FieldValue:
        return self._fields[name]

    def __contains__(self, name: object) -> bool:
        return name in self._fields

    def __iter__(self) -> Iterator[FieldValue]:
        return iter(self._fields.values())

    def __len__(self) -> int:
        return len(self._fields)


_READERS: weakref.WeakKeyDictionary[type, tuple[FieldReader, ...] | None] = (
    weakref.WeakKeyDictionary()
)


def field_readers(form_class: type[AreaFormBase]) -> tuple[FieldReader, ...] | None:
    """The readers of a form class's fields in its order; None when one of its fields is read
    in a way `FieldReader` does not mirror (a filter, a default, another class): bind forms."""
    if form_class in _READERS:
        return _READERS[form_class]
    readers: list[FieldReader] | None = []
    for name, field in form_class(formdata=None)._fields.items():
        read_as = _READ_AS.get(type(field))
        if read_as is None or field.filters or field.default is not None or field.name != name:
            readers = None
            break
        readers.append(
            FieldReader(
                name,
                read_as,
                getattr(field, "coerce", str),
                tuple(getattr(field, "false_values", ())),
            )
        )
    found = tuple(readers) if readers is not None else None
    _READERS[form_class] = found
    return found


def field_values(
    form_class: type[AreaFormBase],
    *,
    data: Mapping[str, object] | None = None,
    formdata: MultiDict | None = None,
):
    """What `form_class(formdata=formdata)` or `form_class(formdata=None, data=data)` holds, as
    `FieldValues` (a bound form when its fields cannot be read without one)."""
    readers = field_readers(form_class)
    if readers is None:
        if formdata is not None:
            return form_class(formdata=formdata)
        return form_class(formdata=None, data=dict(data or {}))
    if formdata is not None:
        return FieldValues({r.name: r.from_post(formdata) for r in readers})
    given = data or {}
    return FieldValues({r.name: r.from_data(given.get(r.name)) for r in readers})
