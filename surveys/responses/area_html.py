"""The editable questions of an area page, written from parts built once.

A published version cannot change. Everything an area's form shows that depends only on the
version, the area and the languages (question blocks, labels, help, options, the statistics
tables with their cells' attributes, conditions) is written once per process into `AreaParts`,
kept per form class (itself built once per version hash, area and language: see
`forms.area_form_class`), reading language and upload limit, a bounded number of them. A page
then only fills in what is its own: values, ticked options, errors, failed checks, explanations,
evidence, carried-over answers and hidden questions (`FilledForm` and `QuestionsHtml`).

Every widget is written by the same writer as WTForms would (`widgets.render_field`), once per
state it can be shown in (with or without an error, ticked or not), around a marker where its
value goes; a page escapes its values into those gaps. Texts from the definition are escaped
when the parts are built; translated interface strings are inserted as Jinja's `_()` inserts
them (the translation as markup, its parameters escaped).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app, url_for
from jinja2 import pass_context
from markupsafe import Markup, escape
from wtforms import BooleanField, SelectFieldBase

from surveys.i18n import current_language
from surveys.i18n import gettext as _
from surveys.questionnaire.schema import Area, Definition, Question, localized
from surveys.responses import evidence as evidence_ops
from surveys.responses.fields import STAT_META_FIELDS, kind_of
from surveys.responses.forms import (
    field_readers,
    field_values,
    initial_data,
    question_numbers,
)
from surveys.responses.merge import field_print, question_field_names
from surveys.responses.presentation import condition_tree, stat_table
from surveys.responses.widgets import render_field

GAP = "\0"  # where a value goes in a widget written once (never in a definition's texts)
MAX_CACHED_AREAS = 64  # (form class, reading language, upload limit): a few MB at most


def _gap(html: str) -> tuple[str, str]:
    """A widget's HTML before and after its value."""
    before, gap, after = html.partition(GAP)
    if not gap or GAP in after:
        raise ValueError(f"a widget must hold its value exactly once: {html[:200]!r}")
    return before, after


class _Widget:
    """One form field written in each state a page shows it in, on first use of that state."""

    def __init__(self, form_field) -> None:
        self._field = form_field  # a field of the parts' own form, its value the gap
        self._states: dict[tuple, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def around(self, **render_kw: Any) -> tuple[str, str]:
        """(before, after) the value, written with these attributes."""
        key = tuple(sorted(render_kw.items()))
        found = self._states.get(key)
        if found is None:
            with self._lock:
                found = self._states[key] = _gap(render_field(self._field, dict(render_kw)))
        return found

    def whole(self, **render_kw: Any) -> str:
        """A widget without a value of its own (a box or an option: ticked or not)."""
        key = tuple(sorted(render_kw.items()))
        found = self._states.get(key)
        if found is None:
            with self._lock:
                found = self._states[key] = (str(render_field(self._field, dict(render_kw))), "")
        return found[0]


def _text(value: object) -> str:
    """What a text input or area shows for a field's data (WTForms' `_value`), escaped."""
    if value is None or value == "":
        return ""
    return str(escape(str(value)))


@dataclass(frozen=True)
class _Option:
    unticked: str  # input, a space and its label, as the page writes them
    ticked: str
    value: str


@dataclass(frozen=True)
class _Cell:
    """One editable figure of a statistics table: `<td>`, its input, `</td>`."""

    field: str
    widget: _Widget
    computed: bool
    total_of: str
    header_ids: str
    plain: tuple[str, str] = ("", "")  # around the value, neither invalid nor in a failed check

    def around(
        self, failed: str | None, invalid: bool, rules_id: str, error_id: str = ""
    ) -> tuple[str, str]:
        described = " ".join(i for i in (error_id, rules_id if failed else "") if i)
        before, after = self.widget.around(
            size=5,
            **{
                "aria-labelledby": self.header_ids,
                "aria-invalid": "true" if invalid else False,
                "aria-describedby": described or False,
                "readonly": self.computed,
                "data-total-of": self.total_of or False,
                "tabindex": "-1" if self.computed else False,
            },
        )
        rule = f' class="rule-{failed}"' if failed else ""
        return f"<td{rule}>{before}", f"{after}</td>"


@dataclass
class _QuestionParts:
    """One question's block, but for what each page fills in."""

    id: str
    widget: str
    grouped: bool
    data_attrs: str  # after `<div class="q[ field-error]`: ids, kind and condition
    heading: tuple[str, str]  # without, with an error on the question
    hint: str
    hint_id: str
    options: tuple[_Option, ...] = ()
    choices_open: str = ""
    main: _Widget | None = None
    unit: str = ""  # shown after the main input ("%"), which it describes
    table_head: str = ""
    rows: tuple[tuple[str, tuple[_Cell, ...]], ...] = ()  # a row's header cell, its cells
    meta: tuple[tuple[str, str, _Widget], ...] = ()  # (field name, label, widget)
    confirm: _Widget | None = None
    confirm_label: str = ""
    na: _Widget | None = None
    na_reason: _Widget | None = None
    comment: _Widget | None = None
    evidence_tail: str = ""


@dataclass(eq=False)
class AreaParts:
    """What an area's form shows that its version, area and languages decide."""

    form_class: type
    answer_fields: tuple[str, ...]  # those whose prints the page's `base` carries
    questions: dict[str, _QuestionParts]
    lock_version: _Widget
    base: _Widget
    texts: dict[str, str]  # interface words

    def values(self, data: Mapping[str, object]) -> dict[str, object]:
        """Each field's data as a form built with `data` holds it (see `forms.field_readers`)."""
        readers = field_readers(self.form_class)
        if readers is None:  # a field the readers do not mirror: as a bound form holds it
            return {f.name: f.data for f in field_values(self.form_class, data=data)}
        return {reader.name: reader.from_data(data.get(reader.name)) for reader in readers}

    def prints(self, values: Mapping[str, object]) -> dict[str, str]:
        """The print of every answer field (see `merge.field_print`)."""
        return {name: field_print(values[name]) for name in self.answer_fields}


_PARTS: OrderedDict[tuple, AreaParts] = OrderedDict()
_PARTS_LOCK = threading.Lock()


def area_parts(form_class, definition: Definition, area: Area, language: str) -> AreaParts:
    """The parts of `area`'s form, built once per form class (version hash, area, question
    language), interface language and upload limit; the least recently used go first."""
    key = (form_class, current_language(), current_app.config["MAX_UPLOAD_MB"])
    with _PARTS_LOCK:
        found = _PARTS.get(key)
        if found is not None:
            _PARTS.move_to_end(key)
            return found
    parts = _build(form_class, definition, area, language)
    with _PARTS_LOCK:
        _PARTS[key] = parts
        while len(_PARTS) > MAX_CACHED_AREAS:
            _PARTS.popitem(last=False)
    return parts


def _build(form_class, definition: Definition, area: Area, language: str) -> AreaParts:
    form = form_class(formdata=None, data=_gaps(form_class))
    numbers = question_numbers(definition)
    texts = _interface_texts()
    questions = {q.id: _question(form, q, numbers[q.id], language, texts) for q in area.questions}
    return AreaParts(
        form_class=form_class,
        answer_fields=tuple(n for q in area.questions for n in question_field_names(form, q)),
        questions=questions,
        lock_version=_Widget(form.lock_version),
        base=_Widget(form.base),
        texts=texts,
    )


def _gaps(form_class) -> dict[str, object]:
    """Form data with the gap as every text field's value (boxes and options stay unticked)."""
    form_class(formdata=None)  # WTForms lists a form class's fields when first instantiated
    return {
        name: GAP
        for name, unbound in form_class._unbound_fields
        if not issubclass(unbound.field_class, BooleanField | SelectFieldBase)
    }


def _interface_texts() -> dict[str, str]:
    """The interface words of a question block, as Jinja's `_()` writes them."""
    max_mb = current_app.config["MAX_UPLOAD_MB"] or 0
    texts = {
        "comment": _("Comment"),
        "evidence_files": _("Evidence files"),
        "history": _("History of this answer"),
        "na": _("Not applicable"),
        "na_reason": _("Why is it not applicable?"),
        "na_drops": _(
            "While this box is ticked, no answer to this question is kept: what is entered "
            "above is not saved."
        ),
        "optional": _("Optional."),
        "add_file": _(
            "Add a file (PDF, office document or image, at most %(size)d MB)", size=max_mb
        ),
        "alone": _("(only on its own)"),
        "carried": _("Carried over from the previous round"),
        "definition": _("Definition"),
        "remove": _("Remove"),
        "error": _("Error"),
        "warning": _("Warning"),
        "explain": _("Your explanation of this figure (needed to submit unless you correct it)"),
        "save_explanation": _("Save explanation"),
    }
    # Translations are trusted markup, as Jinja's `_()` takes them (a number is the only
    # parameter here).
    return {key: Markup(text) for key, text in texts.items()}  # noqa: S704


def _question(form, q: Question, number: str, language: str, texts: dict) -> _QuestionParts:
    kind = kind_of(q)
    qid = str(escape(q.id))
    help_text = localized(q.help, language) if q.help else ""
    has_hint = bool(help_text) or not q.required
    hint_id = f"{q.id}-hint" if has_hint else ""
    condition = ""
    if q.show_if:
        tree = json.dumps(condition_tree(q.show_if), separators=(",", ":"))
        condition = f' data-show-if="{escape(tree)}"'
    title = f"{escape(number)} {escape(localized(q.text, language))}"
    if kind.grouped:
        heading = (
            f"<fieldset{_described(hint_id)}><legend>{title}</legend>\n\n",
            f"<fieldset{_described(hint_id, f'{q.id}-error')}><legend>{title}</legend>\n\n",
        )
    else:
        label = f'<label class="q-label" for="{qid}">{title}</label>\n'
        heading = (label, label)
    hint = ""
    if has_hint:
        optional = f"{texts['optional']} " if not q.required else ""
        hint = f'<p class="hint" id="{qid}-hint">{optional}{escape(help_text)}</p>'
    parts = _QuestionParts(
        id=q.id,
        widget=kind.widget,
        grouped=kind.grouped,
        data_attrs=f'" id="q-{qid}" data-q="{qid}" data-kind="{escape(kind.widget)}"{condition}',
        heading=heading,
        hint=hint + "\n",
        hint_id=hint_id,
    )
    if kind.widget in ("radios", "checkboxes"):
        _choices(parts, form, q, texts)
    elif kind.widget == "statistics":
        _statistics(parts, form, q, language, texts)
    else:
        parts.main = _Widget(form[kind.main_field(q)])
        parts.unit = kind.typed_unit
    parts.confirm = _Widget(form[f"{q.id}-confirm"])
    parts.confirm_label = str(escape(form[f"{q.id}-confirm"].label.text))
    if q.allow_na:
        parts.na = _Widget(form[f"{q.id}-na"])
        parts.na_reason = _Widget(form[f"{q.id}-na_reason"])
    parts.comment = _Widget(form[f"{q.id}-comment"])
    parts.evidence_tail = (
        f'<input type="file" id="{qid}-evidence" name="{qid}-evidence" '
        f'accept="{escape(evidence_ops.ACCEPT_ATTRIBUTE)}"></details>\n'
    )
    return parts


def _described(*ids: str) -> str:
    joined = " ".join(i for i in ids if i)
    return f' aria-describedby="{escape(joined)}"' if joined else ""


def _choices(parts: _QuestionParts, form, q: Question, texts: dict) -> None:
    exclusive = set()
    if parts.widget == "checkboxes":
        exclusive = {o.value for o in q.options if o.exclusive}
    options = []
    for option in form[q.id]:
        widget = _Widget(option)
        label = str(option.label)
        if option.data in exclusive:
            attrs = {"data-exclusive": "", "aria-describedby": f"{option.id}-alone"}
            alone = f' <span class="muted" id="{escape(option.id)}-alone">{texts["alone"]}</span>'
            unticked = widget.whole(**attrs) + f" {label}{alone}"
            ticked = widget.whole(**attrs, checked=True) + f" {label}{alone}"
        else:
            unticked = widget.whole() + f" {label}"
            ticked = widget.whole(checked=True) + f" {label}"
        options.append(_Option(unticked=unticked, ticked=ticked, value=str(option.data)))
    parts.options = tuple(options)
    group = " data-exclusive-group" if exclusive else ""
    parts.choices_open = f'<div class="choices"{group}>'


def _statistics(parts: _QuestionParts, form, q: Question, language: str, texts: dict) -> None:
    table = stat_table(q, language)
    assert q.statistics is not None
    span = len(q.statistics.columns)
    years = "".join(
        f'<th id="{escape(hid)}" colspan="{span}" scope="colgroup">{escape(year)}</th>'
        for year, hid in table.years
    )
    columns = "".join(
        f'<th id="{escape(hid)}" scope="col">{escape(label)}</th>'
        for _column, label, hid in table.columns
    )
    parts.table_head = (
        '<div class="table-scroll"><table class="stats">\n'
        f'<thead><tr><td rowspan="2"></td>{years}</tr>\n<tr>{columns}</tr></thead>\n<tbody>'
    )
    rows = []
    for row in table.rows:
        label = str(escape(row.label))
        if row.definition:
            summary = f"<summary>{texts['definition']}</summary>"
            label += f"<details>{summary}{escape(row.definition)}</details>"
        header = f'<tr><th id="{escape(row.header_id)}" scope="row">{label}</th>\n'
        cells = []
        for cell in row.cells:
            written = _Cell(
                field=cell.field,
                widget=_Widget(form[cell.field]),
                computed=cell.computed,
                total_of=cell.total_of,
                header_ids=cell.header_ids,
            )
            rules_id = f"{q.id}-rules"
            cells.append(replace(written, plain=written.around(None, False, rules_id)))
        rows.append((header, tuple(cells)))
    parts.rows = tuple(rows)
    parts.meta = tuple(
        (
            f"{q.id}-{meta}",
            str(escape(form[f"{q.id}-{meta}"].label.text)),
            _Widget(form[f"{q.id}-{meta}"]),
        )
        for meta in STAT_META_FIELDS
    )


# --------------------------------------------------------------------------- a page's form


class FilledForm:
    """An area's form as a page shows it: the parts, each field's data, the hidden state."""

    def __init__(self, parts: AreaParts, values: dict[str, object]) -> None:
        self.parts = parts
        self.values = values  # field name -> data
        self.lock_version_value = ""
        self.base_value = ""  # JSON: field name -> print of the value shown

    def lock_version(self) -> Markup:
        return self._hidden(self.parts.lock_version, self.lock_version_value)

    def base(self) -> Markup:
        return self._hidden(self.parts.base, self.base_value)

    @staticmethod
    def _hidden(widget: _Widget, value: str) -> Markup:
        before, after = widget.around()
        return Markup(f"{before}{_text(value)}{after}")  # noqa: S704 - value escaped


def filled_form(
    form_class, definition: Definition, area: Area, answers: Mapping, language: str
) -> tuple[FilledForm, dict[str, str]]:
    """The form showing the stored answers, and the print of each answer field."""
    parts = area_parts(form_class, definition, area, language)
    values = parts.values(initial_data(area, answers, language))
    return FilledForm(parts, values), parts.prints(values)


@dataclass
class _Page:
    """What a page fills in, read once from the template's context."""

    errors: Mapping[str, str]
    errors_beside: Mapping[str, str]  # a table's figure: its message naming row, year, column
    hidden: Any
    answers: Mapping
    evidence: Mapping
    failures: Mapping[str, list]
    failed_cells: Mapping[str, str]
    explanation_max: int
    history_url: tuple[str, str] | None  # around the question id


@pass_context
def edit_questions(context, form: FilledForm) -> QuestionsHtml:
    """The editable questions of the page whose template context this is."""
    submission = context.get("submission")
    history = None
    if submission is not None:
        # Question ids need no quoting in a path ([a-z][a-z0-9_]*): one url_for for the page.
        url = url_for("responses.history", submission_id=submission.id, question_id=GAP)
        history = _gap(url.replace("%00", GAP))
    page = _Page(
        errors=context.get("errors") or {},
        errors_beside=context.get("errors_beside") or {},
        hidden=context.get("hidden") or (),
        answers=context.get("answers") or {},
        evidence=context.get("evidence") or {},
        failures=context.get("failures_by_question") or {},
        failed_cells=context.get("failed_cells") or {},
        explanation_max=context.get("explanation_max") or 0,
        history_url=history,
    )
    return QuestionsHtml(form, page)


class QuestionsHtml:
    """One page's question blocks: `start(q)` up to the evidence, `end(q)` the rest (between
    them the template includes the secretariat's queries about the question)."""

    def __init__(self, form: FilledForm, page: _Page) -> None:
        self.form = form
        self.page = page
        self.texts = form.parts.texts

    def start(self, question: Question) -> Markup:
        parts = self.form.parts.questions[question.id]
        out: list[str] = []
        self._open(out, parts)
        if parts.widget in ("radios", "checkboxes"):
            self._choices(out, parts)
        elif parts.widget == "statistics":
            self._statistics(out, parts)
        else:
            self._main(out, parts)
        out.append("\n</fieldset>\n" if parts.grouped else "\n\n")
        self._carried(out, parts)
        self._not_applicable(out, parts)
        self._comment(out, parts)
        self._evidence(out, parts)
        return Markup("".join(out))  # noqa: S704 - parts escaped when built, values here

    def every(self, questions: Iterable[Question]) -> Markup:
        """Every block whole, as `start(q)` then `end(q)` each, in one call: for a page with no
        query to place between them (most pages), not two template calls a question."""
        return Markup("".join(self.start(q) + self.end(q) for q in questions))  # noqa: S704

    def end(self, question: Question) -> Markup:
        history = self.page.history_url
        if history is None:
            return Markup("\n</div>\n")
        url = f"{history[0]}{question.id}{history[1]}"
        link = f'<p class="q-links"><a href="{escape(url)}">{self.texts["history"]}</a></p>'
        return Markup(f"\n{link}\n</div>\n")  # noqa: S704 - url escaped

    # --- pieces, in page order

    def _error_line(self, name: str) -> str:
        message = self.page.errors.get(name)
        if not message:
            return ""
        return f'<p class="error-message" id="{escape(name)}-error">{escape(message)}</p>'

    def _open(self, out: list[str], parts: _QuestionParts) -> None:
        error = bool(self.page.errors.get(parts.id))
        out.append('\n\n\n<div class="q field-error' if error else '\n\n\n<div class="q')
        out.append(parts.data_attrs)
        out.append(" hidden>\n" if parts.id in self.page.hidden else ">\n")
        out.append(parts.heading[error])
        out.append(parts.hint)
        out.append(self._error_line(parts.id))
        out.append("\n")

    def _choices(self, out: list[str], parts: _QuestionParts) -> None:
        data = self.form.values.get(parts.id)
        if parts.widget == "checkboxes":
            chosen = set(data or ())
            ticked = [o.value in chosen for o in parts.options]
        else:
            ticked = [o.value == data for o in parts.options]
        out.append("\n")
        out.append(parts.choices_open)
        for option, on in zip(parts.options, ticked, strict=True):
            out.append(f"<div>{option.ticked if on else option.unticked}</div>")
        out.append("</div>\n")

    def _main(self, out: list[str], parts: _QuestionParts) -> None:
        assert parts.main is not None
        error = bool(self.page.errors.get(parts.id))
        unit_id = f"{parts.id}-unit" if parts.unit else ""
        described = " ".join(
            i for i in (parts.hint_id, unit_id, f"{parts.id}-error" if error else "") if i
        )
        before, after = parts.main.around(
            **{"aria-describedby": described or False, "aria-invalid": "true" if error else False}
        )
        unit = (
            f' <span class="unit" id="{escape(unit_id)}">{escape(parts.unit)}</span>'
            if parts.unit
            else ""
        )
        out.append(f"\n{before}{_text(self.form.values.get(parts.id))}{after}{unit}\n")
        out.append(self._rule_lines(parts.id))
        out.append("\n")

    def _statistics(self, out: list[str], parts: _QuestionParts) -> None:
        out.append("\n")
        out.append(self._rule_lines(parts.id))
        out.append("\n\n\n")
        out.append(parts.table_head)
        errors = self.page.errors
        failed_cells = self.page.failed_cells
        values = self.form.values
        rules_id = f"{parts.id}-rules"
        for header, cells in parts.rows:
            out.append(header)
            for cell in cells:
                if cell.field in failed_cells or cell.field in errors:
                    failed = failed_cells.get(cell.field)
                    error_id = f"{cell.field}-error" if errors.get(cell.field) else ""
                    invalid = bool(error_id) or failed == "error"
                    before, after = cell.around(failed, invalid, rules_id, error_id)
                else:
                    before, after = cell.plain
                out.append(f"{before}{_text(values.get(cell.field))}{after}")
            out.append("</tr>\n")
        out.append("</tbody></table></div>\n")
        # Below the table (a cell is too narrow), each refused figure's message, naming its row,
        # year and column as the autosave's does, linked to its cell (in the table's order: the
        # order its kind reads the figures in).
        prefix = f"{parts.id}-"
        for name, message in errors.items():
            if name.startswith(prefix) and name.count("-") == 3:
                message = self.page.errors_beside.get(name, message)
                out.append(
                    f'<p class="error-message" id="{escape(name)}-error">'
                    f'<a href="#{escape(name)}">{escape(message)}</a></p>'
                )
        out.append("\n\n")
        for name, label, widget in parts.meta:
            error = bool(errors.get(name))
            before, after = widget.around(
                **{"aria-describedby": f"{name}-error" if error else False}
            )
            out.append(
                f'\n<div class="field"><label for="{escape(name)}">{label}</label>'
                f"{self._error_line(name)}{before}{_text(values.get(name))}{after}</div>\n"
            )
        out.append("\n")

    def _rule_lines(self, question_id: str) -> str:
        failures = self.page.failures.get(question_id)
        if not failures:
            return "\n\n"
        texts = self.texts
        out = [f'\n<ul class="rule-failures" id="{escape(question_id)}-rules">']
        for shown in failures:
            field_id = escape(shown.explanation_field)
            kind = texts["error"] if shown.failure.is_error else texts["warning"]
            out.append(
                f'\n<li class="rule-{escape(shown.severity)}" id="{field_id}-item">'
                f"<strong>{kind}</strong> {escape(shown.text)}\n"
            )
            if not shown.failure.is_error:
                out.append(
                    f'<div class="field"><label for="{field_id}">{texts["explain"]}</label>\n'
                    f'<textarea id="{field_id}" name="explanation" rows="2" '
                    f'maxlength="{self.page.explanation_max}" form="form-{field_id}">'
                    f"{escape(shown.explanation)}</textarea></div>\n"
                    f'<button type="submit" class="button-small" form="form-{field_id}">'
                    f"{texts['save_explanation']}</button>\n"
                )
            out.append("\n</li>")
        out.append("</ul>\n")
        return "".join(out)

    def _carried(self, out: list[str], parts: _QuestionParts) -> None:
        answer = self.page.answers.get(parts.id)
        if answer is not None and answer.carried_over:
            assert parts.confirm is not None
            name = f"{parts.id}-confirm"
            box = parts.confirm.whole(checked=bool(self.form.values.get(name)))
            out.append(
                f'\n<div class="carried"><span class="badge">{self.texts["carried"]}</span>\n'
                f'{box} <label for="{escape(name)}">{parts.confirm_label}</label>'
                f"{self._error_line(name)}</div>\n"
            )
        out.append("\n")

    def _not_applicable(self, out: list[str], parts: _QuestionParts) -> None:
        if parts.na is not None and parts.na_reason is not None:
            qid = escape(parts.id)
            name = f"{parts.id}-na"
            box = parts.na.whole(checked=bool(self.form.values.get(name)))
            before, after = parts.na_reason.around()
            reason = _text(self.form.values.get(f"{parts.id}-na_reason"))
            out.append(
                f'\n<div class="na">{box} <label for="{qid}-na">{self.texts["na"]}</label>\n'
                f'<p class="hint na-note" id="{qid}-na-note">{self.texts["na_drops"]}</p>\n'
                f'<div class="field"><label for="{qid}-na_reason">{self.texts["na_reason"]}</label>'
                f"{self._error_line(f'{parts.id}-na_reason')}{before}{reason}{after}</div></div>\n"
            )
        out.append("\n")

    def _comment(self, out: list[str], parts: _QuestionParts) -> None:
        answer = self.page.answers.get(parts.id)
        is_open = " open" if answer is not None and answer.comment else ""
        assert parts.comment is not None
        before, after = parts.comment.around()
        comment = _text(self.form.values.get(f"{parts.id}-comment"))
        texts = self.texts
        out.append(
            f'<details class="extra"{is_open}><summary>{texts["comment"]}</summary>\n'
            f'<label for="{escape(parts.id)}-comment" class="visually-hidden">{texts["comment"]}'
            f"</label>{before}{comment}{after}</details>\n\n"
        )

    def _evidence(self, out: list[str], parts: _QuestionParts) -> None:
        files = self.page.evidence.get(parts.id, [])
        name = f"{parts.id}-evidence"
        is_open = " open" if files or self.page.errors.get(name) else ""
        texts = self.texts
        out.append(
            f'<details class="extra"{is_open}><summary>{texts["evidence_files"]} '
            f"({len(files)})</summary>\n"
        )
        if files:
            out.append('<ul class="files">')
            for f in files:
                url = url_for("responses.evidence_file", evidence_id=f.id)
                out.append(
                    f'<li><a href="{escape(url)}">{escape(f.filename)}</a> '
                    f'<span class="muted">{escape(evidence_ops.human_size(f.size_bytes))}</span>\n'
                    f'<input type="checkbox" id="rm-{f.id}" '
                    f'name="{escape(parts.id)}-remove_evidence" value="{f.id}"> '
                    f'<label for="rm-{f.id}">{texts["remove"]}</label></li>'
                )
            out.append("</ul>")
        out.append(
            f'\n<label for="{escape(name)}">{texts["add_file"]}</label>{self._error_line(name)}\n'
        )
        out.append(parts.evidence_tail)
