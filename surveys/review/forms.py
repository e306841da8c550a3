"""Review forms (Flask-WTF, CSRF protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Optional

from surveys.forms import Form, TextLength
from surveys.review.operations import MAX_QUERY_LENGTH


class QueryForm(Form):
    """A coordinator's query on one question."""

    question_id = HiddenField()
    rule_key = HiddenField()
    """The failed check the query is about (its failure key), if any."""
    text = TextAreaField(_l("Query"), validators=[DataRequired(), TextLength(max=MAX_QUERY_LENGTH)])


class ReturnForm(Form):
    note = TextAreaField(
        _l("Note to the country"),
        validators=[Optional(), TextLength(max=MAX_QUERY_LENGTH)],
        description=_l("Optional when you have added queries to questions."),
    )


class ReopenForm(Form):
    # Posted as "note", like the return form's note on the same page: its own id, so that
    # each label (and error message) belongs to its own box.
    note = TextAreaField(
        _l("Reason for reopening"),
        validators=[DataRequired(), TextLength(max=MAX_QUERY_LENGTH)],
        id="reopen-note",
    )


class ConfirmForm(Form):
    """A button-only form (validate, resolve): CSRF token only."""


class AnswerQueryForm(Form):
    response = TextAreaField(
        _l("Your answer"), validators=[DataRequired(), TextLength(max=MAX_QUERY_LENGTH)]
    )
    next = HiddenField()
